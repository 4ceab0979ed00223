-- Who cancelled a job: its owner or an admin. A waiting job ends at once; a rendering one
-- keeps its slot until the API says it is over (the API cannot stop a render), then ends
-- as cancelled: its result stays in result_json but is not posted, and its hold is released.
ALTER TABLE jobs ADD COLUMN cancelled_by INTEGER;

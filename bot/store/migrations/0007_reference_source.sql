-- Where a job's reference image was posted ("<channel id>:<message id>:<image number>"), so a job
-- that waited longer than Discord keeps a file link valid can read a fresh link before its submit.
ALTER TABLE jobs ADD COLUMN reference_source TEXT;

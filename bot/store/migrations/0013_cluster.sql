-- Several bot processes over one database (issue 16): the leader fetches the Vivix model catalog
-- (GET /models) and stores its latest answer here; the other processes read it instead of asking
-- the API themselves. One row at most (id is always 1); the leader replaces it on each refresh.
CREATE TABLE catalog_snapshot (
    id         INTEGER PRIMARY KEY CHECK (id = 1),
    fetched_at TEXT    NOT NULL,   -- fixed-width UTC text, like every time (bot/store/timestamps.py)
    body_json  TEXT    NOT NULL    -- the /models answer as received
);

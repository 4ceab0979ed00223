-- Jobs keep their times like the ledger does (bot/store/timestamps.py): fixed-width UTC text
-- 'YYYY-MM-DDTHH:MM:SS.ffffffZ', so text order is time order. Versions 2 to 4 stored
-- datetime.isoformat(): '2026-05-01T12:00:00.123456+00:00', or '2026-05-01T12:00:00+00:00' when
-- the microseconds were zero. The table also gains the CHECKs that 0002 left to comments.
--
-- SQLite cannot add a CHECK to a table, so the table is rebuilt: create jobs_new, copy, drop,
-- rename, recreate the indexes of 0002. Nothing references jobs (no foreign key, view or trigger).
--
-- Conversion of one value v: the whole seconds with their offset go through strftime (which
-- applies the offset, should a value not be +00:00), the microseconds are copied as text
-- (strftime keeps milliseconds only). A value that does not parse is kept as it was, and the
-- format CHECK below then refuses it: the migration fails rather than guess.

UPDATE jobs SET
    created_at = COALESCE(
        strftime('%Y-%m-%dT%H:%M:%S', substr(created_at, 1, 19)
                 || CASE WHEN created_at LIKE '%Z' THEN 'Z' ELSE substr(created_at, -6) END)
        || '.' || CASE WHEN substr(created_at, 20, 1) = '.' THEN substr(created_at, 21, 6) ELSE '000000' END
        || 'Z',
        created_at),
    submitted_at = COALESCE(
        strftime('%Y-%m-%dT%H:%M:%S', substr(submitted_at, 1, 19)
                 || CASE WHEN submitted_at LIKE '%Z' THEN 'Z' ELSE substr(submitted_at, -6) END)
        || '.' || CASE WHEN substr(submitted_at, 20, 1) = '.' THEN substr(submitted_at, 21, 6) ELSE '000000' END
        || 'Z',
        submitted_at),
    finished_at = COALESCE(
        strftime('%Y-%m-%dT%H:%M:%S', substr(finished_at, 1, 19)
                 || CASE WHEN finished_at LIKE '%Z' THEN 'Z' ELSE substr(finished_at, -6) END)
        || '.' || CASE WHEN substr(finished_at, 20, 1) = '.' THEN substr(finished_at, 21, 6) ELSE '000000' END
        || 'Z',
        finished_at),
    post_started_at = COALESCE(
        strftime('%Y-%m-%dT%H:%M:%S', substr(post_started_at, 1, 19)
                 || CASE WHEN post_started_at LIKE '%Z' THEN 'Z' ELSE substr(post_started_at, -6) END)
        || '.' || CASE WHEN substr(post_started_at, 20, 1) = '.' THEN substr(post_started_at, 21, 6) ELSE '000000' END
        || 'Z',
        post_started_at),
    delivered_at = COALESCE(
        strftime('%Y-%m-%dT%H:%M:%S', substr(delivered_at, 1, 19)
                 || CASE WHEN delivered_at LIKE '%Z' THEN 'Z' ELSE substr(delivered_at, -6) END)
        || '.' || CASE WHEN substr(delivered_at, 20, 1) = '.' THEN substr(delivered_at, 21, 6) ELSE '000000' END
        || 'Z',
        delivered_at);

CREATE TABLE jobs_new (
    id                TEXT PRIMARY KEY,
    guild_id          INTEGER NOT NULL,
    channel_id        INTEGER NOT NULL,
    member_id         INTEGER NOT NULL,
    command           TEXT NOT NULL,
    model             TEXT NOT NULL,
    category          TEXT NOT NULL,
    request_json      TEXT NOT NULL,           -- the exact POST /generate body
    idempotency_key   TEXT NOT NULL UNIQUE,
    held              INTEGER NOT NULL CHECK (held >= 0),
    status            TEXT NOT NULL
                      CHECK (status IN ('queued', 'submitting', 'running', 'finished', 'delivered')),
    outcome           TEXT CHECK (outcome IS NULL OR outcome IN ('completed', 'failed', 'cancelled')),
    generation_id     TEXT,
    credits_estimate  INTEGER CHECK (credits_estimate IS NULL OR credits_estimate >= 0),
    credits_used      INTEGER CHECK (credits_used IS NULL OR credits_used >= 0),
    result_json       TEXT,                    -- the last status answer, in full
    error_code        TEXT,
    error_message     TEXT,
    status_message_id INTEGER,                 -- the public "queued / rendering" message
    result_message_id INTEGER,
    delivered_via     TEXT CHECK (delivered_via IS NULL OR delivered_via IN ('channel', 'dm', 'none')),
    attempts          INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    polls             INTEGER NOT NULL DEFAULT 0 CHECK (polls >= 0),
    created_at        TEXT NOT NULL CHECK (created_at GLOB
        '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'),
    submitted_at      TEXT CHECK (submitted_at IS NULL OR submitted_at GLOB
        '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'),
    finished_at       TEXT CHECK (finished_at IS NULL OR finished_at GLOB
        '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'),
    post_started_at   TEXT CHECK (post_started_at IS NULL OR post_started_at GLOB
        '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'),
    delivered_at      TEXT CHECK (delivered_at IS NULL OR delivered_at GLOB
        '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z'),
    cancelled_by      INTEGER,                 -- who cancelled: the owner or an admin (0003)
    retries           INTEGER NOT NULL DEFAULT 0 CHECK (retries >= 0),  -- resubmits (0004)
    earlier_attempts_json TEXT                 -- failed generations before the current one (0004)
                      CHECK (earlier_attempts_json IS NULL OR json_valid(earlier_attempts_json)),
    -- an outcome exactly when the job has ended
    CHECK ((outcome IS NOT NULL) = (status IN ('finished', 'delivered'))),
    -- a charge never goes beyond what was held
    CHECK (credits_used IS NULL OR credits_used <= held)
);

-- rowid too: it breaks ties in the queue's order (ORDER BY created_at, rowid).
INSERT INTO jobs_new (
    rowid, id, guild_id, channel_id, member_id, command, model, category, request_json, idempotency_key,
    held, status, outcome, generation_id, credits_estimate, credits_used, result_json, error_code,
    error_message, status_message_id, result_message_id, delivered_via, attempts, polls, created_at,
    submitted_at, finished_at, post_started_at, delivered_at, cancelled_by, retries, earlier_attempts_json
)
SELECT
    rowid, id, guild_id, channel_id, member_id, command, model, category, request_json, idempotency_key,
    held, status, outcome, generation_id, credits_estimate, credits_used, result_json, error_code,
    error_message, status_message_id, result_message_id, delivered_via, attempts, polls, created_at,
    submitted_at, finished_at, post_started_at, delivered_at, cancelled_by, retries, earlier_attempts_json
FROM jobs;

DROP TABLE jobs;

ALTER TABLE jobs_new RENAME TO jobs;

CREATE INDEX jobs_by_status ON jobs (status, created_at);
CREATE INDEX jobs_by_guild ON jobs (guild_id, status, created_at);
CREATE INDEX jobs_by_member ON jobs (guild_id, member_id, created_at);
CREATE UNIQUE INDEX jobs_by_generation ON jobs (generation_id) WHERE generation_id IS NOT NULL;

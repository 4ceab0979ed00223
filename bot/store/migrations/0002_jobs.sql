-- Generation jobs: the full request, the API's answers, the cost and where the result went.
-- A job is its own ledger hold: jobs.id is the ledger's job id.
CREATE TABLE jobs (
    id                TEXT PRIMARY KEY,
    guild_id          INTEGER NOT NULL,
    channel_id        INTEGER NOT NULL,
    member_id         INTEGER NOT NULL,
    command           TEXT NOT NULL,
    model             TEXT NOT NULL,
    category          TEXT NOT NULL,
    request_json      TEXT NOT NULL,           -- the exact POST /generate body
    idempotency_key   TEXT NOT NULL UNIQUE,
    held              INTEGER NOT NULL,
    status            TEXT NOT NULL,           -- queued | running | finished | delivered
    outcome           TEXT,                    -- completed | failed | cancelled (once finished)
    generation_id     TEXT,
    credits_estimate  INTEGER,
    credits_used      INTEGER,
    result_json       TEXT,                    -- the last status answer, in full
    error_code        TEXT,
    error_message     TEXT,
    status_message_id INTEGER,                 -- the public "queued / rendering" message
    result_message_id INTEGER,
    delivered_via     TEXT,                    -- channel | dm | none
    attempts          INTEGER NOT NULL DEFAULT 0,
    polls             INTEGER NOT NULL DEFAULT 0,
    created_at        TEXT NOT NULL,
    submitted_at      TEXT,
    finished_at       TEXT,
    post_started_at   TEXT,
    delivered_at      TEXT
);

CREATE INDEX jobs_by_status ON jobs (status, created_at);
CREATE INDEX jobs_by_guild ON jobs (guild_id, status, created_at);
CREATE INDEX jobs_by_member ON jobs (guild_id, member_id, created_at);
CREATE UNIQUE INDEX jobs_by_generation ON jobs (generation_id) WHERE generation_id IS NOT NULL;

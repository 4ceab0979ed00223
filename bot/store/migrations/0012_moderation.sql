-- Moderation (README "Moderation"): what happened in a server, kept whether or not it has a log
-- channel; the channel itself; and members' reports of results, once per member per result.

-- One row per event: a job started, a request refused by the server's policy, a cancel, a delete,
-- an admin change, a report. actor_id did it (0: the bot itself); member_id is whose job or who is
-- concerned; details_json holds what the log embed shows (prompt, model, cost, status, link).
CREATE TABLE audit_event (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id     INTEGER NOT NULL,
    kind         TEXT    NOT NULL CHECK (length(kind) BETWEEN 1 AND 32),
    actor_id     INTEGER NOT NULL,
    member_id    INTEGER,
    job_id       TEXT,
    details_json TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(details_json)),
    at           TEXT    NOT NULL CHECK (at GLOB
        '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z')
);
-- /moderation export reads a server's events by time, a page at a time (keyset on at, id).
CREATE INDEX audit_event_by_guild ON audit_event (guild_id, at, id);

-- A server's log channel. No row: none (events are still kept in audit_event).
CREATE TABLE audit_log_channel (
    guild_id   INTEGER PRIMARY KEY,
    channel_id INTEGER NOT NULL,
    set_by     INTEGER NOT NULL,
    updated_at TEXT    NOT NULL
);

-- A member's report of a result: one per member per result (the UNIQUE key refuses a second).
CREATE TABLE moderation_report (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id    INTEGER NOT NULL,
    job_id      TEXT    NOT NULL,
    reporter_id INTEGER NOT NULL,
    author_id   INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    UNIQUE (job_id, reporter_id)
);

-- /moderation export reads a server's jobs by creation time, a page at a time (keyset on
-- created_at, rowid); the existing job indexes lead with status or member.
CREATE INDEX jobs_by_guild_time ON jobs (guild_id, created_at);

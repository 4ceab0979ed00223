-- Contests: themed community contests whose entries are the bot's own generations.
-- Credits: a contest's prize pool and its sponsored budget are credit_hold rows keyed
-- 'contest:<id>:prizes' and 'contest:<id>:budget' (member 0: the server itself), written in the
-- transaction that inserts the contest (see bot/ledger/pools.py).
-- Times are fixed-width UTC text like the ledger's (bot/store/timestamps.py).

CREATE TABLE contests (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id        INTEGER NOT NULL,
    channel_id      INTEGER NOT NULL,
    created_by      INTEGER NOT NULL,
    title           TEXT    NOT NULL,
    theme           TEXT    NOT NULL,
    phase           TEXT    NOT NULL CHECK (phase IN ('entries', 'voting', 'closed', 'cancelled')),
    created_at      TEXT    NOT NULL,
    entries_close_at TEXT   NOT NULL,
    votes_close_at  TEXT    NOT NULL,
    max_entries     INTEGER NOT NULL CHECK (max_entries >= 1),
    category        TEXT,                                   -- NULL: any kind of model
    models_json     TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(models_json)),   -- [] : any model
    required_words_json TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(required_words_json)),
    entry_cost      TEXT    NOT NULL CHECK (entry_cost IN ('member', 'sponsored')),
    budget          INTEGER NOT NULL DEFAULT 0 CHECK (budget >= 0),      -- as held at creation
    prizes_json     TEXT    NOT NULL DEFAULT '[]' CHECK (json_valid(prizes_json)), -- 1st, 2nd, 3rd
    role_id         INTEGER,                                -- needed to enter and vote, when set
    voting_opened_at TEXT,
    closed_at       TEXT,
    settled_at      TEXT,                                   -- prizes paid, pools released
    cancelled_at    TEXT,
    cancelled_by    INTEGER,
    CHECK (entries_close_at > created_at AND votes_close_at > entries_close_at),
    CHECK (entry_cost = 'sponsored' OR budget = 0)
);
CREATE INDEX contests_by_guild ON contests (guild_id, phase, id);

-- An entry is one completed job of the bot's. Each job is entered at most once, in at most one
-- contest, even after a withdrawal. 'pending': its generation is still running.
CREATE TABLE contest_entries (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    contest_id   INTEGER NOT NULL REFERENCES contests (id),
    job_id       TEXT    NOT NULL UNIQUE,
    member_id    INTEGER NOT NULL,
    status       TEXT    NOT NULL CHECK (status IN ('pending', 'entered', 'withdrawn', 'failed', 'late')),
    drawn        INTEGER NOT NULL DEFAULT 0 CHECK (drawn >= 0),   -- credits drawn from the budget
    number       INTEGER,                                -- shown while voting, given when it opens
    created_at   TEXT    NOT NULL,
    ended_at     TEXT,                                   -- withdrawn, failed or late
    UNIQUE (contest_id, number)
);
CREATE INDEX contest_entries_by_member ON contest_entries (contest_id, member_id, status);

-- Votes are append-only: each row is a cast or a change, linked to the contest's previous row
-- by hash = sha256(prev_hash|member_id|entry_id|cast_at|kind) (bot/contests/votes.py).
-- A member's vote is their latest row.
CREATE TABLE contest_votes (
    seq         INTEGER PRIMARY KEY AUTOINCREMENT,
    contest_id  INTEGER NOT NULL REFERENCES contests (id),
    member_id   INTEGER NOT NULL,
    entry_id    INTEGER NOT NULL REFERENCES contest_entries (id),
    kind        TEXT    NOT NULL CHECK (kind IN ('cast', 'change')),
    cast_at     TEXT    NOT NULL,
    prev_hash   TEXT    NOT NULL CHECK (length(prev_hash) = 64),
    hash        TEXT    NOT NULL UNIQUE CHECK (length(hash) = 64),
    UNIQUE (contest_id, prev_hash)                        -- a chain, never a fork
);
CREATE INDEX contest_votes_by_member ON contest_votes (contest_id, member_id, seq);

CREATE TRIGGER contest_votes_no_update BEFORE UPDATE ON contest_votes
BEGIN
    SELECT RAISE(ABORT, 'contest_votes is append-only');
END;

CREATE TRIGGER contest_votes_no_delete BEFORE DELETE ON contest_votes
BEGIN
    SELECT RAISE(ABORT, 'contest_votes is append-only');
END;

-- The prizes, decided when voting closes; each paid in the transaction that writes its bonus
-- ledger rows, exactly once (paid_at goes from NULL to a time once).
CREATE TABLE contest_payouts (
    contest_id  INTEGER NOT NULL REFERENCES contests (id),
    place       INTEGER NOT NULL CHECK (place >= 1),
    member_id   INTEGER NOT NULL,
    entry_ids   TEXT    NOT NULL,                       -- the member's entries at that place, "3,7"
    votes       INTEGER NOT NULL CHECK (votes >= 0),
    amount      INTEGER NOT NULL CHECK (amount >= 0),
    paid_at     TEXT,
    PRIMARY KEY (contest_id, place, member_id)
) WITHOUT ROWID;

-- Phase changes on database timers: 'open_voting' (entries close), 'close_voting', 'pay_prizes'.
-- done_at is set in the transaction that makes the change; announced_at once it was posted.
CREATE TABLE contest_timers (
    contest_id   INTEGER NOT NULL REFERENCES contests (id),
    change       TEXT    NOT NULL CHECK (change IN ('open_voting', 'close_voting', 'pay_prizes')),
    due_at       TEXT    NOT NULL,
    done_at      TEXT,
    announced_at TEXT,
    PRIMARY KEY (contest_id, change)
) WITHOUT ROWID;
CREATE INDEX contest_timers_due ON contest_timers (due_at) WHERE done_at IS NULL;
CREATE INDEX contest_timers_unannounced ON contest_timers (done_at) WHERE done_at IS NOT NULL AND announced_at IS NULL;

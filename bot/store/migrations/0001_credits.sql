-- Credits: each guild's allowance and cycle, members' bonus, caps, holds, and the ledger.
-- Conservation: for a guild, SUM(grant + adjust + bonus) = available + held + spent,
-- and the ledger rows alone reproduce each balance column (see CreditLedger.audit).

CREATE TABLE credit_guild (
    guild_id     INTEGER PRIMARY KEY,
    allowance    INTEGER NOT NULL CHECK (allowance >= 0),        -- granted at each cycle start
    cycle_kind   TEXT    NOT NULL CHECK (cycle_kind IN ('daily', 'weekly', 'monthly', '30d')),
    cycle_anchor TEXT    NOT NULL,                               -- origin of rolling 30d cycles
    cycle_no     INTEGER NOT NULL CHECK (cycle_no >= 1),         -- +1 at each renewal
    cycle_start  TEXT    NOT NULL,
    cycle_end    TEXT    NOT NULL,
    available    INTEGER NOT NULL CHECK (available >= 0),        -- includes bonus_pool
    held         INTEGER NOT NULL CHECK (held >= 0),
    spent        INTEGER NOT NULL CHECK (spent >= 0),            -- all time
    bonus_pool   INTEGER NOT NULL CHECK (bonus_pool >= 0),       -- members' unheld bonus
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL,
    CHECK (bonus_pool <= available),
    CHECK (cycle_start < cycle_end)
);

CREATE TABLE credit_member (
    guild_id  INTEGER NOT NULL REFERENCES credit_guild (guild_id),
    member_id INTEGER NOT NULL,
    bonus     INTEGER NOT NULL DEFAULT 0 CHECK (bonus >= 0),
    PRIMARY KEY (guild_id, member_id)
) WITHOUT ROWID;

-- One row per limit set explicitly at a scope; no row means "inherit", value NULL means unlimited.
CREATE TABLE credit_limit (
    guild_id   INTEGER NOT NULL REFERENCES credit_guild (guild_id),
    scope      TEXT    NOT NULL CHECK (scope IN ('default', 'role', 'member')),
    target_id  INTEGER NOT NULL,                                 -- role or member id; 0 for default
    name       TEXT    NOT NULL CHECK (name IN ('day', 'cycle', 'in_flight')),
    value      INTEGER CHECK (value IS NULL OR value >= 0),
    updated_by TEXT    NOT NULL,
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (guild_id, scope, target_id, name)
) WITHOUT ROWID;

-- One row per job that ever held credits; job_id is the caller's job key.
CREATE TABLE credit_hold (
    job_id      TEXT    PRIMARY KEY,
    guild_id    INTEGER NOT NULL REFERENCES credit_guild (guild_id),
    member_id   INTEGER NOT NULL,
    model       TEXT,
    amount      INTEGER NOT NULL CHECK (amount > 0),
    from_caps   INTEGER NOT NULL CHECK (from_caps >= 0),         -- part counted against caps
    from_bonus  INTEGER NOT NULL CHECK (from_bonus >= 0),        -- part taken from member bonus
    status      TEXT    NOT NULL CHECK (status IN ('held', 'settled', 'released')),
    charged     INTEGER NOT NULL DEFAULT 0 CHECK (charged >= 0 AND charged <= amount),
    caps_used   INTEGER NOT NULL CHECK (caps_used >= 0 AND caps_used <= from_caps),
    bonus_used  INTEGER NOT NULL CHECK (bonus_used >= 0 AND bonus_used <= from_bonus),
    cycle_no    INTEGER NOT NULL,
    created_at  TEXT    NOT NULL,
    closed_at   TEXT,
    CHECK (from_caps + from_bonus = amount),
    CHECK (status = 'held' OR caps_used + bonus_used = charged)
);
CREATE INDEX credit_hold_member_time ON credit_hold (guild_id, member_id, created_at);
CREATE INDEX credit_hold_member_cycle ON credit_hold (guild_id, member_id, cycle_no);
CREATE INDEX credit_hold_open ON credit_hold (guild_id, member_id) WHERE status = 'held';

-- Append-only. Amounts are positive except adjust, which may go either way:
--   available = grant + adjust + bonus - hold + release;  held = hold - settle - release;  spent = settle
CREATE TABLE credit_ledger (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id   INTEGER NOT NULL REFERENCES credit_guild (guild_id),
    member_id  INTEGER,
    job_id     TEXT,
    kind       TEXT    NOT NULL CHECK (kind IN ('grant', 'hold', 'settle', 'release', 'adjust', 'bonus')),
    amount     INTEGER NOT NULL CHECK (kind = 'adjust' OR amount >= 0),
    model      TEXT,
    cycle_no   INTEGER NOT NULL,
    actor      TEXT    NOT NULL,
    reason     TEXT    NOT NULL DEFAULT '',
    created_at TEXT    NOT NULL
);
CREATE INDEX credit_ledger_guild ON credit_ledger (guild_id, id);
CREATE INDEX credit_ledger_member ON credit_ledger (guild_id, member_id, id);
CREATE INDEX credit_ledger_cycle ON credit_ledger (guild_id, cycle_no, kind);
CREATE INDEX credit_ledger_job ON credit_ledger (job_id) WHERE job_id IS NOT NULL;

CREATE TRIGGER credit_ledger_no_update BEFORE UPDATE ON credit_ledger
BEGIN
    SELECT RAISE(ABORT, 'credit_ledger is append-only');
END;

CREATE TRIGGER credit_ledger_no_delete BEFORE DELETE ON credit_ledger
BEGIN
    SELECT RAISE(ABORT, 'credit_ledger is append-only');
END;

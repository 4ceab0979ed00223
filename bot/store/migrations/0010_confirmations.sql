-- Exact cost before spending (README "Credits and quotas"): above a server's threshold a request
-- waits for the member's Confirm. Nothing is held meanwhile; the request itself (the
-- GenerationRequest's fields as JSON) waits here, keyed by the id its buttons carry, so a Confirm
-- still works after a restart within the minute. Confirming deletes the row first: only the
-- click that deleted it goes on.
CREATE TABLE pending_confirmation (
    id           TEXT PRIMARY KEY CHECK (length(id) = 32),
    guild_id     INTEGER NOT NULL,
    member_id    INTEGER NOT NULL,
    amount       INTEGER NOT NULL CHECK (amount > 0),
    request_json TEXT NOT NULL,
    created_at   TEXT NOT NULL,
    expires_at   TEXT NOT NULL
);
CREATE INDEX pending_confirmation_by_expiry ON pending_confirmation (expires_at);

-- A server's threshold: holds above it ask the member first. No row: off (the default).
CREATE TABLE confirm_threshold (
    guild_id   INTEGER PRIMARY KEY,
    above      INTEGER NOT NULL CHECK (above >= 0),
    set_by     INTEGER NOT NULL,
    updated_at TEXT NOT NULL
);

-- The bot's own switches that must survive a restart: a paused queue, the wallet alert's
-- last crossing. One JSON value per key.
CREATE TABLE bot_state (
    key        TEXT PRIMARY KEY,
    value_json TEXT NOT NULL,
    updated_at TEXT NOT NULL
);

-- A job whose generation failed for a transient cause is submitted once more, with a new
-- Idempotency-Key; the attempts before the current one are kept here, oldest first:
-- [{"generation_id": ..., "error_code": ..., "error_message": ..., "at": ...}].
ALTER TABLE jobs ADD COLUMN retries INTEGER NOT NULL DEFAULT 0;
ALTER TABLE jobs ADD COLUMN earlier_attempts_json TEXT;

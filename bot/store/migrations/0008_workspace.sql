-- A member's workspace: generation preferences (a member's own, and the server's defaults set by
-- its admins), the filters of /mine galleries, and an index for reading a member's gallery.

-- One row per preference set; no row means "not set". member_id 0 is the server's default.
-- name is a model param name (normalized: lower case, '_' for '-') or 'model:<category>'; value is
-- the text as checked when it was set (validated again, per model, when a job uses it).
CREATE TABLE workspace_preference (
    guild_id   INTEGER NOT NULL,
    member_id  INTEGER NOT NULL CHECK (member_id >= 0),
    name       TEXT    NOT NULL CHECK (length(name) BETWEEN 1 AND 100),
    value      TEXT    NOT NULL CHECK (length(value) BETWEEN 1 AND 1000),
    updated_by INTEGER NOT NULL,
    updated_at TEXT    NOT NULL,
    PRIMARY KEY (guild_id, member_id, name)
) WITHOUT ROWID;

-- The filters of a /mine gallery, so its Previous/Next buttons carry a short id instead of text
-- (a prompt filter may hold any character). One row per distinct query of a member: asking again
-- reuses it, so the table grows with what members search, not with how often. '' = no filter.
CREATE TABLE workspace_query (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id   INTEGER NOT NULL,
    member_id  INTEGER NOT NULL,
    model      TEXT    NOT NULL DEFAULT '',
    category   TEXT    NOT NULL DEFAULT '',
    contains   TEXT    NOT NULL DEFAULT '' CHECK (length(contains) <= 100),
    created_at TEXT    NOT NULL,
    UNIQUE (guild_id, member_id, model, category, contains)
);

-- /mine reads a member's posted results newest first. jobs_by_member (0002/0005) has the same key
-- but also holds failed, cancelled and waiting jobs; this partial index holds only what a gallery
-- shows, so a page reads its rows and the filters look at the member's results only.
CREATE INDEX jobs_gallery ON jobs (guild_id, member_id, created_at)
    WHERE status = 'delivered' AND outcome = 'completed' AND deleted_by IS NULL;

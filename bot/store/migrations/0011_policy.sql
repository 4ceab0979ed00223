-- Moderation: what each server allows (/policy), and the operator's server blocks. One row per
-- server in policy_guild holds the modes; the lists are tables of their own. Every table is keyed
-- by guild_id: one server's policy never reaches another's.
CREATE TABLE policy_guild (
    guild_id INTEGER PRIMARY KEY,
    channel_mode TEXT NOT NULL DEFAULT 'anywhere' CHECK (channel_mode IN ('anywhere', 'listed')),
    sensitive_mode TEXT NOT NULL DEFAULT 'off' CHECK (sensitive_mode IN ('off', 'spoiler', 'deny')),
    updated_at TEXT NOT NULL
);

-- Blocklist and sensitive terms a server's admins added (the operator's and the built-in ones
-- are not stored: they come from BLOCKLIST_FILE and the code).
CREATE TABLE policy_term (
    guild_id INTEGER NOT NULL,
    list TEXT NOT NULL CHECK (list IN ('block', 'sensitive')),
    kind TEXT NOT NULL CHECK (kind IN ('word', 'phrase', 'regex')),
    term TEXT NOT NULL CHECK (length(term) BETWEEN 1 AND 200),
    added_by INTEGER NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, list, kind, term)
);

-- Where generation is allowed when a server's channel_mode is 'listed'.
CREATE TABLE policy_channel (
    guild_id INTEGER NOT NULL,
    channel_id INTEGER NOT NULL,
    added_by INTEGER NOT NULL,
    added_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, channel_id)
);

-- Model rules: allow (only where one matches) or deny a model slug or a whole category,
-- optionally in one channel and/or for one role.
CREATE TABLE policy_model_rule (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    guild_id INTEGER NOT NULL,
    effect TEXT NOT NULL CHECK (effect IN ('allow', 'deny')),
    target TEXT NOT NULL CHECK (length(target) BETWEEN 1 AND 100),
    target_kind TEXT NOT NULL CHECK (target_kind IN ('model', 'category')),
    channel_id INTEGER,
    role_id INTEGER,
    added_by INTEGER NOT NULL,
    added_at TEXT NOT NULL
);
CREATE UNIQUE INDEX policy_model_rule_unique
    ON policy_model_rule (guild_id, effect, target, IFNULL(channel_id, 0), IFNULL(role_id, 0));

-- Members a server's admins blocked from the bot; until NULL: until unblocked.
CREATE TABLE policy_member_block (
    guild_id INTEGER NOT NULL,
    member_id INTEGER NOT NULL,
    until TEXT,
    reason TEXT,
    blocked_by INTEGER NOT NULL,
    blocked_at TEXT NOT NULL,
    PRIMARY KEY (guild_id, member_id)
);

-- Servers the operator stopped the bot serving (/operator block-server).
CREATE TABLE policy_blocked_guild (
    guild_id INTEGER PRIMARY KEY,
    reason TEXT,
    blocked_by INTEGER NOT NULL,
    blocked_at TEXT NOT NULL
);

-- A job whose request matched a sensitive term outside an age-restricted channel, in a server
-- whose sensitive mode is 'spoiler': its result is posted as a spoiler.
ALTER TABLE jobs ADD COLUMN spoiler INTEGER NOT NULL DEFAULT 0 CHECK (spoiler IN (0, 1));

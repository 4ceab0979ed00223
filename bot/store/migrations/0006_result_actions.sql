-- Result actions: a job made from another job's result (re-roll, vary, remix, upscale, animate,
-- retry) names its source and the action; a deleted result records who deleted it and when
-- (the ledger is untouched: what was spent stays spent).
ALTER TABLE jobs ADD COLUMN source_job_id TEXT;
ALTER TABLE jobs ADD COLUMN action TEXT;
ALTER TABLE jobs ADD COLUMN deleted_by INTEGER;
ALTER TABLE jobs ADD COLUMN deleted_at TEXT CHECK (deleted_at IS NULL OR deleted_at GLOB
    '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9][0-9]:[0-9][0-9]:[0-9][0-9].[0-9][0-9][0-9][0-9][0-9][0-9]Z');

-- A double click must not make two jobs: the same member's recent jobs from one source and action.
CREATE INDEX jobs_by_source ON jobs (source_job_id, member_id, action, created_at) WHERE source_job_id IS NOT NULL;

"""Moderation: the audit log of a server (kept, and posted in its log channel), members' reports
of results, and CSV exports of jobs, ledger and audit events."""

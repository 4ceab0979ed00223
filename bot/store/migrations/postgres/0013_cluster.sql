-- PostgreSQL twin of ../0013_cluster.sql: the leader's latest GET /models answer, read by the
-- other processes. One row at most (id is always 1).
CREATE TABLE catalog_snapshot (
    id         BIGINT PRIMARY KEY CHECK (id = 1),
    fetched_at TEXT   NOT NULL,
    body_json  TEXT   NOT NULL
);

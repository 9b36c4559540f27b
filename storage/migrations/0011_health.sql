-- Health: one row that /healthz rewrites on every check, to prove the database takes writes.

CREATE TABLE health (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    checked_at  TEXT NOT NULL          -- UTC, ISO 8601: the last successful write check
);

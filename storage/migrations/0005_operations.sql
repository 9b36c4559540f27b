-- Operations: each run of the retention job (erasing personal data after the series).

CREATE TABLE retention_runs (
    id        INTEGER PRIMARY KEY,
    ran_at    TEXT NOT NULL,           -- UTC, ISO 8601
    deadline  TEXT NOT NULL,           -- the last webinar's end plus RETENTION_DAYS
    erased    INTEGER NOT NULL         -- participants erased by this run
);

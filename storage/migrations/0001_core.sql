-- Core data: the series' webinars, participants and their registrations.
-- Times are UTC, stored as ISO 8601 text ending in 'Z'.

CREATE TABLE schema_migrations (
    version    INTEGER PRIMARY KEY,
    applied_at TEXT NOT NULL
);

CREATE TABLE webinars (
    id           TEXT PRIMARY KEY,
    title        TEXT NOT NULL,
    starts_at    TEXT NOT NULL,
    ends_at      TEXT NOT NULL,
    join_url     TEXT NOT NULL,
    position     INTEGER NOT NULL,
    updated_at   TEXT NOT NULL
);

CREATE TABLE participants (
    id               INTEGER PRIMARY KEY,
    telegram_id      INTEGER UNIQUE,          -- NULL once erased with /forget
    language         TEXT NOT NULL CHECK (language IN ('en', 'es')),
    full_name        TEXT,                     -- NULL once erased
    country          TEXT NOT NULL,            -- ISO 3166-1 alpha-2 code, or 'other'
    country_other    TEXT,                     -- free text when country = 'other'
    institution      TEXT NOT NULL,            -- institution type code
    institution_other TEXT,
    position         TEXT,                     -- NULL once erased
    sex              TEXT NOT NULL CHECK (sex IN ('woman', 'man', 'undisclosed')),
    email            TEXT,
    timezone         TEXT NOT NULL,
    consent_at       TEXT NOT NULL,
    consent_version  TEXT NOT NULL,
    registered_at    TEXT NOT NULL,
    updated_at       TEXT NOT NULL,
    erased_at        TEXT
);

CREATE INDEX participants_country ON participants(country);

CREATE TABLE registrations (
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    webinar_id     TEXT NOT NULL REFERENCES webinars(id),
    registered_at  TEXT NOT NULL,
    PRIMARY KEY (participant_id, webinar_id)
) WITHOUT ROWID;

CREATE INDEX registrations_webinar ON registrations(webinar_id);

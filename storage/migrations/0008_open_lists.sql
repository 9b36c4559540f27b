-- foreign_keys: off
-- Lists that grow with the program (languages, conversation flows, outbox kinds, attendance
-- sources) are checked in code, not by CHECK constraints, so that adding a language, a flow or a
-- kind of message needs no table rebuild. The tables are rebuilt once here, with their data.

CREATE TABLE participants_new (
    id               INTEGER PRIMARY KEY,
    telegram_id      INTEGER UNIQUE,          -- NULL once erased with /forget
    language         TEXT NOT NULL,            -- a code of bot.domain.catalogue.LANGUAGES
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
    erased_at        TEXT,
    reminders_enabled INTEGER NOT NULL DEFAULT 1,
    unreachable_at   TEXT,                     -- set on a 403 from Telegram
    unreachable_reason TEXT
);
INSERT INTO participants_new (id, telegram_id, language, full_name, country, country_other,
    institution, institution_other, position, sex, email, timezone, consent_at,
    consent_version, registered_at, updated_at, erased_at, reminders_enabled, unreachable_at,
    unreachable_reason)
SELECT id, telegram_id, language, full_name, country, country_other, institution,
    institution_other, position, sex, email, timezone, consent_at, consent_version,
    registered_at, updated_at, erased_at, reminders_enabled, unreachable_at, unreachable_reason
FROM participants;
DROP TABLE participants;
ALTER TABLE participants_new RENAME TO participants;
CREATE INDEX participants_country ON participants(country);

CREATE TABLE conversations_new (
    telegram_id INTEGER PRIMARY KEY,
    flow        TEXT NOT NULL,                 -- a flow's name, as the flow registry knows it
    step        TEXT NOT NULL,
    data        TEXT NOT NULL DEFAULT '{}',
    updated_at  TEXT NOT NULL
);
INSERT INTO conversations_new SELECT telegram_id, flow, step, data, updated_at FROM conversations;
DROP TABLE conversations;
ALTER TABLE conversations_new RENAME TO conversations;

CREATE TABLE outbox_new (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL,            -- reminder, late_reminder, broadcast, survey, ...
    webinar_id          TEXT REFERENCES webinars(id),
    participant_id      INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    purpose             TEXT NOT NULL,            -- e.g. '3600@2027-01-20T14:00:00Z', 'v2'
    due_at              TEXT NOT NULL,
    status              TEXT NOT NULL DEFAULT 'pending'
                        CHECK (status IN ('pending', 'sending', 'sent', 'failed', 'skipped',
                                          'unreachable', 'cancelled')),
    attempts            INTEGER NOT NULL DEFAULT 0,
    last_error          TEXT,
    telegram_message_id INTEGER,
    sent_at             TEXT,
    created_at          TEXT NOT NULL,
    UNIQUE (kind, webinar_id, participant_id, purpose)
);
INSERT INTO outbox_new SELECT id, kind, webinar_id, participant_id, purpose, due_at, status,
    attempts, last_error, telegram_message_id, sent_at, created_at FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox(status, due_at);
CREATE INDEX outbox_participant ON outbox(participant_id);
CREATE UNIQUE INDEX outbox_broadcast_once ON outbox(purpose, participant_id)
    WHERE kind = 'broadcast';
CREATE INDEX outbox_broadcast_status ON outbox(purpose, status) WHERE kind = 'broadcast';

CREATE TABLE attendance_new (
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    webinar_id     TEXT NOT NULL REFERENCES webinars(id),
    attended       INTEGER NOT NULL CHECK (attended IN (0, 1)),
    source         TEXT NOT NULL,                -- button, import, survey, ...
    minutes        INTEGER,                      -- time connected, from a platform report
    recorded_at    TEXT NOT NULL,
    PRIMARY KEY (participant_id, webinar_id)
) WITHOUT ROWID;
INSERT INTO attendance_new SELECT participant_id, webinar_id, attended, source, minutes,
    recorded_at FROM attendance;
DROP TABLE attendance;
ALTER TABLE attendance_new RENAME TO attendance;
CREATE INDEX attendance_webinar ON attendance(webinar_id);

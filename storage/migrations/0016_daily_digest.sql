-- foreign_keys: off
-- The organizers' daily digest: an outbox row addressed to an organizer's chat about no
-- participant. participant_id becomes optional (the table is rebuilt with its data); a row
-- names a participant, an organizer's chat, or both.

CREATE TABLE outbox_new (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL,            -- reminder, late_reminder, broadcast, survey, ...
    webinar_id          TEXT REFERENCES webinars(id),
    participant_id      INTEGER REFERENCES participants(id) ON DELETE CASCADE,
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
    chat_id             INTEGER,                  -- an organizer's chat, when not the participant's
    CHECK (participant_id IS NOT NULL OR chat_id IS NOT NULL),
    UNIQUE (kind, webinar_id, participant_id, purpose)
);
INSERT INTO outbox_new (id, kind, webinar_id, participant_id, purpose, due_at, status, attempts,
    last_error, telegram_message_id, sent_at, created_at, chat_id)
SELECT id, kind, webinar_id, participant_id, purpose, due_at, status, attempts, last_error,
    telegram_message_id, sent_at, created_at, chat_id
FROM outbox;
DROP TABLE outbox;
ALTER TABLE outbox_new RENAME TO outbox;
CREATE INDEX outbox_pending ON outbox(status, due_at);
CREATE INDEX outbox_participant ON outbox(participant_id);
CREATE UNIQUE INDEX outbox_broadcast_once ON outbox(purpose, participant_id)
    WHERE kind = 'broadcast';
CREATE INDEX outbox_broadcast_status ON outbox(purpose, status) WHERE kind = 'broadcast';
CREATE UNIQUE INDEX outbox_digest_once ON outbox(participant_id, chat_id) WHERE kind = 'digest';

-- One daily digest per organizer's chat and moment: a day is sent once.
CREATE UNIQUE INDEX outbox_daily_digest_once ON outbox(chat_id, due_at)
    WHERE kind = 'daily_digest';

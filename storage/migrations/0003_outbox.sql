-- The delivery engine: one durable outbox for every bulk message (reminders, change notices,
-- later broadcasts and survey invitations), and the reminder slots that fill it.

ALTER TABLE participants ADD COLUMN reminders_enabled INTEGER NOT NULL DEFAULT 1;
ALTER TABLE participants ADD COLUMN unreachable_at TEXT;        -- set on a 403 from Telegram
ALTER TABLE participants ADD COLUMN unreachable_reason TEXT;

-- Bumped whenever a webinar's start or join link changes; change notices are keyed by it.
ALTER TABLE webinars ADD COLUMN version INTEGER NOT NULL DEFAULT 1;

-- One row per webinar, offset and start time: the moment a reminder falls due for every
-- registrant. The sweeper turns a due slot into outbox rows in one INSERT ... SELECT, so
-- nothing proportional to the number of participants is planned ahead or rebuilt at start-up.
CREATE TABLE reminder_slots (
    webinar_id  TEXT NOT NULL REFERENCES webinars(id),
    offset_s    INTEGER NOT NULL,                 -- seconds before the start
    starts_at   TEXT NOT NULL,                    -- the start this slot was planned for
    due_at      TEXT NOT NULL,
    status      TEXT NOT NULL DEFAULT 'planned'
                CHECK (status IN ('planned', 'enqueued', 'skipped', 'cancelled')),
    reason      TEXT,
    updated_at  TEXT NOT NULL,
    PRIMARY KEY (webinar_id, offset_s, starts_at)
) WITHOUT ROWID;

CREATE INDEX reminder_slots_due ON reminder_slots(status, due_at);

CREATE TABLE outbox (
    id                  INTEGER PRIMARY KEY,
    kind                TEXT NOT NULL
                        CHECK (kind IN ('reminder', 'late_reminder', 'change_notice',
                                        'broadcast', 'survey', 'nudge')),
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

CREATE INDEX outbox_pending ON outbox(status, due_at);
CREATE INDEX outbox_participant ON outbox(participant_id);

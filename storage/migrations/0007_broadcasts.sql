-- Broadcasts: an organizer's message to a chosen audience, sent through the outbox (kind
-- 'broadcast', purpose 'b<id>', webinar_id NULL). The draft is written at every step of the
-- /broadcast dialogue, so a restart resumes it; the progress message is edited while it sends.

CREATE TABLE broadcasts (
    id                  INTEGER PRIMARY KEY,
    created_by          INTEGER NOT NULL,          -- the organizer's Telegram id
    chat_id             INTEGER NOT NULL,          -- where the preview and progress go
    lang                TEXT NOT NULL DEFAULT 'en',  -- the organizer's language
    status              TEXT NOT NULL DEFAULT 'draft'
                        CHECK (status IN ('draft', 'discarded', 'queued', 'done', 'cancelled')),
    content_type        TEXT CHECK (content_type IN ('text', 'photo', 'document')),
    body_html           TEXT,                      -- text or caption, Telegram HTML (sanitised)
    body_es_html        TEXT,                      -- optional text for Spanish readers
    file_id             TEXT,                      -- Telegram's file_id of the photo/document
    audience            TEXT NOT NULL DEFAULT '{}',  -- JSON: {"kind": ..., "value": ...}
    due_at              TEXT,                      -- NULL: at once
    recipients          INTEGER,                   -- rows queued at confirmation
    progress_message_id INTEGER,
    progress_text       TEXT,                      -- what the progress message shows now
    created_at          TEXT NOT NULL,
    queued_at           TEXT,
    finished_at         TEXT
);

CREATE INDEX broadcasts_status ON broadcasts(status);

-- webinar_id is NULL for broadcasts, and NULLs never clash in the outbox's unique key: this
-- index is the "once per participant" guarantee for broadcasts, and serves the live counts.
CREATE UNIQUE INDEX outbox_broadcast_once ON outbox(purpose, participant_id)
    WHERE kind = 'broadcast';
CREATE INDEX outbox_broadcast_status ON outbox(purpose, status) WHERE kind = 'broadcast';

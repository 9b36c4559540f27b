-- Conversation state (registration, profile edits, /forget) lives here, so a restart
-- resumes every conversation where it stood. One row per Telegram user.

CREATE TABLE conversations (
    telegram_id INTEGER PRIMARY KEY,
    flow        TEXT NOT NULL CHECK (flow IN ('register', 'profile', 'forget')),
    step        TEXT NOT NULL,
    data        TEXT NOT NULL DEFAULT '{}',   -- JSON object of the answers so far
    updated_at  TEXT NOT NULL
);

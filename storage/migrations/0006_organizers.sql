-- Organizers added in the chat, a record of every organizer action, webinar changes made in
-- the chat (applied over the series file), and conversation flows for the organizer console.

CREATE TABLE organizers (
    telegram_id INTEGER PRIMARY KEY,
    name        TEXT,
    added_by    INTEGER NOT NULL,
    added_at    TEXT NOT NULL
);

CREATE TABLE organizer_actions (
    id          INTEGER PRIMARY KEY,
    telegram_id INTEGER NOT NULL,      -- who
    at          TEXT NOT NULL,         -- when (UTC)
    action      TEXT NOT NULL,         -- what, e.g. 'broadcast.sent', 'webinar.moved'
    detail      TEXT NOT NULL DEFAULT '{}'   -- JSON with the particulars
);

CREATE INDEX organizer_actions_at ON organizer_actions(at);

CREATE TABLE webinar_overrides (
    webinar_id  TEXT PRIMARY KEY REFERENCES webinars(id),
    starts_at   TEXT,                  -- UTC; NULL keeps the series file's
    join_url    TEXT,                  -- NULL keeps the series file's
    changed_by  INTEGER NOT NULL,
    changed_at  TEXT NOT NULL
);

CREATE TABLE conversations_new (
    telegram_id INTEGER PRIMARY KEY,
    flow        TEXT NOT NULL CHECK (flow IN ('register', 'profile', 'forget', 'survey',
                                              'broadcast', 'webinar', 'organizers')),
    step        TEXT NOT NULL,
    data        TEXT NOT NULL DEFAULT '{}',
    updated_at  TEXT NOT NULL
);
INSERT INTO conversations_new SELECT telegram_id, flow, step, data, updated_at FROM conversations;
DROP TABLE conversations;
ALTER TABLE conversations_new RENAME TO conversations;

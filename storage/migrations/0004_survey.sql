-- Attendance and the post-webinar feedback survey.

CREATE TABLE attendance (
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    webinar_id     TEXT NOT NULL REFERENCES webinars(id),
    attended       INTEGER NOT NULL CHECK (attended IN (0, 1)),
    source         TEXT NOT NULL CHECK (source IN ('button', 'import', 'survey')),
    minutes        INTEGER,                      -- time connected, from a platform report
    recorded_at    TEXT NOT NULL,
    PRIMARY KEY (participant_id, webinar_id)
) WITHOUT ROWID;

CREATE INDEX attendance_webinar ON attendance(webinar_id);

-- One response per participant per webinar. participant_id stays after /forget: the
-- participant row then holds no identity, so the answers remain only without identity.
CREATE TABLE responses (
    id             INTEGER PRIMARY KEY,
    webinar_id     TEXT NOT NULL REFERENCES webinars(id),
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    status         TEXT NOT NULL DEFAULT 'invited'
                   CHECK (status IN ('invited', 'open', 'completed', 'absent')),
    current        INTEGER NOT NULL DEFAULT 0,   -- the question being shown
    message_id     INTEGER,                      -- the survey message, edited in place
    started_at     TEXT,
    completed_at   TEXT,
    updated_at     TEXT NOT NULL,
    UNIQUE (webinar_id, participant_id)
);

CREATE TABLE answers (
    response_id  INTEGER NOT NULL REFERENCES responses(id) ON DELETE CASCADE,
    question_key TEXT NOT NULL,
    value        TEXT,                           -- NULL when an optional question was skipped
    answered_at  TEXT NOT NULL,
    PRIMARY KEY (response_id, question_key)
) WITHOUT ROWID;

-- When each webinar's survey invitations were queued (NULL until then).
ALTER TABLE webinars ADD COLUMN survey_queued_at TEXT;

-- Conversations may now also be a survey waiting for a typed answer.
CREATE TABLE conversations_new (
    telegram_id INTEGER PRIMARY KEY,
    flow        TEXT NOT NULL CHECK (flow IN ('register', 'profile', 'forget', 'survey')),
    step        TEXT NOT NULL,
    data        TEXT NOT NULL DEFAULT '{}',
    updated_at  TEXT NOT NULL
);
INSERT INTO conversations_new SELECT telegram_id, flow, step, data, updated_at FROM conversations;
DROP TABLE conversations;
ALTER TABLE conversations_new RENAME TO conversations;

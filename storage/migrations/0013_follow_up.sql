-- Certificates of participation: one row per certificate made for a participant and a webinar
-- (sent through the outbox as kind 'certificate', or again with /certificate). The code is the
-- verification code printed on it; it is derived from the ids with CERTIFICATE_SECRET.

CREATE TABLE certificates (
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    webinar_id     TEXT NOT NULL REFERENCES webinars(id),
    code           TEXT NOT NULL,
    minutes        INTEGER NOT NULL,            -- participation printed on it, in minutes
    issued_at      TEXT NOT NULL,
    PRIMARY KEY (participant_id, webinar_id)
) WITHOUT ROWID;

CREATE INDEX certificates_webinar ON certificates(webinar_id);

-- Materials and a recording added by organizers with /materials, kept over the series file:
-- materials as a JSON list of {"title", "url"} (added after the file's), recording_url replacing
-- the file's.
ALTER TABLE webinar_overrides ADD COLUMN materials TEXT;
ALTER TABLE webinar_overrides ADD COLUMN recording_url TEXT;

-- Questions participants send for the speakers before a webinar (from a day before until the
-- start). topic is the index of one of the webinar's topics (NULL: none picked); anonymous
-- hides the author from organizers (other participants never see questions).
CREATE TABLE speaker_questions (
    id             INTEGER PRIMARY KEY,
    webinar_id     TEXT NOT NULL REFERENCES webinars(id),
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    topic          INTEGER,
    anonymous      INTEGER NOT NULL DEFAULT 0 CHECK (anonymous IN (0, 1)),
    text           TEXT NOT NULL,
    asked_at       TEXT NOT NULL,
    withdrawn_at   TEXT
);

CREATE INDEX speaker_questions_webinar ON speaker_questions(webinar_id, topic);
CREATE INDEX speaker_questions_participant ON speaker_questions(participant_id);

-- Every change to a participant's attendance, with its source and who made it, so the
-- numbers in the donor report can be traced. The attendance table holds the current truth.
CREATE TABLE attendance_history (
    id             INTEGER PRIMARY KEY,
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    webinar_id     TEXT NOT NULL REFERENCES webinars(id),
    attended       INTEGER NOT NULL CHECK (attended IN (0, 1)),
    source         TEXT NOT NULL,                -- import, button, survey, correction
    minutes        INTEGER,
    actor          TEXT NOT NULL,                -- participant, organizer <id>, or the file imported
    recorded_at    TEXT NOT NULL
);
CREATE INDEX attendance_history_of ON attendance_history(participant_id, webinar_id);

INSERT INTO attendance_history(participant_id, webinar_id, attended, source, minutes, actor,
    recorded_at)
    SELECT participant_id, webinar_id, attended, source, minutes, 'before history', recorded_at
    FROM attendance;

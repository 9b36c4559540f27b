-- Registrations that do not hold a seat: awaiting an organizer's approval (series setting
-- `approval = true`), on a webinar's waiting list (webinar setting `capacity`), or declined.
-- A row here is never also in `registrations`: the webinar's seat, its reminders and its
-- figures come from `registrations` alone, so every existing query keeps its meaning.

CREATE TABLE registration_requests (
    participant_id INTEGER NOT NULL REFERENCES participants(id) ON DELETE CASCADE,
    webinar_id     TEXT NOT NULL REFERENCES webinars(id),
    state          TEXT NOT NULL CHECK (state IN ('awaiting_approval', 'waiting_list', 'declined')),
    requested_at   TEXT NOT NULL,
    decided_at     TEXT,
    decided_by     INTEGER,
    PRIMARY KEY (participant_id, webinar_id)
) WITHOUT ROWID;

CREATE INDEX registration_requests_queue ON registration_requests(webinar_id, state, requested_at);

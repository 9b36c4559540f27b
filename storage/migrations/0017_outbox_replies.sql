-- Rows that finish a reply to the participant (the calendar file after registration) are
-- claimed ahead of a fan-out already due; this index finds the pending ones without reading
-- the fan-out's rows.
CREATE INDEX outbox_replies_pending ON outbox(due_at) WHERE status = 'pending' AND kind = 'calendar';

-- The organizers' digest: outbox rows about a participant that go to an organizer's chat.
-- chat_id is NULL for every row addressed to the participant it names; when set, the row
-- goes to that chat instead, and a refusal there never marks the participant unreachable.

ALTER TABLE outbox ADD COLUMN chat_id INTEGER;

-- webinar_id is NULL for digest rows, and NULLs never clash in the outbox's unique key: this
-- index sends each registration to each organizer once.
CREATE UNIQUE INDEX outbox_digest_once ON outbox(participant_id, chat_id) WHERE kind = 'digest';

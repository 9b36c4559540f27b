-- One calendar subscription token per participant: the secret part of their feed's URL.
-- Erasing a participant (/forget, retention) deletes the token, so the URL stops working.

CREATE TABLE calendar_tokens (
    participant_id INTEGER PRIMARY KEY REFERENCES participants(id) ON DELETE CASCADE,
    token          TEXT NOT NULL UNIQUE,     -- URL-safe, 32 random bytes
    created_at     TEXT NOT NULL             -- UTC ISO 8601
);

CREATE TRIGGER calendar_tokens_revoked_on_erase
AFTER UPDATE OF erased_at ON participants
WHEN NEW.erased_at IS NOT NULL
BEGIN
    DELETE FROM calendar_tokens WHERE participant_id = NEW.id;
END;

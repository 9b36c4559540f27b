-- Security: the webhook's recently received update ids, so an update Telegram delivers twice
-- (for instance after a timeout on its side) is handled once, also across a restart.
-- Bounded: only ids close to the newest are kept.

CREATE TABLE received_updates (
    update_id   INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL          -- UTC, ISO 8601
);

-- Wrong registration codes typed, per Telegram user, to limit guessing (kept one hour; erased
-- by /forget with the rest of the person's data).
CREATE TABLE code_attempts (
    telegram_id  INTEGER NOT NULL,
    attempted_at TEXT NOT NULL         -- UTC, ISO 8601
);

CREATE INDEX code_attempts_user ON code_attempts(telegram_id, attempted_at);

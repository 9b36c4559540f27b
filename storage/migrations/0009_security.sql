-- Security: the webhook's recently received update ids, so an update Telegram delivers twice
-- (for instance after a timeout on its side) is handled once, also across a restart.
-- Bounded: only ids close to the newest are kept.

CREATE TABLE received_updates (
    update_id   INTEGER PRIMARY KEY,
    received_at TEXT NOT NULL          -- UTC, ISO 8601
);

"""The outbox: every bulk message as a row, claimed, sent and recorded exactly once per key."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storage.timestamps import from_iso, to_iso

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable
    from datetime import datetime

    import aiosqlite

    from storage.database import Database

FINAL_STATUSES = ("sent", "failed", "skipped", "unreachable", "cancelled")
DIGEST_KIND = "digest"  # a line to an organizer's chat about a new registration
CALENDAR_KIND = "calendar"  # a new participant's calendar file, queued after "registered"
# Claimed before everything else that is due (index outbox_replies_pending, migration 0017).
REPLY_KIND = CALENDAR_KIND

_CLAIM_COLUMNS = """
    o.id, o.kind, o.webinar_id, o.participant_id,
    o.purpose, o.due_at, o.attempts, o.chat_id,
    CASE WHEN o.participant_id IS NULL THEN o.chat_id
         WHEN p.telegram_id IS NULL THEN NULL ELSE COALESCE(o.chat_id, p.telegram_id) END
        AS telegram_id,
    COALESCE(p.language, '') AS language, COALESCE(p.timezone, '') AS timezone,
    COALESCE(p.reminders_enabled, 1) AS reminders_enabled,
    CASE WHEN o.chat_id IS NULL THEN p.unreachable_at END AS unreachable_at,
    EXISTS (SELECT 1 FROM registrations r
            WHERE r.participant_id = o.participant_id AND r.webinar_id = o.webinar_id)
        AS registered,
    w.version AS webinar_version, w.starts_at AS webinar_starts_at
"""


async def enqueue_for_chats(
    conn: aiosqlite.Connection,
    kind: str,
    participant_id: int,
    chat_ids: Iterable[int],
    now: datetime,
) -> None:
    """Within the caller's transaction, add one message about a participant to each chat.

    Each (participant, chat) gets one row of a kind at most: a row already there is kept.
    """
    await conn.executemany(
        "INSERT INTO outbox(kind, webinar_id, participant_id, purpose, due_at, created_at,"
        " chat_id) VALUES (?, NULL, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
        [
            (kind, participant_id, f"chat:{chat}", to_iso(now), to_iso(now), chat)
            for chat in sorted(set(chat_ids))
        ],
    )


@dataclass(frozen=True)
class Delivery:
    """A claimed outbox row with what is needed to send it.

    A row addressed to a chat about no participant (the daily digest) has no `participant_id`
    and the participant's fields (language, timezone) empty.
    """

    id: int
    kind: str
    webinar_id: str | None
    participant_id: int | None
    purpose: str
    due_at: datetime
    attempts: int
    telegram_id: int | None
    language: str
    timezone: str
    reminders_enabled: bool
    unreachable: bool
    registered: bool
    webinar_version: int | None
    webinar_starts_at: str | None
    chat_id: int | None = None  # an organizer's chat, for rows about the participant

    @property
    def participant(self) -> int:
        """The participant the row is about (every kind but the daily digest names one)."""
        if self.participant_id is None:
            raise LookupError(f"outbox row {self.id} ({self.kind}) is about no participant")
        return self.participant_id


def _delivery(row: Any) -> Delivery:
    """Build a Delivery from a claim query row."""
    return Delivery(
        id=row["id"],
        kind=row["kind"],
        webinar_id=row["webinar_id"],
        participant_id=row["participant_id"],
        purpose=row["purpose"],
        due_at=from_iso(row["due_at"]),
        attempts=row["attempts"],
        telegram_id=row["telegram_id"],
        language=row["language"],
        timezone=row["timezone"],
        reminders_enabled=bool(row["reminders_enabled"]),
        unreachable=row["unreachable_at"] is not None,
        registered=bool(row["registered"]),
        webinar_version=row["webinar_version"],
        webinar_starts_at=row["webinar_starts_at"],
        chat_id=row["chat_id"],
    )


class OutboxStore:
    """Enqueue, claim and settle outbox rows."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def enqueue(
        self,
        kind: str,
        webinar_id: str | None,
        participant_id: int,
        purpose: str,
        due_at: datetime,
        now: datetime,
    ) -> bool:
        """Add one message; False when the same (kind, webinar, participant, purpose) exists."""
        count = await self.db.execute(
            "INSERT INTO outbox(kind, webinar_id, participant_id, purpose, due_at, created_at)"
            " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (kind, webinar_id, participant_id, purpose, to_iso(due_at), to_iso(now)),
        )
        return count > 0

    async def requeue_in_flight(self) -> int:
        """Put rows left 'sending' by a crash back in the queue (they may be sent twice)."""
        return await self.db.execute(
            "UPDATE outbox SET status = 'pending' WHERE status = 'sending'"
        )

    async def next_due(self) -> datetime | None:
        """When the earliest pending row falls due, or None."""
        row = await self.db.fetchone(
            "SELECT MIN(due_at) AS due FROM outbox WHERE status = 'pending'"
        )
        return from_iso(row["due"]) if row and row["due"] else None

    async def claim_due(
        self, now: datetime, limit: int, busy_chat: Callable[[int | None], bool]
    ) -> list[Delivery]:
        """Mark up to `limit` due rows 'sending' and return them, one per free chat."""
        if limit <= 0:
            return []
        async with self.db.transaction() as conn:
            rows: list[Any] = []
            # Replies first, through their own index (not a scan of a fan-out's rows).
            for index, kind_filter in (
                ("INDEXED BY outbox_replies_pending", f"o.kind = '{REPLY_KIND}'"),
                ("", "1"),
            ):
                async with conn.execute(
                    f"SELECT {_CLAIM_COLUMNS} FROM outbox o {index}"
                    " LEFT JOIN participants p ON p.id = o.participant_id"
                    " LEFT JOIN webinars w ON w.id = o.webinar_id"
                    f" WHERE o.status = 'pending' AND {kind_filter} AND o.due_at <= ?"
                    " ORDER BY o.due_at, o.id LIMIT ?",
                    (to_iso(now), limit * 4),
                ) as cursor:
                    rows.extend(await cursor.fetchall())
            chosen: list[Delivery] = []
            chats: set[int | None] = set()
            seen: set[int] = set()
            for row in rows:
                if row["id"] in seen:
                    continue  # a reply, read by both queries
                seen.add(row["id"])
                delivery = _delivery(row)
                chat = delivery.telegram_id
                if chat is not None and (chat in chats or busy_chat(chat)):
                    continue  # Telegram allows one message a second per chat
                chats.add(chat)
                chosen.append(delivery)
                if len(chosen) >= limit:
                    break
            if chosen:
                await conn.executemany(
                    "UPDATE outbox SET status = 'sending', attempts = attempts + 1 WHERE id = ?",
                    [(d.id,) for d in chosen],
                )
        return chosen

    async def settle(self, outcomes: Iterable[tuple[int, str, dict[str, Any]]]) -> None:
        """Record many outcomes in one transaction: (row id, status, fields).

        Fields: last_error, telegram_message_id, sent_at, due_at, attempts_delta; and what
        the send taught about others: `unreachable_reason` marks the participant unreachable
        (with `at`), `response_id` records the survey message in the participant's response.
        Either every outcome is written or none is (the caller keeps them and tries again).
        """
        updates, unreachable, surveys = [], [], []
        for row_id, status, fields in outcomes:
            updates.append(
                (
                    status,
                    fields.get("last_error"),
                    fields.get("telegram_message_id"),
                    fields.get("sent_at"),
                    fields.get("due_at"),
                    fields.get("attempts_delta", 0),
                    row_id,
                )
            )
            if fields.get("unreachable_reason"):
                unreachable.append((fields.get("at"), fields["unreachable_reason"][:300], row_id))
            if fields.get("response_id") is not None:
                surveys.append(
                    (
                        fields.get("telegram_message_id"),
                        fields.get("sent_at"),
                        fields["response_id"],
                    )
                )
        if not updates:
            return
        async with self.db.transaction() as conn:
            await conn.executemany(
                "UPDATE outbox SET status = ?, last_error = COALESCE(?, last_error),"
                " telegram_message_id = COALESCE(?, telegram_message_id),"
                " sent_at = COALESCE(?, sent_at), due_at = COALESCE(?, due_at),"
                " attempts = attempts + ? WHERE id = ?",
                updates,
            )
            if unreachable:  # each statement is a trip to the database's thread: skip empty ones
                await conn.executemany(
                    "UPDATE participants SET unreachable_at = ?, unreachable_reason = ?"
                    " WHERE id = (SELECT participant_id FROM outbox"
                    " WHERE id = ? AND chat_id IS NULL) AND unreachable_at IS NULL",
                    unreachable,
                )
            if surveys:
                await conn.executemany(
                    "UPDATE responses SET message_id = COALESCE(?, message_id), updated_at = ?"
                    " WHERE id = ?",
                    surveys,
                )

    async def first_unnudged_invitation(self, webinar_id: str) -> datetime | None:
        """When the earliest sent survey invitation still owed a nudge went out, or None."""
        row = await self.db.fetchone(
            "SELECT MIN(o.sent_at) AS first FROM outbox o"
            " WHERE o.kind = 'survey' AND o.webinar_id = ? AND o.status = 'sent'"
            " AND NOT EXISTS (SELECT 1 FROM outbox n WHERE n.kind = 'nudge'"
            "   AND n.webinar_id = o.webinar_id AND n.participant_id = o.participant_id)"
            " AND NOT EXISTS (SELECT 1 FROM responses s"
            "   WHERE s.webinar_id = o.webinar_id AND s.participant_id = o.participant_id"
            "   AND s.status IN ('completed', 'absent'))",
            (webinar_id,),
        )
        return from_iso(row["first"]) if row and row["first"] else None

    async def counts(self, kind: str | None = None, webinar_id: str | None = None) -> dict:
        """Rows per status, optionally for one kind and webinar."""
        rows = await self.db.fetchall(
            "SELECT status, COUNT(*) AS n FROM outbox"
            " WHERE (? IS NULL OR kind = ?) AND (? IS NULL OR webinar_id = ?) GROUP BY status",
            (kind, kind, webinar_id, webinar_id),
        )
        return {row["status"]: row["n"] for row in rows}

    async def unreachable(self, limit: int = 20) -> tuple[int, list[Any]]:
        """How many participants cannot be reached, and the most recent of them."""
        total = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM participants WHERE unreachable_at IS NOT NULL"
        )
        rows = await self.db.fetchall(
            "SELECT full_name, country, unreachable_at, unreachable_reason FROM participants"
            " WHERE unreachable_at IS NOT NULL ORDER BY unreachable_at DESC LIMIT ?",
            (limit,),
        )
        return int(total["n"]), rows

    async def rows_for(self, participant_id: int) -> list[Any]:
        """Every outbox row of a participant, oldest first (for checks and /mydata)."""
        return await self.db.fetchall(
            "SELECT * FROM outbox WHERE participant_id = ? ORDER BY due_at, id", (participant_id,)
        )

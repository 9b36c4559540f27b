"""The organizers' daily digest in the outbox: one row per organizer's chat and moment.

A row's `due_at` is the digest's moment and its `purpose` the moment of the digest before it
(the start of the period it covers), so every moment's rows agree on what they report.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from storage.sql import placeholders
from storage.timestamps import from_iso, to_iso

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from storage.database import Database

DAILY_DIGEST_KIND: Final = "daily_digest"
# The rows are found through the outbox's unique key, which starts with the kind: a look-up
# reads the digest's few rows, never the pending rows of a broadcast.
_DAILY: Final = f"kind = '{DAILY_DIGEST_KIND}'"


@dataclass(frozen=True)
class DigestMoment:
    """One moment of the daily digest with rows still to send, as the outbox holds it."""

    due_at: datetime
    since: datetime  # the previous digest's moment: the period covered starts after it
    chats: frozenset[int]  # every chat with a row of this moment
    queued: frozenset[int]  # chats whose row waits (pending) or is being sent
    cancelled: frozenset[int]  # chats whose row was cancelled


class DailyDigestStore:
    """Queue, look up and cancel the daily digest's outbox rows."""

    def __init__(self, db: Database) -> None:
        """Read and write through this database."""
        self.db = db

    async def waiting(self) -> list[DigestMoment]:
        """The moments with a row waiting or being sent, earliest first."""
        rows = await self.db.fetchall(
            f"SELECT due_at, purpose, chat_id, status FROM outbox WHERE {_DAILY} AND due_at IN"
            f" (SELECT due_at FROM outbox WHERE {_DAILY} AND status IN ('pending', 'sending'))"
            " ORDER BY due_at, id"
        )
        found: dict[str, list[Any]] = {}
        for row in rows:
            found.setdefault(row["due_at"], []).append(row)
        return [
            DigestMoment(
                due_at=from_iso(due),
                since=from_iso(entries[0]["purpose"]),
                chats=frozenset(r["chat_id"] for r in entries),
                queued=frozenset(
                    r["chat_id"] for r in entries if r["status"] in ("pending", "sending")
                ),
                cancelled=frozenset(r["chat_id"] for r in entries if r["status"] == "cancelled"),
            )
            for due, entries in found.items()
        ]

    async def latest_before(self, moment: datetime) -> datetime | None:
        """The latest digest moment before `moment` that was not cancelled everywhere."""
        row = await self.db.fetchone(
            "SELECT MAX(due_at) AS due FROM outbox"
            f" WHERE {_DAILY} AND due_at < ? AND status != 'cancelled'",
            (to_iso(moment),),
        )
        return from_iso(row["due"]) if row and row["due"] else None

    async def queue(
        self, chats: Iterable[int], due_at: datetime, since: datetime, now: datetime
    ) -> int:
        """Queue the digest of `due_at` for these chats; a cancelled row of theirs waits again.

        Returns how many rows were added or put back; a chat's row that waits, was sent or
        was tried is left as it is (a moment is sent to a chat once).
        """
        async with self.db.transaction() as conn:
            cursor = await conn.executemany(
                "INSERT INTO outbox(kind, webinar_id, participant_id, purpose, due_at, created_at,"
                " chat_id) VALUES (?, NULL, NULL, ?, ?, ?, ?)"
                " ON CONFLICT (chat_id, due_at) WHERE kind = 'daily_digest' DO UPDATE"
                " SET status = 'pending', last_error = NULL, purpose = excluded.purpose"
                " WHERE status = 'cancelled'",
                [
                    (DAILY_DIGEST_KIND, to_iso(since), to_iso(due_at), to_iso(now), chat)
                    for chat in sorted(set(chats))
                ],
            )
            return max(cursor.rowcount, 0)

    async def cancel(
        self, reason: str, chats: Iterable[int] | None = None, due_at: datetime | None = None
    ) -> int:
        """Cancel the waiting rows (of these chats, of this moment, when given); how many."""
        chosen = None if chats is None else sorted(set(chats))
        if chosen == []:
            return 0
        where = "" if chosen is None else f" AND chat_id IN ({placeholders(chosen)})"
        moment = None if due_at is None else to_iso(due_at)
        return await self.db.execute(
            "UPDATE outbox SET status = 'cancelled', last_error = ?"
            f" WHERE {_DAILY} AND status = 'pending' AND (? IS NULL OR due_at = ?){where}",
            (reason, moment, moment, *(chosen or ())),
        )

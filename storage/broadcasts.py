"""Broadcasts: drafts written at every step, the audience as SQL, queueing and cancelling."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from storage.timestamps import from_iso, to_iso

if TYPE_CHECKING:
    from storage.database import Database

# Audience kinds; those in WEBINAR_AUDIENCES take a webinar id as their value.
AUDIENCES = ("all", "registrants", "country", "institution", "attendees", "absentees", "no_survey")
WEBINAR_AUDIENCES = ("registrants", "attendees", "absentees", "no_survey")
ACTIVE = "queued"

_REGISTERED = (
    "EXISTS (SELECT 1 FROM registrations r WHERE r.participant_id = p.id AND r.webinar_id = :value)"
)
_FILTERS = {
    "all": "1",
    "registrants": _REGISTERED,
    "country": "p.country = :value",
    "institution": "p.institution = :value",
    "attendees": (
        "EXISTS (SELECT 1 FROM attendance a WHERE a.participant_id = p.id"
        " AND a.webinar_id = :value AND a.attended = 1)"
    ),
    # Registered, and not recorded as attending (recorded absent, or nothing recorded).
    "absentees": (
        f"{_REGISTERED} AND NOT EXISTS (SELECT 1 FROM attendance a"
        " WHERE a.participant_id = p.id AND a.webinar_id = :value"
        " AND a.attended = 1)"
    ),
    # Registered, and no completed survey response for the webinar.
    "no_survey": (
        f"{_REGISTERED} AND NOT EXISTS (SELECT 1 FROM responses s"
        " WHERE s.participant_id = p.id AND s.webinar_id = :value"
        " AND s.status = 'completed')"
    ),
}
_REACHABLE = "p.telegram_id IS NOT NULL AND p.unreachable_at IS NULL"


@dataclass(frozen=True)
class Broadcast:
    """A broadcast as stored."""

    id: int
    created_by: int
    chat_id: int
    lang: str
    status: str
    content_type: str | None
    body_html: str | None
    body_es_html: str | None
    file_id: str | None
    audience: dict[str, str]
    due_at: datetime | None
    recipients: int | None
    progress_message_id: int | None
    progress_text: str | None
    created_at: datetime
    queued_at: datetime | None
    finished_at: datetime | None

    @property
    def purpose(self) -> str:
        """The outbox purpose of this broadcast's rows."""
        return purpose_of(self.id)


def purpose_of(broadcast_id: int) -> str:
    """'b<id>', the outbox purpose of a broadcast's rows."""
    return f"b{broadcast_id}"


def broadcast_id_of(purpose: str) -> int | None:
    """The broadcast id in an outbox purpose such as 'b12', or None."""
    return int(purpose[1:]) if purpose[:1] == "b" and purpose[1:].isdigit() else None


def audience_sql(audience: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The WHERE clause (over participants p) and parameters choosing an audience."""
    kind = audience.get("kind", "")
    if kind not in _FILTERS:
        raise ValueError(f"unknown audience {kind!r}")
    return f"{_REACHABLE} AND {_FILTERS[kind]}", {"value": str(audience.get("value", ""))}


def _optional_time(text: str | None) -> datetime | None:
    """Parse a stored time that may be NULL."""
    return from_iso(text) if text else None


def _broadcast(row: Any) -> Broadcast:
    """Build a Broadcast from a row."""
    try:
        audience = json.loads(row["audience"] or "{}")
    except ValueError:
        audience = {}
    return Broadcast(
        id=row["id"],
        created_by=row["created_by"],
        chat_id=row["chat_id"],
        lang=row["lang"],
        status=row["status"],
        content_type=row["content_type"],
        body_html=row["body_html"],
        body_es_html=row["body_es_html"],
        file_id=row["file_id"],
        audience=audience if isinstance(audience, dict) else {},
        due_at=_optional_time(row["due_at"]),
        recipients=row["recipients"],
        progress_message_id=row["progress_message_id"],
        progress_text=row["progress_text"],
        created_at=from_iso(row["created_at"]),
        queued_at=_optional_time(row["queued_at"]),
        finished_at=_optional_time(row["finished_at"]),
    )


class BroadcastStore:
    """Reads and writes broadcasts and their outbox rows."""

    _FIELDS = frozenset(
        {
            "content_type",
            "body_html",
            "body_es_html",
            "file_id",
            "audience",
            "due_at",
            "progress_message_id",
            "progress_text",
        }
    )

    def __init__(self, db: Database) -> None:
        self.db = db

    async def create(self, created_by: int, chat_id: int, lang: str, now: datetime) -> int:
        """Start a draft; return its id."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO broadcasts(created_by, chat_id, lang, created_at) VALUES (?, ?, ?, ?)",
                (created_by, chat_id, lang, to_iso(now)),
            )
            return int(cursor.lastrowid or 0)

    async def get(self, broadcast_id: int) -> Broadcast | None:
        """A broadcast by id."""
        row = await self.db.fetchone("SELECT * FROM broadcasts WHERE id = ?", (broadcast_id,))
        return None if row is None else _broadcast(row)

    async def update(self, broadcast_id: int, **fields: Any) -> None:
        """Change some fields of a broadcast (audience as a dict, times as datetimes)."""
        unknown = set(fields) - self._FIELDS
        if unknown:
            raise ValueError(f"not broadcast fields: {sorted(unknown)}")
        values = []
        for name, value in fields.items():
            if name == "audience":
                value = json.dumps(value, ensure_ascii=False)
            elif isinstance(value, datetime):
                value = to_iso(value)
            values.append(value)
        assignments = ", ".join(f"{name} = ?" for name in fields)
        await self.db.execute(
            f"UPDATE broadcasts SET {assignments} WHERE id = ?", (*values, broadcast_id)
        )

    async def discard(self, broadcast_id: int) -> bool:
        """Drop a draft (Cancel before confirming); False when it is no longer a draft."""
        return (
            await self.db.execute(
                "UPDATE broadcasts SET status = 'discarded' WHERE id = ? AND status = 'draft'",
                (broadcast_id,),
            )
            > 0
        )

    async def count_recipients(self, audience: dict[str, str]) -> int:
        """How many participants the audience holds now."""
        where, params = audience_sql(audience)
        row = await self.db.fetchone(
            f"SELECT COUNT(*) AS n FROM participants p WHERE {where}", params
        )
        return int(row["n"])

    async def queue(self, broadcast_id: int, now: datetime) -> int | None:
        """Confirm a draft: one outbox row per recipient in one INSERT ... SELECT.

        The rows fall due at the broadcast's set time, or now when it has none.

        Returns the number queued, or None when the broadcast was no longer a draft (a double
        tap on Confirm queues nothing twice).
        """
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE broadcasts SET status = 'queued', queued_at = ?,"
                " due_at = COALESCE(due_at, ?) WHERE id = ? AND status = 'draft'",
                (to_iso(now), to_iso(now), broadcast_id),
            )
            if cursor.rowcount == 0:
                return None
            async with conn.execute(
                "SELECT audience, due_at FROM broadcasts WHERE id = ?", (broadcast_id,)
            ) as found:
                row = await found.fetchone()
            if row is None:
                return None
            where, params = audience_sql(json.loads(row["audience"] or "{}"))
            cursor = await conn.execute(
                "INSERT INTO outbox(kind, webinar_id, participant_id, purpose, due_at,"
                " created_at) SELECT 'broadcast', NULL, p.id, :purpose, :due, :now"
                f" FROM participants p WHERE {where} ON CONFLICT DO NOTHING",
                {
                    **params,
                    "purpose": purpose_of(broadcast_id),
                    "due": row["due_at"],
                    "now": to_iso(now),
                },
            )
            queued = cursor.rowcount
            await conn.execute(
                "UPDATE broadcasts SET recipients = ? WHERE id = ?", (queued, broadcast_id)
            )
        return queued

    async def cancel(self, broadcast_id: int, now: datetime) -> int | None:
        """Cancel a queued broadcast: its pending rows are not sent; None when not queued."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE broadcasts SET status = 'cancelled' WHERE id = ? AND status = ?",
                (broadcast_id, ACTIVE),
            )
            if cursor.rowcount == 0:
                return None
            cursor = await conn.execute(
                "UPDATE outbox SET status = 'cancelled',"
                " last_error = 'the broadcast was cancelled'"
                " WHERE kind = 'broadcast' AND purpose = ? AND status = 'pending'",
                (purpose_of(broadcast_id),),
            )
        return cursor.rowcount

    async def finish(self, broadcast_id: int, now: datetime) -> None:
        """Mark a queued broadcast done (a cancelled one keeps its status)."""
        await self.db.execute(
            "UPDATE broadcasts SET finished_at = ?,"
            " status = CASE WHEN status = 'queued' THEN 'done' ELSE status END WHERE id = ?",
            (to_iso(now), broadcast_id),
        )

    async def counts(self, broadcast_id: int) -> dict[str, int]:
        """The broadcast's outbox rows per status."""
        rows = await self.db.fetchall(
            "SELECT status, COUNT(*) AS n FROM outbox WHERE kind = 'broadcast' AND purpose = ?"
            " GROUP BY status",
            (purpose_of(broadcast_id),),
        )
        return {row["status"]: row["n"] for row in rows}

    async def unfinished(self) -> list[Broadcast]:
        """Confirmed broadcasts whose progress message is not yet a final report."""
        rows = await self.db.fetchall(
            "SELECT * FROM broadcasts WHERE status IN ('queued', 'cancelled')"
            " AND finished_at IS NULL ORDER BY id"
        )
        return [_broadcast(row) for row in rows]

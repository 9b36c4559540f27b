"""Read-only queries behind the organizers' /delivery report."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from storage.database import Database


class DeliveryReportStore:
    """What the outbox holds, counted by message and outcome, and its failures."""

    def __init__(self, db: Database) -> None:
        """Read through this database."""
        self.db = db

    async def counts(self) -> list[Any]:
        """Rows per kind, webinar, purpose and status; a broadcast's row carries its time."""
        return await self.db.fetchall(
            "SELECT o.kind, COALESCE(o.webinar_id, '') AS webinar_id, o.purpose, o.status,"
            " COUNT(*) AS n, COALESCE(b.due_at, b.queued_at, b.created_at) AS broadcast_at"
            " FROM outbox o LEFT JOIN broadcasts b"
            "   ON o.kind = 'broadcast' AND o.purpose = 'b' || b.id"
            " GROUP BY o.kind, o.webinar_id, o.purpose, o.status"
            " ORDER BY MIN(o.due_at), o.kind, o.purpose, o.status"
        )

    async def failures(self, limit: int = 10) -> list[Any]:
        """Failed rows grouped by message and Telegram's reason, most frequent first."""
        return await self.db.fetchall(
            "SELECT o.kind, COALESCE(o.webinar_id, '') AS webinar_id, o.purpose,"
            " COALESCE(o.last_error, '') AS reason, COUNT(*) AS n,"
            " COALESCE(b.due_at, b.queued_at, b.created_at) AS broadcast_at"
            " FROM outbox o LEFT JOIN broadcasts b"
            "   ON o.kind = 'broadcast' AND o.purpose = 'b' || b.id"
            " WHERE o.status = 'failed'"
            " GROUP BY o.kind, o.webinar_id, o.purpose, o.last_error"
            " ORDER BY n DESC, MIN(o.due_at) LIMIT ?",
            (limit,),
        )

"""Materials messages: queued for a webinar's registrants and attendees, and what each has had."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.timestamps import to_iso

if TYPE_CHECKING:
    from datetime import datetime

    from storage.database import Database


class MaterialStore:
    """Queues 'materials' outbox rows and reads which ones a participant was sent."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def queue(self, webinar_id: str, purpose: str, now: datetime) -> int:
        """Queue the webinar's current materials for everyone who registered or attended.

        Rows still pending for an older set of materials are cancelled: the new row carries
        everything, and only what a participant has not had yet is sent.
        """
        async with self.db.transaction() as conn:
            await conn.execute(
                "UPDATE outbox SET status = 'cancelled', last_error = 'superseded by later"
                " materials' WHERE kind = 'materials' AND webinar_id = ? AND status = 'pending'"
                " AND purpose != ?",
                (webinar_id, purpose),
            )
            cursor = await conn.execute(
                "INSERT INTO outbox(kind, webinar_id, participant_id, purpose, due_at, created_at)"
                " SELECT 'materials', :webinar, p.id, :purpose, :now, :now FROM participants p"
                " WHERE p.telegram_id IS NOT NULL AND p.erased_at IS NULL AND ("
                "   EXISTS (SELECT 1 FROM registrations r"
                "           WHERE r.participant_id = p.id AND r.webinar_id = :webinar)"
                "   OR EXISTS (SELECT 1 FROM attendance a WHERE a.participant_id = p.id"
                "              AND a.webinar_id = :webinar AND a.attended = 1))"
                " ON CONFLICT DO NOTHING",
                {"webinar": webinar_id, "purpose": purpose, "now": to_iso(now)},
            )
            return cursor.rowcount

    async def purposes_sent(self, participant_id: int, webinar_id: str, row_id: int) -> list[str]:
        """The purposes of the materials rows already sent (or being sent) to a participant."""
        rows = await self.db.fetchall(
            "SELECT purpose FROM outbox WHERE kind = 'materials' AND participant_id = ?"
            " AND webinar_id = ? AND id != ? AND status IN ('sent', 'sending')",
            (participant_id, webinar_id, row_id),
        )
        return [row["purpose"] for row in rows]

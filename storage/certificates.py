"""Certificates of participation: who completed a survey, queuing certificates in the outbox,
and the record of those made (who attended is read from storage.attendance)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.timestamps import to_iso

if TYPE_CHECKING:
    from collections.abc import Iterable
    from datetime import datetime

    from storage.database import Database


class CertificateStore:
    """Reads survey completion, queues certificates and records those made."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def completed_survey(self, webinar_id: str) -> set[int]:
        """The participants who completed the webinar's feedback survey."""
        rows = await self.db.fetchall(
            "SELECT participant_id FROM responses WHERE webinar_id = ? AND status = 'completed'",
            (webinar_id,),
        )
        return {row[0] for row in rows}

    async def queue(self, webinar_id: str, participant_ids: Iterable[int], now: datetime) -> int:
        """Put a certificate in the outbox for each participant who has none queued."""
        rows = await self.db.fetchall(
            "SELECT participant_id FROM outbox WHERE kind = 'certificate' AND webinar_id = ?",
            (webinar_id,),
        )
        already = {row[0] for row in rows}
        fresh = [pid for pid in participant_ids if pid not in already]
        if not fresh:
            return 0
        queued = 0
        async with self.db.transaction() as conn:
            for participant_id in fresh:
                cursor = await conn.execute(
                    "INSERT INTO outbox(kind, webinar_id, participant_id, purpose, due_at,"
                    " created_at) SELECT 'certificate', ?, p.id, 'pdf', ?, ? FROM participants p"
                    " WHERE p.id = ? AND p.telegram_id IS NOT NULL ON CONFLICT DO NOTHING",
                    (webinar_id, to_iso(now), to_iso(now), participant_id),
                )
                queued += max(cursor.rowcount, 0)
        return queued

    async def record(
        self, participant_id: int, webinar_id: str, code: str, minutes: int, now: datetime
    ) -> None:
        """Remember that a certificate was made (the first time counts)."""
        await self.db.execute(
            "INSERT INTO certificates(participant_id, webinar_id, code, minutes, issued_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
            (participant_id, webinar_id, code, minutes, to_iso(now)),
        )

    async def issued(self) -> dict[str, int]:
        """Certificates made per webinar."""
        rows = await self.db.fetchall(
            "SELECT webinar_id, COUNT(*) AS n FROM certificates GROUP BY webinar_id"
        )
        return {row["webinar_id"]: row["n"] for row in rows}

    async def holder_name(self, participant_id: int) -> tuple[bool, str | None]:
        """Whether the participant exists, and their name (None once erased)."""
        row = await self.db.fetchone(
            "SELECT full_name, erased_at FROM participants WHERE id = ?", (participant_id,)
        )
        if row is None:
            return False, None
        return True, None if row["erased_at"] is not None else row["full_name"]

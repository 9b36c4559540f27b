"""Certificates of participation: who is eligible (the one place the rule is written in SQL),
queuing them in the outbox, and the record of those made."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storage.timestamps import to_iso

if TYPE_CHECKING:
    from datetime import datetime

    from storage.database import Database

# Eligible: not erased, recorded as attending (for at least :min_minutes when a minimum is set,
# which needs minutes from an attendance report) and, when :needs_survey, survey completed.
_ELIGIBLE = """
    FROM attendance a JOIN participants p ON p.id = a.participant_id
    WHERE a.webinar_id = :webinar AND a.attended = 1
      AND p.erased_at IS NULL AND p.full_name IS NOT NULL
      AND (:min_minutes = 0 OR a.minutes >= :min_minutes)
      AND (:needs_survey = 0 OR EXISTS (
          SELECT 1 FROM responses r WHERE r.webinar_id = a.webinar_id
             AND r.participant_id = a.participant_id AND r.status = 'completed'))
      AND (:participant IS NULL OR p.id = :participant)
"""


@dataclass(frozen=True)
class Holder:
    """A participant eligible for a webinar's certificate, with what is printed on it."""

    participant_id: int
    telegram_id: int | None
    full_name: str
    language: str
    timezone: str
    minutes: int | None  # from an attendance report; None when said with a button or survey


def _params(
    webinar_id: str, min_minutes: int, needs_survey: bool, participant_id: int | None = None
) -> dict[str, Any]:
    """The named parameters of the eligibility rule."""
    return {
        "webinar": webinar_id,
        "min_minutes": min_minutes,
        "needs_survey": int(needs_survey),
        "participant": participant_id,
    }


class CertificateStore:
    """Reads eligibility, queues certificates and records those made."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def eligible(
        self,
        webinar_id: str,
        min_minutes: int,
        needs_survey: bool,
        participant_id: int | None = None,
    ) -> list[Holder]:
        """Everyone (or one participant) eligible for this webinar's certificate, by id."""
        rows = await self.db.fetchall(
            "SELECT p.id, p.telegram_id, p.full_name, p.language, p.timezone, a.minutes"
            f" {_ELIGIBLE} ORDER BY p.id",
            _params(webinar_id, min_minutes, needs_survey, participant_id),
        )
        return [
            Holder(
                r["id"],
                r["telegram_id"],
                r["full_name"],
                r["language"],
                r["timezone"],
                r["minutes"],
            )
            for r in rows
        ]

    async def queue(
        self, webinar_id: str, min_minutes: int, needs_survey: bool, now: datetime
    ) -> int:
        """Put a certificate in the outbox for each eligible participant who has none queued."""
        params = _params(webinar_id, min_minutes, needs_survey)
        params["now"] = to_iso(now)
        return await self.db.execute(
            "INSERT INTO outbox(kind, webinar_id, participant_id, purpose, due_at, created_at)"
            f" SELECT 'certificate', a.webinar_id, p.id, 'pdf', :now, :now {_ELIGIBLE}"
            " AND p.telegram_id IS NOT NULL ON CONFLICT DO NOTHING",
            params,
        )

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

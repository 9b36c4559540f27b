"""Survey responses and answers: saved as they are given, one response per person."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from storage.timestamps import to_iso

if TYPE_CHECKING:
    import sqlite3
    from datetime import datetime, timedelta

    from storage.database import Database


@dataclass(frozen=True)
class Response:
    """A participant's survey response for one webinar."""

    id: int
    webinar_id: str
    participant_id: int
    status: str
    current: int
    message_id: int | None


def _response(row: sqlite3.Row) -> Response:
    """Build a Response from a row."""
    return Response(
        row["id"],
        row["webinar_id"],
        row["participant_id"],
        row["status"],
        row["current"],
        row["message_id"],
    )


class SurveyStore:
    """Reads and writes survey responses and answers."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def ensure_response(
        self, webinar_id: str, participant_id: int, now: datetime
    ) -> Response:
        """The participant's response for the webinar, created when missing (never twice)."""
        await self.db.execute(
            "INSERT INTO responses(webinar_id, participant_id, updated_at) VALUES (?, ?, ?)"
            " ON CONFLICT(webinar_id, participant_id) DO NOTHING",
            (webinar_id, participant_id, to_iso(now)),
        )
        row = await self.db.fetchone(
            "SELECT * FROM responses WHERE webinar_id = ? AND participant_id = ?",
            (webinar_id, participant_id),
        )
        return _response(row)

    async def get(self, response_id: int) -> Response | None:
        """A response by id."""
        row = await self.db.fetchone("SELECT * FROM responses WHERE id = ?", (response_id,))
        return None if row is None else _response(row)

    async def for_participant(self, participant_id: int) -> list[Response]:
        """Every response of a participant."""
        rows = await self.db.fetchall(
            "SELECT * FROM responses WHERE participant_id = ? ORDER BY id", (participant_id,)
        )
        return [_response(row) for row in rows]

    async def update(
        self,
        response_id: int,
        now: datetime,
        *,
        status: str | None = None,
        current: int | None = None,
        message_id: int | None = None,
    ) -> None:
        """Change a response's status, current question or survey message."""
        await self.db.execute(
            "UPDATE responses SET status = COALESCE(?, status), current = COALESCE(?, current),"
            " message_id = COALESCE(?, message_id), updated_at = ?,"
            " started_at = CASE WHEN ? = 'open' THEN COALESCE(started_at, ?) ELSE started_at END,"
            " completed_at = CASE WHEN ? = 'completed' THEN ? ELSE completed_at END"
            " WHERE id = ?",
            (
                status,
                current,
                message_id,
                to_iso(now),
                status,
                to_iso(now),
                status,
                to_iso(now),
                response_id,
            ),
        )

    async def save_answer(
        self, response_id: int, question_key: str, value: str | None, now: datetime
    ) -> None:
        """Store (or replace) one answer; None records a skipped optional question."""
        await self.db.execute(
            "INSERT INTO answers(response_id, question_key, value, answered_at)"
            " VALUES (?, ?, ?, ?) ON CONFLICT(response_id, question_key)"
            " DO UPDATE SET value = excluded.value, answered_at = excluded.answered_at",
            (response_id, question_key, value, to_iso(now)),
        )

    async def answers(self, response_id: int) -> dict[str, str | None]:
        """A response's answers by question key."""
        rows = await self.db.fetchall(
            "SELECT question_key, value FROM answers WHERE response_id = ?", (response_id,)
        )
        return {row["question_key"]: row["value"] for row in rows}

    async def queue_invitations(self, webinar_id: str, now: datetime) -> int:
        """Queue a survey invitation for every registrant of the webinar (once)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO outbox(kind, webinar_id, participant_id, purpose, due_at, created_at)"
                " SELECT 'survey', r.webinar_id, p.id, 'invite', ?, ? FROM registrations r"
                " JOIN participants p ON p.id = r.participant_id"
                " WHERE r.webinar_id = ? AND p.telegram_id IS NOT NULL"
                " AND p.unreachable_at IS NULL ON CONFLICT DO NOTHING",
                (to_iso(now), to_iso(now), webinar_id),
            )
            await conn.execute(
                "UPDATE webinars SET survey_queued_at = ? WHERE id = ?", (to_iso(now), webinar_id)
            )
        return cursor.rowcount

    async def surveys_queued(self) -> dict[str, str | None]:
        """When each webinar's survey invitations were queued (None when not yet)."""
        rows = await self.db.fetchall("SELECT id, survey_queued_at FROM webinars")
        return {row["id"]: row["survey_queued_at"] for row in rows}

    async def queue_nudges(self, webinar_id: str, nudge_after: timedelta, now: datetime) -> int:
        """One nudge to each invitee who has not finished, nudge_after their invitation."""
        return await self.db.execute(
            "INSERT INTO outbox(kind, webinar_id, participant_id, purpose, due_at, created_at)"
            " SELECT 'nudge', o.webinar_id, o.participant_id, 'nudge', ?, ? FROM outbox o"
            " WHERE o.kind = 'survey' AND o.webinar_id = ? AND o.status = 'sent'"
            " AND o.sent_at <= ? AND NOT EXISTS (SELECT 1 FROM responses s"
            "   WHERE s.webinar_id = o.webinar_id AND s.participant_id = o.participant_id"
            "   AND s.status IN ('completed', 'absent'))"
            " ON CONFLICT DO NOTHING",
            (to_iso(now), to_iso(now), webinar_id, to_iso(now - nudge_after)),
        )

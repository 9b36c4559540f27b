"""Questions for the speakers: asked, withdrawn by their author, read by organizers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storage.timestamps import to_iso

if TYPE_CHECKING:
    from datetime import datetime

    from storage.database import Database


@dataclass(frozen=True)
class AskedQuestion:
    """A question as organizers see it (author None when anonymous or erased)."""

    id: int
    webinar_id: str
    topic: int | None
    text: str
    author: str | None
    asked_at: str


class SpeakerQuestionStore:
    """Reads and writes speaker_questions."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def add(
        self,
        webinar_id: str,
        participant_id: int,
        topic: int | None,
        anonymous: bool,
        text: str,
        now: datetime,
    ) -> int:
        """Store a question; return its id."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO speaker_questions(webinar_id, participant_id, topic, anonymous,"
                " text, asked_at) VALUES (?, ?, ?, ?, ?, ?)",
                (webinar_id, participant_id, topic, int(anonymous), text, to_iso(now)),
            )
            return int(cursor.lastrowid or 0)

    async def withdraw(self, question_id: int, participant_id: int, now: datetime) -> str | None:
        """Withdraw one's own question; return its webinar, or None when it is not theirs."""
        row = await self.db.fetchone(
            "SELECT webinar_id FROM speaker_questions WHERE id = ? AND participant_id = ?"
            " AND withdrawn_at IS NULL",
            (question_id, participant_id),
        )
        if row is None:
            return None
        await self.db.execute(
            "UPDATE speaker_questions SET withdrawn_at = ? WHERE id = ?", (to_iso(now), question_id)
        )
        return str(row["webinar_id"])

    async def mine(self, participant_id: int, webinar_id: str) -> list[Any]:
        """A participant's questions for a webinar, not withdrawn, oldest first."""
        return await self.db.fetchall(
            "SELECT id, topic, text FROM speaker_questions WHERE participant_id = ?"
            " AND webinar_id = ? AND withdrawn_at IS NULL ORDER BY id",
            (participant_id, webinar_id),
        )

    async def for_webinar(self, webinar_id: str) -> list[AskedQuestion]:
        """A webinar's questions, not withdrawn, by topic (none last) then in order asked."""
        rows = await self.db.fetchall(
            "SELECT q.id, q.webinar_id, q.topic, q.text, q.asked_at,"
            " CASE WHEN q.anonymous = 1 OR p.erased_at IS NOT NULL THEN NULL"
            " ELSE p.full_name END AS author"
            " FROM speaker_questions q JOIN participants p ON p.id = q.participant_id"
            " WHERE q.webinar_id = ? AND q.withdrawn_at IS NULL"
            " ORDER BY q.topic IS NULL, q.topic, q.id",
            (webinar_id,),
        )
        return [
            AskedQuestion(
                r["id"], r["webinar_id"], r["topic"], r["text"], r["author"], r["asked_at"]
            )
            for r in rows
        ]

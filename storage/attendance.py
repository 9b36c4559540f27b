"""Attendance: the current truth per participant and webinar, and the history of every change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storage.timestamps import to_iso

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

    import aiosqlite

    from storage.database import Database


@dataclass(frozen=True)
class AttendanceRecord:
    """Whether a participant attended a webinar, from which source, and for how long."""

    attended: bool
    source: str
    minutes: int | None


@dataclass(frozen=True)
class Change:
    """One attendance to record: who, whether they attended, and their minutes."""

    participant_id: int
    attended: bool
    minutes: int | None


@dataclass(frozen=True)
class RegistrantRow:
    """A registrant of a webinar, as an attendance report may name them."""

    id: int
    full_name: str
    email: str | None


class AttendanceStore:
    """Reads and writes attendance; every change is written to the history in the same step."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, participant_id: int, webinar_id: str) -> AttendanceRecord | None:
        """The attendance on record, or None when nobody said."""
        row = await self.db.fetchone(
            "SELECT attended, source, minutes FROM attendance"
            " WHERE participant_id = ? AND webinar_id = ?",
            (participant_id, webinar_id),
        )
        return None if row is None else AttendanceRecord(bool(row[0]), row[1], row[2])

    async def record(
        self,
        webinar_id: str,
        changes: Iterable[Change],
        source: str,
        actor: str,
        now: datetime,
        replaces: Sequence[str],
    ) -> tuple[int, int]:
        """Record attendances in one transaction; (changed, kept) counts.

        A record whose source is not in `replaces` is kept; a record already saying the same
        is left alone (so importing a file twice changes nothing).
        """
        changed = kept = 0
        async with self.db.transaction() as conn:
            for change in changes:
                outcome = await self._record_one(
                    conn, webinar_id, change, source, actor, now, replaces
                )
                changed += outcome == "changed"
                kept += outcome == "kept"
        return changed, kept

    @staticmethod
    async def _record_one(
        conn: aiosqlite.Connection,
        webinar_id: str,
        change: Change,
        source: str,
        actor: str,
        now: datetime,
        replaces: Sequence[str],
    ) -> str:
        """Record one attendance inside a transaction: 'changed', 'same' or 'kept'."""
        cursor = await conn.execute(
            "SELECT attended, source, minutes FROM attendance"
            " WHERE participant_id = ? AND webinar_id = ?",
            (change.participant_id, webinar_id),
        )
        current: Any = await cursor.fetchone()
        minutes = change.minutes
        if current is not None:
            if current[1] not in replaces:
                return "kept"
            if minutes is None and current[1] == source:
                minutes = current[2]
            if (bool(current[0]), current[1], current[2]) == (change.attended, source, minutes):
                return "same"
        values = (change.participant_id, webinar_id, int(change.attended), source, minutes)
        await conn.execute(
            "INSERT INTO attendance(participant_id, webinar_id, attended, source, minutes,"
            " recorded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(participant_id, webinar_id)"
            " DO UPDATE SET attended = excluded.attended, source = excluded.source,"
            " minutes = excluded.minutes, recorded_at = excluded.recorded_at",
            (*values, to_iso(now)),
        )
        await conn.execute(
            "INSERT INTO attendance_history(participant_id, webinar_id, attended, source,"
            " minutes, actor, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (*values, actor, to_iso(now)),
        )
        return "changed"

    async def history(self, participant_id: int, webinar_id: str) -> list[tuple[bool, str, str]]:
        """Every change of a participant's attendance, oldest first: (attended, source, actor)."""
        rows = await self.db.fetchall(
            "SELECT attended, source, actor FROM attendance_history"
            " WHERE participant_id = ? AND webinar_id = ? ORDER BY id",
            (participant_id, webinar_id),
        )
        return [(bool(row[0]), row[1], row[2]) for row in rows]

    async def registrants(self, webinar_id: str) -> list[RegistrantRow]:
        """The webinar's registrants who are not erased, with their name and e-mail."""
        rows = await self.db.fetchall(
            "SELECT p.id, p.full_name, p.email FROM registrations r"
            " JOIN participants p ON p.id = r.participant_id"
            " WHERE r.webinar_id = ? AND p.telegram_id IS NOT NULL ORDER BY p.id",
            (webinar_id,),
        )
        return [RegistrantRow(row[0], row[1] or "", row[2]) for row in rows]

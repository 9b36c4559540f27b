"""Attendance: the current truth per participant and webinar, and the history of every change."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from storage.timestamps import to_iso

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

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


@dataclass(frozen=True)
class Attendee:
    """A participant recorded as attending a webinar, with what a certificate prints."""

    participant_id: int
    telegram_id: int | None
    full_name: str
    language: str
    timezone: str
    minutes: int | None  # from an attendance report; None when said with a button or survey


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
            cursor = await conn.execute(
                "SELECT participant_id, attended, source, minutes FROM attendance"
                " WHERE webinar_id = ?",
                (webinar_id,),
            )
            current = {row[0]: (bool(row[1]), row[2], row[3]) for row in await cursor.fetchall()}
            rows = []
            for change in changes:
                outcome, minutes = _outcome(
                    current.get(change.participant_id), change, source, replaces
                )
                if outcome == "kept":
                    kept += 1
                elif outcome == "changed":
                    rows.append(
                        (change.participant_id, webinar_id, int(change.attended), source, minutes)
                    )
            await conn.executemany(
                "INSERT INTO attendance(participant_id, webinar_id, attended, source, minutes,"
                " recorded_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(participant_id, webinar_id)"
                " DO UPDATE SET attended = excluded.attended, source = excluded.source,"
                " minutes = excluded.minutes, recorded_at = excluded.recorded_at",
                [(*row, to_iso(now)) for row in rows],
            )
            await conn.executemany(
                "INSERT INTO attendance_history(participant_id, webinar_id, attended, source,"
                " minutes, actor, recorded_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [(*row, actor, to_iso(now)) for row in rows],
            )
            changed = len(rows)
        return changed, kept

    async def attendees(self, webinar_id: str, participant_id: int | None = None) -> list[Attendee]:
        """Everyone (or one participant) on record as attending, not erased and named, by id."""
        rows = await self.db.fetchall(
            "SELECT p.id, p.telegram_id, p.full_name, p.language, p.timezone, a.minutes"
            " FROM attendance a JOIN participants p ON p.id = a.participant_id"
            " WHERE a.webinar_id = ? AND a.attended = 1 AND p.erased_at IS NULL"
            " AND p.full_name IS NOT NULL AND (? IS NULL OR p.id = ?) ORDER BY p.id",
            (webinar_id, participant_id, participant_id),
        )
        return [Attendee(row[0], row[1], row[2], row[3], row[4], row[5]) for row in rows]

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


def _outcome(
    current: tuple[bool, str, int | None] | None,
    change: Change,
    source: str,
    replaces: Sequence[str],
) -> tuple[str, int | None]:
    """Whether a change is 'changed', 'same' or 'kept' (outranked), and the minutes to store."""
    minutes = change.minutes
    if current is None:
        return "changed", minutes
    if current[1] not in replaces:
        return "kept", minutes
    if minutes is None and current[1] == source:
        minutes = current[2]
    if current == (change.attended, source, minutes):
        return "same", minutes
    return "changed", minutes

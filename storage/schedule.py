"""The series' webinars as stored, their changes, and the reminder slots that fill the outbox."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from storage.timestamps import from_iso, to_iso

if TYPE_CHECKING:
    from collections.abc import Sequence

    from storage.database import Database


class PlannedWebinar(Protocol):
    """What the schedule needs of a webinar from the series file (read only)."""

    @property
    def id(self) -> str: ...

    @property
    def title(self) -> str: ...

    @property
    def starts_at(self) -> datetime: ...

    @property
    def join_url(self) -> str: ...

    @property
    def reminders(self) -> tuple[timedelta, ...]: ...

    @property
    def ends_at(self) -> datetime: ...


@dataclass(frozen=True)
class WebinarChange:
    """A webinar whose start or join link differs from what was stored."""

    webinar_id: str
    version: int
    old_starts_at: datetime
    new_starts_at: datetime
    old_join_url: str
    new_join_url: str

    @property
    def moved(self) -> bool:
        """Whether the start time changed."""
        return self.old_starts_at != self.new_starts_at


@dataclass(frozen=True)
class Slot:
    """The moment one reminder falls due for every registrant of a webinar."""

    webinar_id: str
    offset: timedelta
    starts_at: datetime
    due_at: datetime

    @property
    def purpose(self) -> str:
        """The outbox purpose of this slot's reminders: offset and the start it was for."""
        return f"{int(self.offset.total_seconds())}@{to_iso(self.starts_at)}"


class ScheduleStore:
    """Keeps webinars and reminder slots in step with the series file."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def sync(self, webinars: Sequence[PlannedWebinar], now: datetime) -> list[WebinarChange]:
        """Store the webinars, note what changed, and re-plan their reminder slots."""
        stored = {
            row["id"]: row
            for row in await self.db.fetchall(
                "SELECT id, starts_at, join_url, version FROM webinars"
            )
        }
        changes: list[WebinarChange] = []
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            for position, webinar in enumerate(webinars):
                old = stored.get(webinar.id)
                version = old["version"] if old else 1
                if old and (
                    from_iso(old["starts_at"]) != webinar.starts_at
                    or old["join_url"] != webinar.join_url
                ):
                    version += 1
                    changes.append(
                        WebinarChange(
                            webinar.id,
                            version,
                            from_iso(old["starts_at"]),
                            webinar.starts_at,
                            old["join_url"],
                            webinar.join_url,
                        )
                    )
                await conn.execute(
                    "INSERT INTO webinars(id, title, starts_at, ends_at, join_url, position,"
                    " updated_at, version) VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT(id) DO UPDATE SET title = excluded.title,"
                    " starts_at = excluded.starts_at, ends_at = excluded.ends_at,"
                    " join_url = excluded.join_url, position = excluded.position,"
                    " updated_at = excluded.updated_at, version = excluded.version",
                    (
                        webinar.id,
                        webinar.title,
                        to_iso(webinar.starts_at),
                        to_iso(webinar.ends_at),
                        webinar.join_url,
                        position,
                        stamp,
                        version,
                    ),
                )
                await self._plan_slots(conn, webinar, stamp)
        return changes

    @staticmethod
    async def _plan_slots(conn: object, webinar: PlannedWebinar, stamp: str) -> None:
        """Create the webinar's slots and cancel planned ones that no longer apply."""
        start = to_iso(webinar.starts_at)
        wanted = [
            (
                webinar.id,
                int(offset.total_seconds()),
                start,
                to_iso(webinar.starts_at - offset),
                stamp,
            )
            for offset in webinar.reminders
        ]
        await conn.executemany(  # type: ignore[attr-defined]
            "INSERT INTO reminder_slots(webinar_id, offset_s, starts_at, due_at, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(webinar_id, offset_s, starts_at) DO UPDATE"
            # a webinar moved back to an earlier start gets that start's cancelled slots back
            " SET status = 'planned', reason = NULL, updated_at = excluded.updated_at"
            " WHERE reminder_slots.status = 'cancelled'",
            wanted,
        )
        # ... and its reminders that were queued, not sent, when it moved away
        await conn.execute(  # type: ignore[attr-defined]
            "UPDATE outbox SET status = 'pending', last_error = NULL"
            " WHERE kind = 'reminder' AND webinar_id = ? AND status = 'cancelled'"
            " AND last_error = 'the webinar moved'"
            " AND substr(purpose, instr(purpose, '@') + 1) = ?",
            (webinar.id, start),
        )
        offsets = [row[1] for row in wanted] or [-1]
        marks = ", ".join("?" * len(offsets))
        await conn.execute(  # type: ignore[attr-defined]
            "UPDATE reminder_slots SET status = 'cancelled', updated_at = ?,"
            " reason = CASE WHEN starts_at != ? THEN 'the webinar moved'"
            " ELSE 'the reminder was removed from the series file' END"
            f" WHERE webinar_id = ? AND status = 'planned'"
            f" AND (starts_at != ? OR offset_s NOT IN ({marks}))",
            (stamp, start, webinar.id, start, *offsets),
        )
        # Reminders already queued for a start that no longer holds are not sent.
        await conn.execute(  # type: ignore[attr-defined]
            "UPDATE outbox SET status = 'cancelled', last_error = 'the webinar moved'"
            " WHERE kind = 'reminder' AND webinar_id = ? AND status = 'pending'"
            " AND substr(purpose, instr(purpose, '@') + 1) != ?",
            (webinar.id, start),
        )

    async def due_slots(self, now: datetime) -> list[Slot]:
        """Planned slots whose time has come."""
        rows = await self.db.fetchall(
            "SELECT webinar_id, offset_s, starts_at, due_at FROM reminder_slots"
            " WHERE status = 'planned' AND due_at <= ? ORDER BY due_at",
            (to_iso(now),),
        )
        return [
            Slot(
                r["webinar_id"],
                timedelta(seconds=r["offset_s"]),
                from_iso(r["starts_at"]),
                from_iso(r["due_at"]),
            )
            for r in rows
        ]

    async def next_slot_due(self) -> datetime | None:
        """When the next planned slot falls due."""
        row = await self.db.fetchone(
            "SELECT MIN(due_at) AS due FROM reminder_slots WHERE status = 'planned'"
        )
        return from_iso(row["due"]) if row and row["due"] else None

    async def fill_slot(self, slot: Slot, now: datetime, skip_reason: str | None) -> int:
        """Turn a due slot into one outbox row per registrant (skipped rows when too late).

        Registrants who registered after the slot's time do not get that stale reminder. One
        who got the "starts in N minutes" message for this start (registering within the hour
        before it) less than the slot's offset before the slot falls due does not get this
        reminder either: it would only say the same again ("starting now" always goes out).
        """
        status, error = ("pending", None) if skip_reason is None else ("skipped", skip_reason)
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO outbox(kind, webinar_id, participant_id, purpose, due_at, status,"
                " last_error, created_at)"
                " SELECT 'reminder', r.webinar_id, p.id, ?, ?, ?, ?, ?"
                " FROM registrations r JOIN participants p ON p.id = r.participant_id"
                " WHERE r.webinar_id = ? AND p.telegram_id IS NOT NULL"
                " AND p.reminders_enabled = 1 AND p.unreachable_at IS NULL"
                " AND r.registered_at <= ?"
                " AND NOT (? > 0 AND EXISTS (SELECT 1 FROM outbox o WHERE o.kind = 'late_reminder'"
                " AND o.webinar_id = r.webinar_id AND o.participant_id = p.id AND o.purpose = ?"
                " AND o.created_at > ?))"
                " ON CONFLICT DO NOTHING",
                (
                    slot.purpose,
                    to_iso(slot.due_at),
                    status,
                    error,
                    to_iso(now),
                    slot.webinar_id,
                    to_iso(slot.due_at),
                    int(slot.offset.total_seconds()),
                    to_iso(slot.starts_at),
                    to_iso(slot.due_at - slot.offset),
                ),
            )
            count = cursor.rowcount
            await conn.execute(
                "UPDATE reminder_slots SET status = ?, reason = ?, updated_at = ?"
                " WHERE webinar_id = ? AND offset_s = ? AND starts_at = ?",
                (
                    "enqueued" if skip_reason is None else "skipped",
                    skip_reason,
                    to_iso(now),
                    slot.webinar_id,
                    int(slot.offset.total_seconds()),
                    to_iso(slot.starts_at),
                ),
            )
        return count

    async def enqueue_for_registrants(
        self, kind: str, webinar_id: str, purpose: str, now: datetime
    ) -> int:
        """Queue one message of a kind (such as a change notice) for every registrant."""
        return await self.db.execute(
            "INSERT INTO outbox(kind, webinar_id, participant_id, purpose, due_at, created_at)"
            " SELECT ?, r.webinar_id, p.id, ?, ?, ? FROM registrations r"
            " JOIN participants p ON p.id = r.participant_id"
            " WHERE r.webinar_id = ? AND p.telegram_id IS NOT NULL"
            " AND p.unreachable_at IS NULL ON CONFLICT DO NOTHING",
            (kind, purpose, to_iso(now), to_iso(now), webinar_id),
        )

    async def versions(self) -> dict[str, int]:
        """Each stored webinar's version."""
        rows = await self.db.fetchall("SELECT id, version FROM webinars")
        return {row["id"]: row["version"] for row in rows}

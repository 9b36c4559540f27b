"""Import a platform's attendance report into the database: plan first, then write in one step.

The command line and the chat share this: both show the plan's summary, and only then write.
A platform report replaces what participants said of themselves, never an organizer's
correction; importing the same file again changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.attendance import PLATFORM, replaceable_by
from bot.reporting.attendance.intervals import TimeReader
from bot.reporting.attendance.names import Registrant
from bot.reporting.attendance.plan import ImportPlan, plan_import
from storage.attendance import AttendanceStore, Change

if TYPE_CHECKING:
    from datetime import datetime

    from bot.domain.series import Series, Webinar


async def prepare(
    store: AttendanceStore, series: Series, webinar: Webinar, raw: bytes
) -> ImportPlan:
    """What importing `raw` for the webinar would record; raises AttendanceFileError."""
    registrants = [
        Registrant(row.id, row.full_name, row.email) for row in await store.registrants(webinar.id)
    ]
    return plan_import(
        raw,
        registrants,
        webinar.starts_at,
        webinar.duration,
        TimeReader(series.timezone, webinar.starts_at),
        series.attendance_min_minutes,
    )


async def apply(
    store: AttendanceStore, webinar: Webinar, plan: ImportPlan, actor: str, now: datetime
) -> tuple[int, int]:
    """Write the plan's attendances; (changed, kept because an organizer corrected them)."""
    changes = [
        Change(attendee.registrant.id, attendee.attended, attendee.minutes)
        for attendee in plan.attendees
    ]
    return await store.record(webinar.id, changes, PLATFORM, actor, now, replaceable_by(PLATFORM))

"""When the sender next has work, the one JobQueue job that wakes it then, and that work.

Work falls due at five kinds of moment: a reminder slot, an outbox row (new or retried), a
survey's invitations, a survey's nudges and nothing else. The sender asks `next_due` only when
it goes to sleep, and arms `DueAlarm` for the answer, so an idle bot makes no query at all
until that moment (or until something new is queued and the sender is woken). When it
rings, due reminder slots and survey steps become outbox rows.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import TYPE_CHECKING, Any

from apscheduler.jobstores.base import JobLookupError

from bot.domain import survey
from bot.domain.reminders import skip_reason

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime, timedelta

    from telegram.ext import Job, JobQueue

    from bot.clock import Clock
    from bot.services import Services

log = logging.getLogger(__name__)

JOB_NAME = "outbox-next-due"
SLACK = 0.005  # seconds added so that the job never rings a hair before the due moment
LONGEST_SLEEP = 3600.0  # look again at least hourly, in case the wall clock was set


async def fill_due_slots(services: Services, now: datetime) -> None:
    """Turn reminder slots whose time has come into outbox rows (or skipped rows)."""
    series, schedule = services.series, services.schedule
    due = await schedule.due_slots(now)
    # After downtime several reminders of one webinar may be due at once: only the
    # latest one (the smallest offset) still says something useful.
    latest: dict[tuple[str, datetime], timedelta] = {}
    for slot in due:
        key = (slot.webinar_id, slot.starts_at)
        latest[key] = min(latest.get(key, slot.offset), slot.offset)
    for slot in due:
        webinar = series.webinar(slot.webinar_id)
        reason = (
            "the webinar is no longer in the series"
            if webinar is None
            else skip_reason(slot.offset, slot.starts_at, webinar.ends_at, now)
        )
        if reason is None and slot.offset > latest[(slot.webinar_id, slot.starts_at)]:
            reason = "a later reminder was due as well"
        count = await schedule.fill_slot(slot, now, reason)
        log.info(
            "reminder %s before %s: %d %s%s",
            slot.offset,
            slot.webinar_id,
            count,
            "queued" if reason is None else "skipped",
            f" ({reason})" if reason else "",
        )


async def queue_surveys(services: Services, now: datetime) -> None:
    """Queue survey invitations once a webinar is over, and the one nudge later on."""
    series = services.series
    store = services.survey
    queued = await store.surveys_queued()
    for webinar in series.webinars:
        if not survey.is_open(series, webinar, now):
            continue
        if queued.get(webinar.id) is None:
            if survey.invitation_due(series, webinar) <= now:
                count = await store.queue_invitations(webinar.id, now)
                log.info("survey of %s: %d invitations queued", webinar.id, count)
            continue
        nudges = await store.queue_nudges(webinar.id, series.feedback_nudge_after, now)
        if nudges:
            log.info("survey of %s: %d nudges queued", webinar.id, nudges)


async def next_survey_due(services: Services, now: datetime) -> datetime | None:
    """When the next survey invitations or nudges are to be queued, or None."""
    series = services.series
    queued: dict[str, str | None] | None = None
    found: list[datetime] = []
    for webinar in series.webinars:
        closes = survey.closes_at(series, webinar)
        if closes <= now:
            continue
        if queued is None:
            queued = await services.survey.surveys_queued()
        if queued.get(webinar.id) is None:
            found.append(max(survey.invitation_due(series, webinar), webinar.ends_at))
            continue
        first = await services.outbox.first_unnudged_invitation(webinar.id)
        if first is not None and first + series.feedback_nudge_after < closes:
            found.append(first + series.feedback_nudge_after)
    return min(found, default=None)


async def next_due(services: Services, now: datetime) -> datetime | None:
    """The earliest moment anything falls due: a slot, an outbox row, a survey step."""
    candidates = (
        await services.schedule.next_slot_due(),
        await services.outbox.next_due(),
        await next_survey_due(services, now),
    )
    return min((c for c in candidates if c is not None), default=None)


class DueAlarm:
    """One job in PTB's JobQueue (APScheduler), re-armed for each new due moment."""

    def __init__(
        self, job_queue: JobQueue[Any] | None, clock: Clock, ring: Callable[[], None]
    ) -> None:
        self.job_queue = job_queue
        self.clock = clock
        self.ring = ring
        self.rings_in: float | None = None  # seconds from `armed_at`, None when disarmed
        self.armed_at = 0.0
        self._job: Job[Any] | None = None
        self._timer: asyncio.TimerHandle | None = None

    def arm_for(self, due: datetime | None) -> None:
        """Ring at `due` (by the bot's clock); disarm when nothing is due."""
        if due is None:
            self.cancel()
            return
        delay = max(0.0, (due - self.clock.now()).total_seconds()) + SLACK
        self.arm_in(min(delay, LONGEST_SLEEP))

    def arm_in(self, seconds: float) -> None:
        """Ring `seconds` from now, replacing the job armed before."""
        self.cancel()
        self.rings_in, self.armed_at = seconds, time.monotonic()
        if self.job_queue is not None:
            self._job = self.job_queue.run_once(self._rung, when=seconds, name=JOB_NAME)
        else:
            self._timer = asyncio.get_running_loop().call_later(seconds, self.ring)

    async def _rung(self, _context: object) -> None:
        """The job's callback: wake the sender."""
        self._job = None
        self.rings_in = None
        self.ring()

    def cancel(self) -> None:
        """Disarm the job, if one is armed."""
        if self._job is not None:
            with contextlib.suppress(JobLookupError):  # it has just run: nothing to remove
                self._job.schedule_removal()
            self._job = None
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        self.rings_in = None

"""Retention: RETENTION_DAYS after the series' last webinar ends, erase personal data.

The effect on each participant is exactly that of /forget (storage.erasure.erase_person):
every personal field everywhere is erased (free-text answers and the organizer role included),
so only the anonymous counts remain. Open conversations and code attempts are deleted too.
Every run after the deadline is recorded in `retention_runs` (storage.retention_runs).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import to_iso
from bot.domain.questions import anonymous_answer_keys
from bot.services import SERVICES_KEY, Services
from storage.retention_runs import RetentionStore

if TYPE_CHECKING:
    from telegram.ext import Application, ContextTypes

    from bot.domain.series import Series

log = logging.getLogger(__name__)

RUN_EVERY = timedelta(days=1)
JOB_NAME = "retention"


@dataclass(frozen=True)
class RetentionRun:
    """One run of the retention job."""

    ran_at: datetime
    deadline: datetime
    erased: int


def retention_deadline(series: Series, days: int) -> datetime | None:
    """When personal data must go: the last webinar's end plus `days` (None: no webinars)."""
    if not series.webinars:
        return None
    return max(w.ends_at for w in series.webinars) + timedelta(days=days)


async def run_retention(services: Services, now: datetime | None = None) -> RetentionRun | None:
    """Erase everyone's personal data once the deadline has passed; None when not due/off."""
    days = services.settings.retention_days
    if not days:
        return None
    deadline = retention_deadline(services.series, days)
    now = now or services.clock.now()
    if deadline is None or now < deadline:
        log.debug("retention: nothing to do before %s", deadline)
        return None
    erased = await services.participants.erase_everyone(
        now, anonymous_answer_keys(w.questions for w in services.series.webinars)
    )
    await RetentionStore(services.db).record_run(now, deadline, erased)
    log.info("retention: %d participants erased (deadline %s)", erased, to_iso(deadline))
    return RetentionRun(now, deadline, erased)


async def _job(context: ContextTypes.DEFAULT_TYPE) -> None:
    """The daily JobQueue callback."""
    try:
        await run_retention(context.application.bot_data[SERVICES_KEY])
    except Exception:
        log.exception("retention run failed; trying again at the next run")


async def start_retention(application: Application[Any, Any, Any, Any, Any, Any]) -> None:
    """Run once now (at start-up), then daily from the application's JobQueue."""
    services: Services = application.bot_data[SERVICES_KEY]
    if not services.settings.retention_days:
        return
    try:
        await run_retention(services)
    except Exception:
        log.exception("retention run at start-up failed")
    if application.job_queue is None:
        log.warning(
            "retention: no JobQueue (install python-telegram-bot[job-queue]); "
            "it runs at start-up only"
        )
        return
    for job in application.job_queue.get_jobs_by_name(JOB_NAME):
        job.schedule_removal()
    application.job_queue.run_repeating(_job, interval=RUN_EVERY, first=RUN_EVERY, name=JOB_NAME)

"""The organizers' daily digest: one message a day at a set local time, through the outbox.

With `organizer_digest = "daily"` every organizer gets, at `organizer_digest_time` in the
series' time zone, the registrations since the previous digest (one line each, as the "each"
digest writes them) and the totals so far by state and by sex, counted as /stats counts them.

The outbox is the truth: each moment is one row per organizer's chat (unique), queued as soon
as the moment before it falls due, so a restart or a crash neither skips nor repeats a day. A
bot that was down at the moment sends that digest once when it is back; the days it missed
are covered by the next one. `plan` runs with every sweep of the sender: it keeps the queued
rows in line with the settings and the organizers of the moment.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final

from bot.clock import from_iso
from bot.delivery.digest import organizer_chats, registration_entry
from bot.domain.catalogue import LANGUAGES
from bot.reporting.export_rows import ExportContext, connect_readonly, webinar_ids
from bot.reporting.statistics import Breakdown, breakdown
from storage.daily_digest import DailyDigestStore

if TYPE_CHECKING:
    from pathlib import Path
    from zoneinfo import ZoneInfo

    from bot.delivery.relevance import Outcome
    from bot.domain.series import Series
    from bot.services import Services
    from storage.daily_digest import DigestMoment
    from storage.outbox import Delivery
    from storage.participants import Participant

log = logging.getLogger(__name__)

MAX_LINES: Final = 40  # registrations listed one by one; the rest are counted (Telegram's limit)
TURNED_OFF: Final = "the daily digest was turned off"
NOT_ORGANIZER: Final = "no longer an organizer"
TIME_CHANGED: Final = "the digest's time was changed"


def moment_on(day: date, at: time, zone: ZoneInfo) -> datetime:
    """The digest's moment (UTC) on a local day: `at` o'clock there, whatever its offset."""
    return datetime.combine(day, at, tzinfo=zone).astimezone(UTC)


def next_moment(after: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The first digest moment strictly after `after`."""
    today = after.astimezone(zone).date()
    for shift in range(-1, 3):
        moment = moment_on(today + timedelta(days=shift), at, zone)
        if moment > after:
            return moment
    raise AssertionError("a local day has one digest moment")  # pragma: no cover


def day_before(moment: datetime, at: time, zone: ZoneInfo) -> datetime:
    """The digest moment of the local day before `moment`'s."""
    return moment_on(moment.astimezone(zone).date() - timedelta(days=1), at, zone)


def on_schedule(moment: datetime, at: time, zone: ZoneInfo) -> bool:
    """Whether a moment is the digest's moment of its local day under the current setting."""
    return moment == moment_on(moment.astimezone(zone).date(), at, zone)


async def plan(services: Services, now: datetime) -> None:
    """Keep the queued digests in line with the settings and the organizers; queue the next."""
    store, series = DailyDigestStore(services.db), services.series
    waiting = await store.waiting()
    if series.organizer_digest != "daily":
        if waiting and await store.cancel(TURNED_OFF):
            log.info("daily digest: turned off, the queued digests cancelled")
        return
    at, zone = series.organizer_digest_time, series.timezone
    organizers = await organizer_chats(services)
    upcoming = False
    for moment in waiting:
        if moment.due_at > now and not on_schedule(moment.due_at, at, zone):
            await store.cancel(TIME_CHANGED, moment.queued, moment.due_at)
            continue
        await _follow_organizers(store, moment, organizers, now)
        upcoming = upcoming or moment.due_at > now
    if upcoming or not organizers:
        return
    due = next_moment(now, at, zone)
    since = await store.latest_before(due) or day_before(due, at, zone)
    count = await store.queue(organizers, due, since, now)
    log.info("daily digest: %d queued for %s", count, due.isoformat())


async def _follow_organizers(
    store: DailyDigestStore, moment: DigestMoment, organizers: set[int], now: datetime
) -> None:
    """Give a queued moment to organizers added since, and take it from those removed."""
    removed = moment.queued - organizers
    if removed:
        await store.cancel(NOT_ORGANIZER, removed, moment.due_at)
    added = organizers - (moment.chats - moment.cancelled)
    if added:
        await store.queue(added, moment.due_at, moment.since, now)


async def daily_digest_message(services: Services, delivery: Delivery) -> str | Outcome:
    """The digest an organizer reads, or why it is no longer sent."""
    if services.series.organizer_digest != "daily":
        return "cancelled", {"last_error": TURNED_OFF}
    chat = delivery.chat_id
    if chat is None or chat not in await organizer_chats(services):
        return "cancelled", {"last_error": NOT_ORGANIZER}
    since = from_iso(delivery.purpose)
    found = await services.participants.registered_between(since, delivery.due_at)
    state, sex = await asyncio.to_thread(
        read_totals, services.settings.database_path, services.series
    )
    organizer = await services.participants.get(chat)
    lang = organizer.language if organizer is not None else LANGUAGES[0]
    return render_digest(services, lang, since, delivery.due_at, found, (state, sex))


def read_totals(database: Path, series: Series) -> tuple[Breakdown, Breakdown]:
    """People registered so far by state and by sex, from one snapshot, as /stats counts them."""
    ctx = ExportContext.build(series)
    with connect_readonly(database) as queries:
        ids = webinar_ids(queries)
        return (
            breakdown(queries, "country", ctx.countries, ids),
            breakdown(queries, "sex", ctx.sexes, ids),
        )


def render_digest(
    services: Services,
    lang: str,
    since: datetime,
    until: datetime,
    found: list[Participant],
    totals: tuple[Breakdown, Breakdown],
) -> str:
    """The digest's text (Telegram HTML) in a language."""
    texts, series = services.texts, services.series
    names = series.organizer_digest_names
    entries = [registration_entry(services, lang, p, names) for p in found[:MAX_LINES]]
    state, sex = totals
    return texts.render(
        lang,
        "organizer_daily_digest",
        series_title=series.title_for(lang),
        zone=series.timezone.key,
        since=since,
        until=until,
        count=len(found),
        entries=entries,
        more=max(0, len(found) - MAX_LINES),
        total=sex.unique_total,
        by_state=_rows(state, texts.label_map(lang, "countries")),
        by_sex=_rows(sex, texts.label_map(lang, "sexes")),
    )


def _rows(found: Breakdown, names: dict[str, str]) -> list[dict[str, Any]]:
    """One line per code with people: its name and how many, in the labels' order."""
    return [
        {"name": names.get(code, code), "total": found.unique[code]}
        for code in found.codes
        if found.unique.get(code)
    ]

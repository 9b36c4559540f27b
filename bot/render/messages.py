"""The bulk messages the outbox sends, rendered at send time in each reader's language and zone."""

from __future__ import annotations

from typing import TYPE_CHECKING

from babel.dates import format_timedelta

from bot.domain.reminders import is_live, offset_of
from bot.domain.speaker_questions import asking_open
from bot.render.calendar_files import google_calendar_link, outlook_link
from bot.render.keyboards import webinar_keyboard
from storage.waiting_list import SEAT_KIND

if TYPE_CHECKING:
    from datetime import datetime

    from telegram import InlineKeyboardMarkup

    from bot.domain.series import Series, Webinar
    from bot.render.texts import Texts
    from storage.outbox import Delivery


def time_left(starts_at: datetime, now: datetime, lang: str) -> str:
    """How long until the start, in words ('in 1 day', 'dentro de 2 horas')."""
    return format_timedelta(
        starts_at - now, granularity="minute", threshold=1.2, add_direction=True, locale=lang
    )


def webinar_buttons(
    texts: Texts,
    series: Series,
    webinar: Webinar,
    lang: str,
    attending: bool = False,
    asking: bool = False,
) -> InlineKeyboardMarkup:
    """Join link, calendar file and links under a message; 'Ask' and 'I'm attending' when open."""
    index = [w.id for w in series.webinars].index(webinar.id)
    links = (google_calendar_link(series, webinar, lang), outlook_link(series, webinar, lang))
    return webinar_keyboard(texts, lang, webinar.join_url, index, attending, links, asking)


def compose(
    texts: Texts, series: Series, delivery: Delivery, now: datetime
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Render an outbox row's message and buttons."""
    lang = delivery.language
    webinar = series.webinar(delivery.webinar_id or "")
    if webinar is None:
        raise LookupError(f"webinar {delivery.webinar_id!r} is not in the series")
    live = is_live(webinar.starts_at, webinar.ends_at, now)
    context: dict[str, object] = {
        "title": webinar.title_for(lang),
        "starts_at": webinar.starts_at,
        "zone": delivery.timezone,
        "join_url": webinar.join_url,
        "left": time_left(webinar.starts_at, now, lang),
        "live": live,
        "minutes": max(0, int((webinar.starts_at - now).total_seconds() // 60)),
        "organizer_zone": series.timezone.key,
    }
    attending = False
    asking = False
    if delivery.kind == "reminder":
        asking = asking_open(webinar, now)
        attending = offset_of(delivery.purpose).total_seconds() == 0
        context["starting_now"] = attending
        template = "reminder"
    elif delivery.kind == "late_reminder":
        attending = live
        template = "late_reminder"
    elif delivery.kind == "change_notice":
        template = "change_notice"
    elif delivery.kind == SEAT_KIND:
        template = "seat_offered"
    else:
        raise LookupError(f"no message for outbox kind {delivery.kind!r}")
    return (
        texts.render(lang, template, **context),
        webinar_buttons(texts, series, webinar, lang, attending, asking),
    )

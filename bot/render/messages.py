"""The bulk messages the outbox sends, rendered at send time in each reader's language and zone."""

from __future__ import annotations

from datetime import datetime

from babel.dates import format_timedelta
from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.reminders import is_live, offset_of
from bot.domain.series import Series, Webinar
from bot.domain.speaker_questions import asking_open
from bot.render import callback_data
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
    """Join link and 'add to calendar' under a message, with 'I'm attending' once it is on
    and 'Ask the speakers a question' while questions may be sent."""
    index = [w.id for w in series.webinars].index(webinar.id)
    rows = [
        [
            InlineKeyboardButton(texts.label(lang, "buttons.join"), url=webinar.join_url),
            InlineKeyboardButton(
                texts.label(lang, "buttons.calendar"), callback_data=callback_data.calendar(index)
            ),
        ]
    ]
    if asking:
        rows.append(
            [
                InlineKeyboardButton(
                    texts.label(lang, "ask.button"), callback_data=callback_data.ask(index)
                )
            ]
        )
    if attending:
        rows.append(
            [
                InlineKeyboardButton(
                    texts.label(lang, "survey.attending"),
                    callback_data=callback_data.attending(index),
                )
            ]
        )
    return InlineKeyboardMarkup(rows)


def compose(
    texts: Texts, series: Series, delivery: Delivery, now: datetime
) -> tuple[str, InlineKeyboardMarkup | None]:
    """Render an outbox row's message and buttons."""
    lang = delivery.language
    webinar = series.webinar(delivery.webinar_id or "")
    if webinar is None:
        raise LookupError(f"webinar {delivery.webinar_id!r} is not in the series")
    context = {
        "title": webinar.title_for(lang),
        "starts_at": webinar.starts_at,
        "zone": delivery.timezone,
        "join_url": webinar.join_url,
        "left": time_left(webinar.starts_at, now, lang),
        "live": is_live(webinar.starts_at, webinar.ends_at, now),
        "minutes": max(0, int((webinar.starts_at - now).total_seconds() // 60)),
        "organizer_zone": series.timezone.key,
    }
    attending = False
    asking = False
    if delivery.kind == "reminder":
        asking = asking_open(webinar, now)
        context["starting_now"] = offset_of(delivery.purpose).total_seconds() == 0
        attending = context["starting_now"]
        template = "reminder"
    elif delivery.kind == "late_reminder":
        attending = context["live"]
        template = "late_reminder"
    elif delivery.kind == "change_notice":
        template = "change_notice"
    else:
        raise LookupError(f"no message for outbox kind {delivery.kind!r}")
    return (
        texts.render(lang, template, **context),
        webinar_buttons(texts, series, webinar, lang, attending, asking),
    )

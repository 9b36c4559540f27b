"""The series schedule, joining and leaving webinars, calendar files, and reminder settings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup, Message, Update

from bot.delivery.calendar_sending import send_calendar_file
from bot.delivery.enrolment import after_joining
from bot.delivery.waiting_list import capacities, grant_free_seats
from bot.domain.registration import open_webinar_ids
from bot.render.calendar_files import google_calendar_link, outlook_link
from bot.render.keyboards import schedule_keyboard, settings_keyboard
from bot.render.views import zone_label
from bot.runtime.calendar_feed import FeedUrls, subscription_for
from handlers.account import registered_or_explain
from handlers.flow import participant_language

if TYPE_CHECKING:
    from bot.render.callback_data import Press
    from bot.services import BotContext, Services
    from storage.participants import Participant


def schedule_view(
    services: Services,
    participant: Participant | None,
    lang: str,
    subscription: FeedUrls | None = None,
) -> tuple[str, InlineKeyboardMarkup]:
    """The schedule text and its buttons for one reader (with their calendar feed, if any)."""
    texts, series = services.texts, services.series
    zone = participant.timezone if participant else series.timezone.key
    registered = set(participant.webinar_ids) if participant else set()
    waiting = participant.waiting_list if participant else {}
    rows = [
        {
            "title": w.title_for(lang),
            "starts_at": w.starts_at,
            "topics": w.topics_for(lang),
            "registered": w.id in registered,
            "waiting": waiting.get(w.id),
            "join_url": w.join_url,
        }
        for w in series.webinars
    ]
    text = texts.render(
        lang,
        "schedule",
        webinars=rows,
        zone=zone,
        organizer_zone=series.timezone.key,
        series_title=series.title_for(lang),
        is_participant=participant is not None,
        subscription=subscription.webcal if subscription is not None else None,
    )
    registered_flags = (
        [bool(row["registered"]) for row in rows] if participant is not None else None
    )
    links = [
        (google_calendar_link(series, w, lang), outlook_link(series, w, lang))
        for w in series.webinars
    ]
    return text, schedule_keyboard(
        texts,
        lang,
        registered_flags,
        links,
        subscription.https if subscription is not None else None,
    )


async def schedule(update: Update, context: BotContext) -> None:
    """Show every webinar of the series in the reader's time zone and language."""
    services, user = context.services, update.effective_user
    assert user is not None and update.effective_chat is not None
    participant = await services.participants.get(user.id)
    lang = participant_language(participant, user)
    subscription = await subscription_for(services, participant) if participant else None
    text, markup = schedule_view(services, participant, lang, subscription)
    await update.effective_chat.send_message(
        text, reply_markup=markup, disable_web_page_preview=True
    )


async def join_or_leave(update: Update, context: BotContext, press: Press) -> None:
    """Register for, or leave, one webinar from the schedule."""
    query, services = update.callback_query, context.services
    assert query is not None
    participant = await services.participants.get(query.from_user.id)
    lang = participant_language(participant, query.from_user)
    action, index = press.part(0), press.part(1)
    ids = services.webinar_ids
    if (
        participant is None
        or action not in ("join", "leave")
        or not index.isdigit()
        or int(index) >= len(ids)
    ):
        await query.answer(services.texts.label(lang, "toasts.invalid"))
        return
    webinar_id = ids[int(index)]
    if action == "join" and webinar_id not in open_webinar_ids(
        services.series.webinars, services.clock.now()
    ):
        await query.answer(services.texts.label(lang, "toasts.ended"))
        return
    waiting = participant.waiting_list.get(webinar_id)
    if action == "join" and waiting is not None:
        await query.answer(services.texts.label(lang, "toasts.waiting_list").format(n=waiting))
        return
    chosen = set(participant.profile()["webinars"])
    if action == "join":
        chosen.add(webinar_id)
    else:
        chosen.discard(webinar_id)
    updated = await services.participants.update_profile(
        participant.telegram_id or query.from_user.id,
        {"webinars": [w for w in ids if w in chosen]},
        services.clock.now(),
        approval=services.series.approval,
        capacities=capacities(services.series),
    )
    seated = updated is not None and webinar_id in updated.webinar_ids
    place = updated.waiting_list.get(webinar_id) if updated is not None else None
    if action == "join" and seated and webinar_id not in participant.webinar_ids:
        await after_joining(services, participant.id, [webinar_id])
    if action == "leave":
        await grant_free_seats(services, [webinar_id])
    if action == "leave":
        toast = services.texts.label(lang, "toasts.left")
    elif place is not None:
        toast = services.texts.label(lang, "toasts.waiting_list").format(n=place)
    else:
        toast = services.texts.label(lang, "toasts.joined" if seated else "toasts.awaits_approval")
    await query.answer(toast)
    shown = (participant.webinar_ids, participant.waiting_list)  # what the schedule shows
    changed = updated is not None and (updated.webinar_ids, updated.waiting_list) != shown
    if updated is not None and changed and isinstance(query.message, Message):
        subscription = await subscription_for(services, updated)
        text, markup = schedule_view(services, updated, lang, subscription)
        await query.message.edit_text(text, reply_markup=markup, disable_web_page_preview=True)


async def calendar_file(update: Update, context: BotContext, press: Press) -> None:
    """Send the .ics invitation for one webinar, or for the whole series."""
    query, services = update.callback_query, context.services
    assert query is not None
    participant = await services.participants.get(query.from_user.id)
    lang = participant_language(participant, query.from_user)
    await query.answer()
    await send_calendar_file(
        services, context.bot, query.from_user.id, participant, lang, press.part(0)
    )


async def settings(update: Update, context: BotContext) -> None:
    """Show the participant's settings: reminders on or off, time zone, language."""
    participant = await registered_or_explain(update, context)
    if participant is None:
        return
    assert update.effective_chat is not None
    text, markup = settings_view(context.services, participant)
    await update.effective_chat.send_message(text, reply_markup=markup)


def settings_view(services: Services, participant: Participant) -> tuple[str, InlineKeyboardMarkup]:
    """The settings text and buttons."""
    texts, lang = services.texts, participant.language
    on = participant.reminders_enabled
    text = texts.render(
        lang,
        "settings",
        reminders=on,
        zone=zone_label(participant.timezone, services.clock.now(), lang),
        unreachable=participant.unreachable_at is not None,
    )
    markup = settings_keyboard(texts, lang, on)
    return text, markup


async def toggle_reminders(update: Update, context: BotContext, press: Press) -> None:
    """Turn reminders on or off."""
    query, services = update.callback_query, context.services
    assert query is not None
    participant = await services.participants.get(query.from_user.id)
    lang = participant_language(participant, query.from_user)
    choice = press.part(1)
    if participant is None or press.part(0) != "reminders" or choice not in ("on", "off"):
        await query.answer(services.texts.label(lang, "toasts.invalid"))
        return
    updated = await services.participants.set_reminders(
        participant.id, choice == "on", services.clock.now()
    )
    await query.answer(services.texts.label(lang, f"toasts.reminders_{choice}"))
    if updated is not None and isinstance(query.message, Message):
        text, markup = settings_view(services, updated)
        await query.message.edit_text(text, reply_markup=markup)

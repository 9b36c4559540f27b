"""/webinar (organizers only): change a webinar's start or join link from the chat.

Pick the webinar, then "start" or "link", type the new value, then Confirm or Cancel. A
confirmed change is stored in webinar_overrides (applied over the series file at start-up and on
SIGHUP too), recorded, and applied like a changed series file: registrants get a change notice,
reminders not yet sent move to the new time, reminders already sent are not sent again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.clock import from_iso, to_iso
from bot.delivery.series_changes import apply_series
from bot.domain.organizer_input import START_EXAMPLE, clean_join_url, parse_start
from bot.domain.overrides import series_with_overrides
from bot.domain.validation import Invalid
from bot.render import callback_data
from bot.render.organizer_keyboards import console_keyboard
from handlers.access import organizers_only, record_action
from handlers.console import (
    button,
    claim_press,
    open_conversation,
    pressed_message,
    refuse_press,
    reply,
    show,
)
from storage.overrides import OverrideStore

if TYPE_CHECKING:
    from telegram import Update

    from bot.domain.series import Webinar
    from bot.render.callback_data import Press
    from bot.services import BotContext
    from storage.conversations import Conversation

log = logging.getLogger(__name__)

FLOW = "webinar"
PREFIX = callback_data.WEBINAR
FIELDS = ("start", "link")


@organizers_only
async def webinar_command(update: Update, context: BotContext) -> None:
    """/webinar: the webinars as buttons."""
    user = update.effective_user
    assert user is not None
    conv = await open_conversation(context, user, FLOW, "pick")
    services, lang = context.services, conv.data["lang"]
    series = services.series
    rows = [
        [button(f"{n}. {_short(w.title_for(lang))}", PREFIX, conv, "w", w.id)]
        for n, w in enumerate(series.webinars, 1)
    ]
    rows.append([button(services.texts.label(lang, "organizer.cancel"), PREFIX, conv, "x")])
    text = services.texts.render(
        lang,
        "webinar_pick",
        zone=series.timezone.key,
        wb_webinars=[
            {"title": w.title_for(lang), "starts_at": w.starts_at, "join_url": w.join_url}
            for w in series.webinars
        ],
    )
    await show(context, None, user.id, text, console_keyboard(rows))


async def webinar_button(update: Update, context: BotContext, press: Press) -> None:
    """A press on one of the /webinar messages."""
    claimed = await claim_press(update, context, FLOW, press)
    if claimed is None:
        return
    conv, parts = claimed
    if parts == ["x"]:
        await _cancel(update, context, conv)
    elif conv.step == "pick" and len(parts) == 2 and parts[0] == "w":
        await _picked(update, context, conv, parts[1])
    elif conv.step == "field" and len(parts) == 1 and parts[0] in FIELDS:
        await _field(update, context, conv, parts[0])
    elif conv.step == "confirm" and parts == ["yes"]:
        await _apply(update, context, conv)
    else:
        await refuse_press(update, context, conv)


async def _picked(update: Update, context: BotContext, conv: Conversation, webinar_id: str) -> None:
    """Show the chosen webinar and ask what to change."""
    services, lang = context.services, conv.data["lang"]
    webinar = services.series.webinar(webinar_id)
    if webinar is None:
        await refuse_press(update, context, conv)
        return
    conv.data["webinar"] = webinar.id
    await _step(context, conv, "field")
    label = services.texts.label
    markup = console_keyboard(
        [
            [
                button(label(lang, "organizer.field_start"), PREFIX, conv, "start"),
                button(label(lang, "organizer.field_link"), PREFIX, conv, "link"),
            ],
            [button(label(lang, "organizer.cancel"), PREFIX, conv, "x")],
        ]
    )
    text = services.texts.render(
        lang,
        "webinar_field",
        title=webinar.title_for(lang),
        starts_at=webinar.starts_at,
        join_url=webinar.join_url,
        zone=services.series.timezone.key,
    )
    await _answer(update)
    await show(context, pressed_message(update), conv.telegram_id, text, markup)


async def _field(update: Update, context: BotContext, conv: Conversation, field: str) -> None:
    """Ask for the new start or join link."""
    services, lang = context.services, conv.data["lang"]
    webinar = services.series.webinar(str(conv.data.get("webinar")))
    if webinar is None:
        await refuse_press(update, context, conv)
        return
    await _step(context, conv, field)
    markup = console_keyboard(
        [[button(services.texts.label(lang, "organizer.cancel"), PREFIX, conv, "x")]]
    )
    text = services.texts.render(
        lang,
        "webinar_ask",
        wb_field=field,
        title=webinar.title_for(lang),
        wb_example=START_EXAMPLE,
        zone=services.series.timezone.key,
    )
    await _answer(update)
    await show(context, pressed_message(update), conv.telegram_id, text, markup)


async def text_answer(update: Update, context: BotContext, conv: Conversation) -> None:
    """The new start or join link, typed while the flow waits for it."""
    message = update.effective_message
    assert message is not None
    services, lang = context.services, conv.data["lang"]
    webinar = services.series.webinar(str(conv.data.get("webinar")))
    if conv.step not in FIELDS or webinar is None:
        await reply(update, context, lang, "console_use_buttons")
        return
    zone = services.series.timezone
    try:
        if conv.step == "start":
            new_start = parse_start(message.text, zone, services.clock.now())
            if new_start == webinar.starts_at:
                raise Invalid("webinar_error_start", (("wb_problem", "same"),))
            conv.data["value"] = to_iso(new_start)
        else:
            new_link = clean_join_url(message.text)
            if new_link == webinar.join_url:
                raise Invalid("webinar_error_link", (("wb_problem", "same"), ("got", 0)))
            conv.data["value"] = new_link
    except Invalid as refusal:
        await reply(
            update,
            context,
            lang,
            refusal.reason,
            wb_example=START_EXAMPLE,
            zone=zone.key,
            **refusal.context(),
        )
        return
    conv.data["field"] = conv.step
    await _step(context, conv, "confirm")
    markup = console_keyboard(
        [
            [
                button(services.texts.label(lang, "organizer.confirm"), PREFIX, conv, "yes"),
                button(services.texts.label(lang, "organizer.cancel"), PREFIX, conv, "x"),
            ]
        ]
    )
    notified = await OverrideStore(services.db).registrants_to_notify(webinar.id)
    await reply(
        update,
        context,
        lang,
        "webinar_confirm",
        markup,
        **_change(conv, webinar),
        zone=zone.key,
        wb_notified=notified,
    )


def _change(conv: Conversation, webinar: Webinar) -> dict[str, object]:
    """The template values describing the pending change (old and new)."""
    field, value = conv.data["field"], conv.data["value"]
    return {
        "title": webinar.title_for(conv.data["lang"]),
        "wb_field": field,
        "wb_old_start": webinar.starts_at,
        "wb_new_start": from_iso(value) if field == "start" else None,
        "wb_old_link": webinar.join_url,
        "wb_new_link": value if field == "link" else None,
    }


async def _apply(update: Update, context: BotContext, conv: Conversation) -> None:
    """Store the confirmed change, record it, and apply it through the reminders."""
    services, lang = context.services, conv.data["lang"]
    now, zone = services.clock.now(), services.series.timezone
    webinar = services.series.webinar(str(conv.data.get("webinar")))
    field, value = conv.data.get("field"), str(conv.data.get("value"))
    if webinar is None or field not in FIELDS:
        await refuse_press(update, context, conv)
        return
    if field == "start" and from_iso(value) <= now:  # time passed while the question was open
        await services.conversations.delete(conv.telegram_id)
        await _answer(update)
        await show(
            context,
            pressed_message(update),
            conv.telegram_id,
            services.texts.render(
                lang,
                "webinar_error_start",
                wb_problem="past",
                wb_example=START_EXAMPLE,
                zone=zone.key,
            ),
        )
        return
    details = _change(conv, webinar)
    store = OverrideStore(services.db)
    if field == "start":
        await store.set(webinar.id, starts_at=from_iso(value), changed_by=conv.telegram_id, now=now)
    else:
        await store.set(webinar.id, join_url=value, changed_by=conv.telegram_id, now=now)
    await services.conversations.delete(conv.telegram_id)
    await _answer(update)
    await apply_series(services, await series_with_overrides(services.db, services.series))
    notified = await store.notices_queued(webinar.id)
    old = to_iso(webinar.starts_at) if field == "start" else webinar.join_url
    await record_action(
        context,
        conv.telegram_id,
        "webinar.moved" if field == "start" else "webinar.link_changed",
        webinar=webinar.id,
        old=old,
        new=value,
        notified=notified,
    )
    log.info("webinar %s: %s changed in the chat, %d change notices", webinar.id, field, notified)
    await show(
        context,
        pressed_message(update),
        conv.telegram_id,
        services.texts.render(lang, "webinar_done", **details, zone=zone.key, wb_notified=notified),
    )


async def _cancel(update: Update, context: BotContext, conv: Conversation) -> None:
    """End the conversation without changing anything."""
    await context.services.conversations.delete(conv.telegram_id)
    await _answer(update)
    await show(
        context,
        pressed_message(update),
        conv.telegram_id,
        context.services.texts.render(conv.data["lang"], "webinar_cancelled"),
    )


async def _answer(update: Update) -> None:
    """Acknowledge the pressed button without a toast."""
    assert update.callback_query is not None
    await update.callback_query.answer()


async def _step(context: BotContext, conv: Conversation, step: str) -> None:
    """Save the conversation at a new step."""
    conv.step = step
    await context.services.conversations.save(conv, context.services.clock.now())


def _short(title: str, limit: int = 48) -> str:
    """A title short enough for a button."""
    return title if len(title) <= limit else title[: limit - 1] + "…"

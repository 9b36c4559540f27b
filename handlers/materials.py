"""/materials: for participants, the materials of their webinars; for organizers, adding some.

Organizers pick the webinar, type one item per line (`Title | link`, `recording | link`), see a
preview, then Confirm or Cancel. Confirmed additions are stored in webinar_overrides (applied over
the series file at start-up and on SIGHUP too) and reach participants through the outbox: right
away when the webinar's follow-up time has passed, else after the webinar.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardMarkup, LinkPreviewOptions
from telegram.constants import ParseMode

from bot.domain.materials import (
    Material,
    MaterialError,
    decode_materials,
    encode_materials,
    parse_typed,
)
from bot.domain.overrides import series_with_overrides
from bot.domain.validation import Invalid
from bot.render.callback_data import MATERIALS
from handlers.access import is_organizer, record_action
from handlers.console import (
    button,
    claim_press,
    open_conversation,
    pressed_message,
    refuse_press,
    reply,
    show,
)
from handlers.flow import language_of
from storage.overrides import OverrideStore

if TYPE_CHECKING:
    from telegram import Update

    from bot.domain.series import Webinar
    from bot.render.callback_data import Press
    from bot.services import BotContext
    from storage.conversations import Conversation

log = logging.getLogger(__name__)

FLOW = "materials"
PREFIX = MATERIALS


def _items(materials: tuple[Material, ...] | list[dict[str, str]]) -> list[dict[str, str]]:
    """Materials as template rows."""
    return [m if isinstance(m, dict) else {"title": m.title, "url": m.url} for m in materials]


async def materials_command(update: Update, context: BotContext) -> None:
    """Organizers add materials; everyone else sees those of their webinars."""
    user = update.effective_user
    if user is not None and await is_organizer(context, user.id):
        await _console(context, user)
    else:
        await _listing(update, context)


async def _listing(update: Update, context: BotContext) -> None:
    """List the materials and recordings of the webinars the participant registered for."""
    services, user, chat = context.services, update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    participant = await services.participants.get(user.id)
    lang = await language_of(context, user)
    mine = set(participant.webinar_ids) if participant else set()
    shown = [
        {
            "title": w.title_for(lang),
            "materials": _items(w.materials),
            "recording_url": w.recording_url,
        }
        for w in services.series.webinars
        if w.id in mine and (w.materials or w.recording_url)
    ]
    await chat.send_message(
        services.texts.render(lang, "materials_list", mt_webinars=shown),
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )


async def _console(context: BotContext, user: Any) -> None:
    """The webinars as buttons."""
    conv = await open_conversation(context, user, FLOW, "pick")
    services, lang = context.services, conv.data["lang"]
    rows = [
        [button(f"{n}. {_short(w.title_for(lang))}", PREFIX, conv, "w", w.id)]
        for n, w in enumerate(services.series.webinars, 1)
    ]
    rows.append([button(services.texts.label(lang, "organizer.cancel"), PREFIX, conv, "x")])
    text = services.texts.render(lang, "materials_pick")
    await show(context, None, user.id, text, InlineKeyboardMarkup(rows))


async def materials_button(update: Update, context: BotContext, press: Press) -> None:
    """A press on one of the organizer's /materials messages."""
    claimed = await claim_press(update, context, FLOW, press)
    if claimed is None:
        return
    conv, parts = claimed
    services, lang = context.services, conv.data["lang"]
    webinar = services.series.webinar(str(conv.data.get("webinar", "")))
    if parts == ["x"]:
        await services.conversations.delete(conv.telegram_id)
        await _answer(update)
        await show(
            context,
            pressed_message(update),
            conv.telegram_id,
            services.texts.render(lang, "materials_cancelled"),
        )
    elif conv.step == "pick" and len(parts) == 2 and parts[0] == "w":
        await _picked(update, context, conv, parts[1])
    elif conv.step == "confirm" and parts == ["yes"] and webinar is not None:
        await _apply(update, context, conv, webinar)
    else:
        await refuse_press(update, context, conv)


async def _picked(update: Update, context: BotContext, conv: Conversation, webinar_id: str) -> None:
    """Show what the webinar has and ask for the additions."""
    services, lang = context.services, conv.data["lang"]
    webinar = services.series.webinar(webinar_id)
    if webinar is None:
        await refuse_press(update, context, conv)
        return
    conv.data["webinar"] = webinar.id
    await _step(context, conv, "items")
    markup = InlineKeyboardMarkup(
        [[button(services.texts.label(lang, "organizer.cancel"), PREFIX, conv, "x")]]
    )
    text = services.texts.render(
        lang,
        "materials_ask",
        title=webinar.title_for(lang),
        materials=_items(webinar.materials),
        recording_url=webinar.recording_url,
    )
    await _answer(update)
    await show(context, pressed_message(update), conv.telegram_id, text, markup)


async def text_answer(update: Update, context: BotContext, conv: Conversation) -> None:
    """The typed items: check them all, then preview with Confirm and Cancel."""
    message = update.effective_message
    assert message is not None
    services, lang = context.services, conv.data["lang"]
    webinar = services.series.webinar(str(conv.data.get("webinar", "")))
    if conv.step != "items" or webinar is None:
        await reply(update, context, lang, "console_use_buttons")
        return
    try:
        materials, recording = parse_typed(message.text)
    except Invalid as refusal:
        await reply(update, context, lang, refusal.reason, **refusal.context())
        return
    conv.data["materials"] = _items(materials)
    conv.data["recording_url"] = recording
    await _step(context, conv, "confirm")
    label = services.texts.label
    markup = InlineKeyboardMarkup(
        [
            [
                button(label(lang, "organizer.confirm"), PREFIX, conv, "yes"),
                button(label(lang, "organizer.cancel"), PREFIX, conv, "x"),
            ]
        ]
    )
    await reply(
        update,
        context,
        lang,
        "materials_confirm",
        markup,
        title=webinar.title_for(lang),
        materials=conv.data["materials"],
        recording_url=recording,
        mt_due=_due(context, webinar),
    )


async def _apply(update: Update, context: BotContext, conv: Conversation, webinar: Webinar) -> None:
    """Store the confirmed additions, apply them and wake the sender."""
    services, lang = context.services, conv.data["lang"]
    typed = conv.data.get("materials") or []
    added = tuple(Material(str(m["title"]), str(m["url"])) for m in typed)
    store = OverrideStore(services.db)
    keys = {m.key for m in webinar.materials}
    stored = await _added_before(store, webinar.id) + tuple(m for m in added if m.key not in keys)
    recording = conv.data.get("recording_url")
    await store.set_materials(
        webinar.id,
        materials=encode_materials(stored) if stored else None,
        recording_url=str(recording) if recording else None,
        changed_by=conv.telegram_id,
        now=services.clock.now(),
    )
    await services.conversations.delete(conv.telegram_id)
    await _answer(update)
    services.series = await series_with_overrides(services.db, services.series)
    if services.sender is not None:
        services.sender.wake()
    await record_action(
        context,
        conv.telegram_id,
        "webinar.materials_added",
        webinar=webinar.id,
        materials=len(added),
        recording=bool(recording),
    )
    log.info("webinar %s: %d materials added in the chat", webinar.id, len(added))
    text = services.texts.render(
        lang, "materials_done", title=webinar.title_for(lang), mt_due=_due(context, webinar)
    )
    await show(context, pressed_message(update), conv.telegram_id, text)


def _due(context: BotContext, webinar: Webinar) -> bool:
    """Whether the webinar's follow-up time has come (additions are then sent at once)."""
    series = context.services.series
    return context.services.clock.now() >= webinar.ends_at + series.feedback_after


async def _added_before(store: OverrideStore, webinar_id: str) -> tuple[Material, ...]:
    """The materials organizers added to this webinar in the chat before."""
    row = next((r for r in await store.all() if r["webinar_id"] == webinar_id), None)
    if row is None or not row.get("materials"):
        return ()
    try:
        return decode_materials(str(row["materials"]))
    except MaterialError:
        log.warning("webinar %s: unreadable materials override replaced", webinar_id)
        return ()


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

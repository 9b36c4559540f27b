"""Shared parts of the organizer console (/organizers, /webinar): checks and buttons.

Every console button carries `<prefix>:<token>:<step>:...`. A press counts only when the presser
is an organizer *now* and has an open conversation of that flow whose random token and step
(stored in SQLite) match the button; anything else, such as a button replayed or forwarded to
someone else, or an old menu, gets the generic invalid-button toast and nothing more.
"""

from __future__ import annotations

import hmac
import secrets
from typing import Any

from telegram import InlineKeyboardButton, Message, Update, User
from telegram.constants import ParseMode

from bot.domain.catalogue import language_for
from bot.services import BotContext
from handlers.access import is_organizer
from handlers.account import unknown
from storage.conversations import Conversation


def organizer_language(user: User | None) -> str:
    """The organizer's language, from Telegram's language code."""
    return language_for(user.language_code if user else None)


def new_token() -> str:
    """A fresh random token that binds buttons to one conversation."""
    return secrets.token_hex(4)


def button(text: str, prefix: str, conv: Conversation, *parts: str) -> InlineKeyboardButton:
    """A console button for the conversation's current step."""
    data = ":".join((prefix, str(conv.data["token"]), conv.step, *parts))
    return InlineKeyboardButton(text, callback_data=data)


async def organizer_or_unknown(update: Update, context: BotContext) -> User | None:
    """The sender when an organizer; otherwise the generic "did not understand" reply."""
    user = update.effective_user
    if update.effective_chat is None or not await is_organizer(context, user.id if user else None):
        await unknown(update, context)  # others learn nothing, not even that it exists
        return None
    return user


async def open_conversation(
    context: BotContext, user: User, flow: str, step: str, **data: Any
) -> Conversation:
    """Start (replacing any other) a console conversation with a fresh token."""
    conv = Conversation(
        user.id, flow, step, {"token": new_token(), "lang": organizer_language(user), **data}
    )
    await context.services.conversations.save(conv, context.services.clock.now())
    return conv


async def claim_press(
    update: Update, context: BotContext, flow: str
) -> tuple[Conversation, list[str]] | None:
    """The conversation a console button belongs to and the rest of its data, or None.

    None means the press was refused: it was already answered with the invalid-button toast.
    """
    query = update.callback_query
    assert query is not None
    services, user = context.services, query.from_user
    parts = (query.data or "").split(":")
    conv = None
    if await is_organizer(context, user.id):
        conv = await services.conversations.get(user.id)
    token = str(conv.data.get("token", "")) if conv is not None else ""
    if (
        conv is None
        or conv.flow != flow
        or len(parts) < 3
        or not token
        or not hmac.compare_digest(parts[1].encode(), token.encode())
        or parts[2] != conv.step
    ):
        await query.answer(services.texts.label(organizer_language(user), "toasts.invalid"))
        return None
    return conv, parts[3:]


async def refuse_press(update: Update, context: BotContext, conv: Conversation) -> None:
    """Answer a press whose data does not fit its step with the invalid-button toast."""
    query = update.callback_query
    assert query is not None
    await query.answer(context.services.texts.label(conv.data["lang"], "toasts.invalid"))


async def still_organizer(update: Update, context: BotContext, conv: Conversation) -> bool:
    """For typed answers: end the conversation of someone who is no longer an organizer."""
    user = update.effective_user
    if await is_organizer(context, user.id if user else None):
        return True
    await context.services.conversations.delete(conv.telegram_id)
    await unknown(update, context)
    return False


async def show(
    context: BotContext, message: Message | None, chat_id: int, text: str, markup: Any = None
) -> None:
    """Replace a console message in place, or send a new one when there is none."""
    if message is not None:
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)
    else:
        await context.bot.send_message(
            chat_id, text, parse_mode=ParseMode.HTML, reply_markup=markup
        )


def pressed_message(update: Update) -> Message | None:
    """The message whose button was pressed, when it is still accessible."""
    query = update.callback_query
    return query.message if query is not None and isinstance(query.message, Message) else None


async def reply(
    update: Update, context: BotContext, lang: str, template: str, markup: Any = None, **values: Any
) -> None:
    """Send a rendered template as a reply to the organizer's message."""
    assert update.effective_chat is not None
    await update.effective_chat.send_message(
        context.services.texts.render(lang, template, **values),
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
    )

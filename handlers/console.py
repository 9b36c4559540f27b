"""Shared parts of the organizer console (/organizers, /webinar): checks and buttons.

Every console button carries `<prefix>:<token>:<step>:...`. A press counts only when the presser
is an organizer *now* (the router checks it, and ends the conversation of someone who is no
longer one) and has an open conversation of that flow whose random token and step
(stored in SQLite) match the button; anything else, such as a button replayed or forwarded to
someone else, or an old menu, gets the generic invalid-button toast and nothing more.
"""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardButton, Message, Update, User

from bot.render import callback_data
from bot.render.keyboards import callback_button
from handlers.flow import user_language
from storage.conversations import Conversation

if TYPE_CHECKING:
    from bot.render.callback_data import Press
    from bot.services import BotContext


def new_token() -> str:
    """A fresh random token that binds buttons to one conversation."""
    return secrets.token_hex(4)


def button(text: str, prefix: str, conv: Conversation, *parts: str) -> InlineKeyboardButton:
    """A console button for the conversation's current step."""
    return callback_button(
        text, callback_data.console(prefix, str(conv.data["token"]), conv.step, *parts)
    )


async def open_conversation(
    context: BotContext, user: User, flow: str, step: str, **data: Any
) -> Conversation:
    """Start (replacing any other) a console conversation with a fresh token."""
    conv = Conversation(
        user.id, flow, step, {"token": new_token(), "lang": user_language(user), **data}
    )
    await context.services.conversations.save(conv, context.services.clock.now())
    return conv


async def claim_press(
    update: Update, context: BotContext, flow: str, press: Press
) -> tuple[Conversation, list[str]] | None:
    """The conversation a console button belongs to and the rest of its data, or None.

    The router has checked that the presser is an organizer now. None means the press was
    refused: it was already answered with the invalid-button toast.
    """
    query = update.callback_query
    assert query is not None
    services, user = context.services, query.from_user
    parts = [press.prefix, *press.parts]
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
        await query.answer(services.texts.label(user_language(user), "toasts.invalid"))
        return None
    return conv, parts[3:]


async def refuse_press(update: Update, context: BotContext, conv: Conversation) -> None:
    """Answer a press whose data does not fit its step with the invalid-button toast."""
    query = update.callback_query
    assert query is not None
    await query.answer(context.services.texts.label(conv.data["lang"], "toasts.invalid"))


async def show(
    context: BotContext, message: Message | None, chat_id: int, text: str, markup: Any = None
) -> None:
    """Replace a console message in place, or send a new one when there is none."""
    if message is not None:
        await message.edit_text(text, reply_markup=markup)
    else:
        await context.bot.send_message(chat_id, text, reply_markup=markup)


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
        reply_markup=markup,
    )

"""The one way in for button presses and for typed text and media: looked up in the registry.

A press is parsed by bot.render.callback_data and handed to the flow owning its prefix; a
message (text, photo or document) goes to the flow of the sender's open conversation. Flows
for organizers are checked here, on every press and every message: someone who is no longer an
organizer gets the invalid-button toast, or has their conversation ended and the generic "did
not understand" reply. Anything else that fits no flow is answered politely and changes nothing.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.render import callback_data
from handlers.access import is_organizer
from handlers.flow import unknown, user_language
from handlers.flows import BY_NAME, BY_PREFIX, DOCUMENT_OUTSIDE_FLOW

if TYPE_CHECKING:
    from telegram import Update

    from bot.services import BotContext


async def route_button(update: Update, context: BotContext) -> None:
    """Hand a button press to its flow, or answer it as not valid."""
    query = update.callback_query
    assert query is not None
    press = callback_data.parse(query.data)
    flow = BY_PREFIX.get(press.prefix) if press is not None else None
    if (
        press is None
        or flow is None
        or (flow.organizers_only and not await is_organizer(context, query.from_user.id))
    ):
        texts = context.services.texts
        await query.answer(texts.label(user_language(query.from_user), "toasts.invalid"))
        return
    await flow.on_button(update, context, press)


async def route_message(update: Update, context: BotContext) -> None:
    """Hand typed text or media to the open conversation's flow, or point to /help."""
    services, user = context.services, update.effective_user
    if user is None or update.effective_message is None:
        return
    conv = await services.conversations.get(user.id)
    if conv is None and update.effective_message.document is not None:
        await DOCUMENT_OUTSIDE_FLOW(update, context)
        return
    flow = BY_NAME.get(conv.flow) if conv is not None else None
    if conv is None or flow is None or flow.on_text is None:
        await unknown(update, context)
        return
    if flow.organizers_only and not await is_organizer(context, user.id):
        await services.conversations.delete(user.id)
        await unknown(update, context)
        return
    await flow.on_text(update, context, conv)

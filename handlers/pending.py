"""Approval of registrations: /pending and the Approve and Decline buttons (organizers only).

The buttons sit under a digest line or a /pending entry. Whatever the press finds (decided now,
decided before by another organizer, or nothing waiting any more because the participant
erased their data or changed their choice), it changes nothing twice: the organizer gets a
toast saying so and the message's buttons give way to the decision.
"""

from __future__ import annotations

from html import unescape
from typing import TYPE_CHECKING

from telegram import Message, Update

from bot.delivery.approval import (
    CHOICES,
    PENDING_SHOWN,
    decide,
    decision_line,
    pending_entries,
)
from handlers.access import organizers_only
from handlers.flow import language_of

if TYPE_CHECKING:
    from bot.render.callback_data import Press
    from bot.services import BotContext


@organizers_only
async def pending_command(update: Update, context: BotContext) -> None:
    """List the participants awaiting approval, oldest first, each with Approve and Decline."""
    services, chat = context.services, update.effective_chat
    assert chat is not None
    lang = await language_of(context, update.effective_user)
    total, entries = await pending_entries(services, lang)
    await chat.send_message(
        services.texts.render(lang, "pending_list", total=total, shown=PENDING_SHOWN)
    )
    for text, markup in entries:
        await chat.send_message(text, reply_markup=markup)


async def decision_button(update: Update, context: BotContext, press: Press) -> None:
    """Approve or decline a participant's waiting registration (the router checked the role)."""
    query, services = update.callback_query, context.services
    assert query is not None
    organizer = query.from_user
    lang = await language_of(context, organizer)
    choice, participant = press.part(0), press.part(1)
    if choice not in CHOICES or not participant.isdigit():
        await query.answer(services.texts.label(lang, "toasts.invalid"))
        return
    name = organizer.full_name or str(organizer.id)
    decision = await decide(services, int(participant), choice, organizer.id, name)
    line = decision_line(services, lang, decision, name)
    fresh = decision.outcome in CHOICES.values()
    await query.answer(
        services.texts.label(lang, f"toasts.{decision.outcome}") if fresh else unescape(line)
    )
    message = query.message if isinstance(query.message, Message) else None
    if message is not None and message.text is not None and unescape(line) not in message.text:
        decided = "\n\n".join((message.text_html, line))
        await message.edit_text(decided, reply_markup=None)

"""A participant's own account: /profile and its edits, /mydata, /forget, /help, /cancel."""

from __future__ import annotations

import io
import json
import logging
from typing import TYPE_CHECKING

from telegram import InputFile, Message, Update

from bot.clock import from_iso
from bot.delivery.enrolment import after_joining
from bot.delivery.waiting_list import capacities, grant_free_seats, seats_to_give_up
from bot.domain.questions import anonymous_answer_keys
from bot.domain.registration import EDITABLE_FIELDS, reset_field
from bot.render.keyboards import forget_keyboard, mydata_file_keyboard, profile_keyboard
from bot.render.views import profile_view, webinar_rows
from handlers.access import is_organizer
from handlers.flow import (
    advance,
    draft_language,
    language_of,
    participant_language,
    replace_or_send,
    send_prompt,
    user_language,
)
from storage.conversations import Conversation

if TYPE_CHECKING:
    from bot.render.callback_data import Press
    from bot.services import BotContext, Services
    from storage.participants import Participant

log = logging.getLogger(__name__)

# The button under /mydata that sends it all as a JSON file.


async def show_profile(
    update: Update, context: BotContext, participant: Participant, template: str = "profile"
) -> None:
    """Send the participant's profile card with a button per field."""
    services = context.services
    data = participant.profile()
    view = profile_view(services.texts, services.series, data, services.clock.now())
    assert update.effective_chat is not None
    await update.effective_chat.send_message(
        services.texts.render(participant.language, template, p=view),
        reply_markup=profile_keyboard(services.texts, participant.language),
    )


def waiting_notice(services: Services, participant: Participant) -> str | None:
    """Which of a participant's webinars were full, and their place on each list (or None)."""
    waiting = participant.waiting_list
    if not waiting:
        return None
    rows = webinar_rows(services.series, participant.language, list(waiting), waiting=waiting)
    return services.texts.render(participant.language, "waiting_list", waiting=rows)


async def registered_or_explain(update: Update, context: BotContext) -> Participant | None:
    """The sender as a registered participant; otherwise say how to register and return None."""
    user = update.effective_user
    assert user is not None and update.effective_chat is not None
    participant = await context.services.participants.get(user.id)
    if participant is None:
        await no_data(update, context)
    return participant


async def profile(update: Update, context: BotContext) -> None:
    """Show the participant's registration, or explain how to register."""
    participant = await registered_or_explain(update, context)
    if participant is not None:
        await show_profile(update, context, participant)


async def profile_field(update: Update, context: BotContext, field: str) -> None:
    """Start changing one field chosen under /profile (or /settings)."""
    query, services = update.callback_query, context.services
    assert query is not None
    participant = await services.participants.get(query.from_user.id)
    lang = participant_language(participant, query.from_user)
    if participant is None:
        await query.answer(services.texts.label(lang, "toasts.stale"))
        return
    if field not in EDITABLE_FIELDS:
        await query.answer(services.texts.label(lang, "toasts.invalid"))
        return
    draft = participant.profile()
    draft["consent_at"] = participant.consent_at
    draft["previous_timezone"] = participant.timezone
    reset_field(draft, field)
    conv = Conversation(participant.telegram_id or query.from_user.id, "profile", "", draft)
    advance(services, conv)
    await services.conversations.save(conv, services.clock.now())
    await query.answer()
    await send_prompt(context, query.from_user.id, conv)


async def save_profile_edit(
    context: BotContext, chat_id: int, conv: Conversation, message: Message | None
) -> None:
    """Write a finished profile edit and show the updated profile (in place when pressed)."""
    services = context.services
    changes = {k: v for k, v in conv.data.items() if k not in ("consent_at", "previous_timezone")}
    before = await services.participants.get(conv.telegram_id)
    participant = await services.participants.update_profile(
        conv.telegram_id,
        changes,
        services.clock.now(),
        approval=services.series.approval,
        capacities=capacities(services.series),
    )
    await services.conversations.delete(conv.telegram_id)
    if participant is None or before is None:
        return
    kept = set(participant.profile()["webinars"])
    await grant_free_seats(services, [w for w in before.webinar_ids if w not in kept])
    added = [w for w in participant.webinar_ids if w not in before.webinar_ids]
    if added:
        await after_joining(services, participant.id, added)
    data = participant.profile()
    view = profile_view(services.texts, services.series, data, services.clock.now())
    await replace_or_send(
        context,
        message,
        chat_id,
        services.texts.render(participant.language, "profile", p=view),
        profile_keyboard(services.texts, participant.language),
    )


async def mydata(update: Update, context: BotContext) -> None:
    """Show everything stored about the user."""
    services, user = context.services, update.effective_user
    assert user is not None and update.effective_chat is not None
    participant = await services.participants.get(user.id)
    if participant is None:
        await no_data(update, context)
        return
    conv = await services.conversations.get(user.id)
    data = participant.profile()
    view = profile_view(services.texts, services.series, data, services.clock.now())
    await update.effective_chat.send_message(
        services.texts.render(
            participant.language,
            "mydata",
            p=view,
            telegram_id=user.id,
            registered_at=from_iso(participant.registered_at),
            consent_at=from_iso(participant.consent_at),
            consent_version=participant.consent_version,
            updated_at=from_iso(participant.updated_at),
            draft=conv.step if conv else None,
            stored=await services.participants.everything(user.id),
        ),
        reply_markup=mydata_file_keyboard(services.texts, participant.language),
    )


async def mydata_file(update: Update, context: BotContext, press: Press) -> None:
    """Send everything stored about the user as a JSON file (data portability)."""
    del press  # one button, no parts to read
    query, services = update.callback_query, context.services
    assert query is not None
    stored = await services.participants.everything(query.from_user.id)
    await query.answer()
    if stored is None:
        await context.bot.send_message(
            query.from_user.id,
            services.texts.render(user_language(query.from_user), "no_data", draft=None),
        )
        return
    body = json.dumps(stored, ensure_ascii=False, indent=2, sort_keys=True).encode()
    await context.bot.send_document(
        query.from_user.id, InputFile(io.BytesIO(body), filename="mydata.json")
    )


async def no_data(update: Update, context: BotContext) -> None:
    """Say that nothing personal is stored (beyond an unfinished draft)."""
    services, user = context.services, update.effective_user
    assert user is not None and update.effective_chat is not None
    conv = await services.conversations.get(user.id)
    await update.effective_chat.send_message(
        services.texts.render(
            draft_language(conv, user), "no_data", draft=conv.step if conv else None
        ),
    )


async def forget(update: Update, context: BotContext) -> None:
    """Ask for confirmation before erasing the participant's personal data."""
    services, user = context.services, update.effective_user
    assert user is not None and update.effective_chat is not None
    participant = await services.participants.get(user.id)
    if participant is None:
        await services.conversations.delete(user.id)
        await no_data(update, context)
        return
    conv = Conversation(user.id, "forget", "confirm", {"language": participant.language})
    await services.conversations.save(conv, services.clock.now())
    await update.effective_chat.send_message(
        services.texts.render(participant.language, "forget_confirm"),
        reply_markup=forget_keyboard(services.texts, participant.language),
    )


async def forget_button(update: Update, context: BotContext, press: Press) -> None:
    """Erase the data, or keep it, as the participant chose."""
    query, services = update.callback_query, context.services
    assert query is not None
    conv = await services.conversations.get(query.from_user.id)
    lang = draft_language(conv, query.from_user)
    choice = press.part(1)
    if (
        conv is None
        or conv.flow != "forget"
        or press.part(0) != "confirm"
        or choice not in ("yes", "no")
    ):
        await query.answer(services.texts.label(lang, "toasts.stale"))
        return
    await services.conversations.delete(query.from_user.id)
    if choice == "yes":
        participant = await services.participants.get(query.from_user.id)
        freed = seats_to_give_up(
            services.series,
            participant.webinar_ids if participant else (),
            services.clock.now(),
        )
        await services.participants.erase(
            query.from_user.id,
            services.clock.now(),
            anonymous_answer_keys(w.questions for w in services.series.webinars),
            freed,
        )
        log.info("a participant erased their personal data")
        await grant_free_seats(services, freed)
    await query.answer()
    message = query.message if isinstance(query.message, Message) else None
    await replace_or_send(
        context,
        message,
        query.from_user.id,
        services.texts.render(lang, "forgotten" if choice == "yes" else "forget_kept"),
    )


async def help_command(update: Update, context: BotContext) -> None:
    """Explain what the bot does and list its commands (organizers also see theirs)."""
    services, user = context.services, update.effective_user
    assert update.effective_chat is not None
    lang = await language_of(context, user)
    organizer = await is_organizer(context, user.id if user else None)
    await update.effective_chat.send_message(
        services.texts.render(
            lang, "help", series_title=services.series.title_for(lang), organizer=organizer
        ),
    )


async def cancel(update: Update, context: BotContext) -> None:
    """End whatever conversation is open, keeping nothing from it."""
    services, user = context.services, update.effective_user
    assert user is not None and update.effective_chat is not None
    lang = await language_of(context, user)
    ended = await services.conversations.delete(user.id)
    await update.effective_chat.send_message(
        services.texts.render(lang, "cancelled" if ended else "nothing_to_cancel"),
    )

"""Registration: /start, the questions' buttons and typed answers, consent and confirmation."""

from __future__ import annotations

import logging

from telegram import Message, Update
from telegram.constants import ParseMode

from bot.clock import to_iso
from bot.delivery.enrolment import after_joining
from bot.domain.registration import (
    EDITABLE_FIELDS,
    TEXT_STEPS,
    Step,
    answer_button,
    answer_text,
    check_code,
    give_consent,
    reset_field,
    start_draft,
)
from bot.domain.validation import Invalid, clean_payload
from bot.services import BotContext
from handlers.account import save_profile_edit, show_profile
from handlers.broadcast import answer as broadcast_answer
from handlers.flow import (
    FLOW_NAMES,
    advance,
    answer_label,
    draft_language,
    prompt,
    replace_or_send,
    send_prompt,
    show_next,
)
from handlers.materials import text_answer as materials_text_answer
from handlers.organizers import text_answer as organizers_text_answer
from handlers.schedule import send_calendar
from handlers.speaker_questions import text_answer as question_text_answer
from handlers.survey import text_answer as survey_text_answer
from handlers.webinar_edit import text_answer as webinar_text_answer
from storage.conversations import Conversation
from storage.participants import AlreadyRegistered

log = logging.getLogger(__name__)

# Typed answers of the organizer console's conversations, by flow.
CONSOLE_TEXT_ANSWERS = {
    "organizers": organizers_text_answer,
    "webinar": webinar_text_answer,
    "materials": materials_text_answer,
    "ask": question_text_answer,
}


async def start(update: Update, context: BotContext) -> None:
    """Begin (or resume) registration; a registered participant sees their profile."""
    services, user = context.services, update.effective_user
    assert user is not None and update.effective_chat is not None
    participant = await services.participants.get(user.id)
    if participant is not None:
        await show_profile(update, context, participant)
        return
    conv = await services.conversations.get(user.id)
    if conv is not None and conv.flow == "register":
        lang = draft_language(conv, user)
        await update.effective_chat.send_message(
            services.texts.render(lang, "resume"), parse_mode=ParseMode.HTML
        )
    else:
        payload = clean_payload(context.args[0]) if context.args else None
        draft = start_draft(
            payload,
            services.webinar_ids,
            services.series.registration_code,
            draft_language(None, user),
        )
        conv = Conversation(user.id, "register", "", draft)
        advance(services, conv)
        await services.conversations.save(conv, services.clock.now())
    await send_prompt(context, update.effective_chat.id, conv)


async def button(update: Update, context: BotContext) -> None:
    """Apply a pressed question button (registration or profile edit)."""
    query, services = update.callback_query, context.services
    assert query is not None and query.data is not None
    flow_code, step_name, value = (query.data.split(":", 2) + ["", ""])[:3]
    user_id = query.from_user.id
    conv = await services.conversations.get(user_id)
    lang = draft_language(conv, query.from_user)
    if conv is None or conv.flow != FLOW_NAMES.get(flow_code) or conv.step != step_name:
        await query.answer(services.texts.label(lang, "toasts.stale"))
        return
    step = Step(conv.step)
    message = query.message if isinstance(query.message, Message) else None
    if step is Step.CONFIRM and conv.flow == "profile":
        await query.answer()
        await save_profile_edit(context, user_id, conv, message)
        return
    if step is Step.CONFIRM:
        await _confirm(update, context, conv, value, message)
        return
    if step is Step.CONSENT:
        if value not in ("yes", "no"):
            await query.answer(services.texts.label(lang, "toasts.invalid"))
            return
        if value == "no":
            await services.conversations.delete(user_id)
            await query.answer()
            await replace_or_send(
                context, message, user_id, services.texts.render(lang, "consent_declined")
            )
            return
        give_consent(conv.data, to_iso(services.clock.now()))
    elif step is Step.EDIT_MENU:
        if value not in EDITABLE_FIELDS:
            await query.answer(services.texts.label(lang, "toasts.invalid"))
            return
        reset_field(conv.data, value)
    else:
        try:
            finished = answer_button(conv.data, step, value, services.webinar_ids)
        except Invalid as refusal:
            toast = (
                "toasts.choose_webinar"
                if refusal.reason == "error_no_webinar"
                else ("toasts.invalid")
            )
            await query.answer(services.texts.label(lang, toast))
            return
        if not finished:
            await services.conversations.save(conv, services.clock.now())
            await query.answer()
            await _refresh(context, message, conv)
            return
    answered_lang = draft_language(conv, query.from_user)
    label = answer_label(services, answered_lang, step, value, conv.data)
    advance(services, conv)
    await services.conversations.save(conv, services.clock.now())
    await query.answer()
    if conv.flow == "profile" and conv.step == Step.CONFIRM:
        await save_profile_edit(context, user_id, conv, message)
        return
    await show_next(context, message, user_id, conv, label)


async def _refresh(context: BotContext, message: Message | None, conv: Conversation) -> None:
    """Redraw a question in place (the webinar choice after a toggle)."""
    if message is None:
        return
    text, markup = prompt(context.services, conv, draft_language(conv, None))
    await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


async def _confirm(
    update: Update, context: BotContext, conv: Conversation, value: str, message: Message | None
) -> None:
    """Store the registration on Confirm, or open the edit menu on Edit."""
    query, services = update.callback_query, context.services
    assert query is not None
    lang = draft_language(conv, query.from_user)
    if value == "edit":
        conv.step = Step.EDIT_MENU
        await services.conversations.save(conv, services.clock.now())
        await query.answer()
        await show_next(context, message, query.from_user.id, conv)
        return
    if value != "ok":
        await query.answer(services.texts.label(lang, "toasts.invalid"))
        return
    try:
        participant = await services.participants.create(
            query.from_user.id, conv.data, services.clock.now()
        )
    except AlreadyRegistered:
        await services.conversations.delete(query.from_user.id)
        await query.answer(services.texts.label(lang, "toasts.already_registered"))
        return
    await services.conversations.delete(query.from_user.id)
    await query.answer()
    log.info(
        "participant %s registered for %d webinars", participant.id, len(participant.webinar_ids)
    )
    await replace_or_send(
        context,
        message,
        query.from_user.id,
        services.texts.render(
            lang, "registered", name=participant.full_name, timezone=participant.timezone
        ),
    )
    await send_calendar(context, query.from_user.id, participant, lang)
    await after_joining(services, participant.id, participant.webinar_ids)


async def _after_answer(context: BotContext, chat_id: int, conv: Conversation) -> None:
    """After a typed answer: ask the next question, or save a finished profile edit."""
    if conv.flow == "profile" and conv.step == Step.CONFIRM:
        await save_profile_edit(context, chat_id, conv, None)
        return
    await send_prompt(context, chat_id, conv)


async def text_answer(update: Update, context: BotContext) -> None:
    """Take a typed answer to the open question, or point to /help when none is open."""
    services, user, message = context.services, update.effective_user, update.effective_message
    assert user is not None and message is not None
    conv = await services.conversations.get(user.id)
    lang = draft_language(conv, user)
    if conv is not None and conv.flow == "survey":
        await survey_text_answer(update, context, conv)
        return
    if conv is not None and conv.flow == "broadcast":
        await broadcast_answer(update, context, conv)
        return
    if conv is not None and conv.flow in CONSOLE_TEXT_ANSWERS:
        await CONSOLE_TEXT_ANSWERS[conv.flow](update, context, conv)
        return
    if conv is None or conv.flow == "forget":
        await message.reply_text(services.texts.render(lang, "unknown"), parse_mode=ParseMode.HTML)
        return
    step = Step(conv.step)
    if step not in TEXT_STEPS or not message.text:
        await message.reply_text(
            services.texts.render(lang, "use_buttons" if step not in TEXT_STEPS else "error_empty"),
            parse_mode=ParseMode.HTML,
        )
        await send_prompt(context, user.id, conv)
        return
    try:
        if step is Step.CODE:
            check_code(conv.data, message.text, services.series.registration_code)
        else:
            answer_text(conv.data, step, message.text)
    except Invalid as refusal:
        await message.reply_text(
            services.texts.render(lang, refusal.reason, **refusal.context()),
            parse_mode=ParseMode.HTML,
        )
        return
    advance(services, conv)
    await services.conversations.save(conv, services.clock.now())
    await _after_answer(context, user.id, conv)

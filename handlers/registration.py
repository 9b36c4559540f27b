"""Registration: /start, the questions' buttons and typed answers, consent and confirmation."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Message, Update

from bot.clock import to_iso
from bot.delivery.enrolment import after_joining
from bot.domain.catalogue import COUNTRIES, INSTITUTIONS, LANGUAGES, SEXES
from bot.domain.choice_matching import ALL, match_choice
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
from bot.render.keyboards import proposal_keyboard
from bot.render.views import zone_label
from handlers.account import profile_field, save_profile_edit, show_profile
from handlers.flow import (
    FLOW_CODES,
    FLOW_NAMES,
    advance,
    answer_label,
    draft_language,
    prompt,
    remember_prompt,
    replace_or_send,
    retire_prompt,
    send_prompt,
    show_next,
)
from handlers.schedule import send_calendar
from storage.conversations import Conversation
from storage.participants import AlreadyRegistered

if TYPE_CHECKING:
    from bot.render.callback_data import Press
    from bot.services import BotContext

log = logging.getLogger(__name__)

# Questions answered with buttons that also understand a typed answer: the kind of choice
# (the labels' section) and its values. WEBINARS understands "all of them".
TYPED_CHOICES: dict[Step, tuple[str, tuple[str, ...]]] = {
    Step.LANGUAGE: ("languages", LANGUAGES),
    Step.COUNTRY: ("countries", COUNTRIES),
    Step.INSTITUTION: ("institutions", INSTITUTIONS),
    Step.SEX: ("sexes", SEXES),
    Step.WEBINARS: ("webinars", (ALL,)),
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
        await retire_prompt(context, update.effective_chat.id, conv)
        await update.effective_chat.send_message(services.texts.render(lang, "resume"))
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


async def profile_button(update: Update, context: BotContext, press: Press) -> None:
    """A profile button: a field chosen under /profile, or an answer while changing one."""
    if press.part(0) == "menu":
        await profile_field(update, context, press.part(1))
    else:
        await button(update, context, press)


async def button(update: Update, context: BotContext, press: Press) -> None:
    """Apply a pressed question button (registration or profile edit)."""
    query, services = update.callback_query, context.services
    assert query is not None
    flow_code, step_name, value = press.prefix, press.part(0), press.part(1)
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
    await message.edit_text(text, reply_markup=markup)


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
            lang,
            "registered",
            name=participant.full_name,
            sex=participant.sex,
            timezone=zone_label(participant.timezone, services.clock.now(), lang),
        ),
    )
    await send_calendar(context, query.from_user.id, participant, lang)
    await after_joining(services, participant.id, participant.webinar_ids)


async def _after_answer(
    context: BotContext, chat_id: int, conv: Conversation, answer: str | None = None
) -> None:
    """After a typed answer: ask the next question, or save a finished profile edit."""
    if conv.flow == "profile" and conv.step == Step.CONFIRM:
        await save_profile_edit(context, chat_id, conv, None)
        return
    await send_prompt(context, chat_id, conv, answer)


async def _typed_choice(context: BotContext, chat_id: int, conv: Conversation, typed: str) -> None:
    """A typed answer to a question with buttons: take it, propose the closest, or ask again."""
    services = context.services
    step = Step(conv.step)
    kind, values = TYPED_CHOICES[step]
    labels: dict[str, list[str]] = (
        {ALL: []}
        if step is Step.WEBINARS
        else {v: [services.texts.label(lang, f"{kind}.{v}") for lang in LANGUAGES] for v in values}
    )
    found = match_choice(typed, kind, labels)
    lang = draft_language(conv, None)
    if found.value is not None:
        value = found.value
        if step is Step.WEBINARS:
            conv.data["webinar_choice"] = list(services.webinar_ids)
            value = "done"
        answer_button(conv.data, step, value, services.webinar_ids)
        label = answer_label(services, draft_language(conv, None), step, value, conv.data)
        await retire_prompt(context, chat_id, conv)
        advance(services, conv)
        await services.conversations.save(conv, services.clock.now())
        await _after_answer(context, chat_id, conv, label)
        return
    await retire_prompt(context, chat_id, conv)
    if found.proposals:
        options = [(v, answer_label(services, lang, step, v, conv.data)) for v in found.proposals]
        markup = proposal_keyboard(FLOW_CODES[conv.flow], step, options)
        sent = await context.bot.send_message(
            chat_id, services.texts.render(lang, "did_you_mean"), reply_markup=markup
        )
        await remember_prompt(context, conv, sent.message_id)
        return
    await context.bot.send_message(chat_id, services.texts.render(lang, "use_buttons"))
    await send_prompt(context, chat_id, conv)


async def text_answer(update: Update, context: BotContext, conv: Conversation) -> None:
    """Take a typed answer to the open registration or profile question."""
    services, user, message = context.services, update.effective_user, update.effective_message
    assert user is not None and message is not None
    lang = draft_language(conv, user)
    step = Step(conv.step)
    if step in TYPED_CHOICES and message.text:
        await _typed_choice(context, user.id, conv, message.text)
        return
    if step not in TEXT_STEPS or not message.text:
        await message.reply_text(
            services.texts.render(lang, "use_buttons" if step not in TEXT_STEPS else "error_empty"),
        )
        await retire_prompt(context, user.id, conv)
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
        )
        return
    advance(services, conv)
    await services.conversations.save(conv, services.clock.now())
    await _after_answer(context, user.id, conv)

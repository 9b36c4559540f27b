"""Registration: /start, the questions' buttons and typed answers, consent and confirmation."""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Message, Update

from bot.clock import from_iso, to_iso
from bot.delivery.digest import chats_to_tell
from bot.delivery.enrolment import after_joining
from bot.delivery.waiting_list import capacities
from bot.domain.catalogue import COUNTRIES, INSTITUTIONS, LANGUAGES, SEXES
from bot.domain.choice_matching import ALL, match_choice
from bot.domain.registration import (
    CODE_WINDOW,
    EDITABLE_FIELDS,
    TEXT_STEPS,
    Step,
    answer_button,
    answer_text,
    check_code,
    code_wait_minutes,
    give_consent,
    open_webinar_ids,
    reset_field,
    start_draft,
)
from bot.domain.validation import Invalid, clean_payload
from bot.render.keyboards import proposal_keyboard
from bot.render.views import zone_label
from handlers.account import profile_field, save_profile_edit, show_profile, waiting_notice
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
from storage.code_attempts import CodeAttemptStore
from storage.conversations import Conversation
from storage.outbox import CALENDAR_KIND
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
        still_open = open_webinar_ids(services.series.webinars, services.clock.now())
        draft["webinar_choice"] = [
            w for w in draft.get("webinar_choice", still_open) if w in still_open
        ]
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
    if conv is None or conv.flow != FLOW_NAMES.get(flow_code) or conv.step != step_name:
        lang = draft_language(conv, query.from_user)
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
    if not await _record(update, context, conv, value, message):
        return
    label = answer_label(services, draft_language(conv, query.from_user), step, value, conv.data)
    advance(services, conv)
    if conv.flow == "profile" and conv.step == Step.CONFIRM:
        await services.conversations.save(conv, services.clock.now())
        await query.answer()
        await save_profile_edit(context, user_id, conv, message)
    else:
        await show_next(context, message, user_id, conv, label, query)


async def _record(
    update: Update, context: BotContext, conv: Conversation, value: str, message: Message | None
) -> bool:
    """Record a pressed answer in the draft; False when the press was fully answered here.

    That is: a refused value (toast), a declined consent (the draft is dropped), or one more
    webinar toggled (the question is redrawn and stays open).
    """
    query, services = update.callback_query, context.services
    assert query is not None
    step, lang = Step(conv.step), draft_language(conv, query.from_user)
    toast = "toasts.invalid"
    if step is Step.CONSENT and value == "no":
        await services.conversations.delete(conv.telegram_id)
        await query.answer()
        declined = services.texts.render(lang, "consent_declined")
        await replace_or_send(context, message, conv.telegram_id, declined)
        return False
    if step is Step.CONSENT and value == "yes":
        give_consent(conv.data, to_iso(services.clock.now()))
        return True
    if step is Step.EDIT_MENU and value in EDITABLE_FIELDS:
        reset_field(conv.data, value)
        return True
    if step is Step.WEBINARS and _ended_and_not_chosen(context, conv, value):
        toast = "toasts.ended"
    elif step not in (Step.CONSENT, Step.EDIT_MENU):
        try:
            finished = answer_button(conv.data, step, value, services.webinar_ids)
        except Invalid as refusal:
            if refusal.reason == "error_no_webinar":
                toast = "toasts.choose_webinar"
        else:
            if finished:
                return True
            await services.conversations.save(conv, services.clock.now())
            await query.answer()
            await _refresh(context, message, conv)
            return False
    await query.answer(services.texts.label(lang, toast))
    return False


async def _refresh(context: BotContext, message: Message | None, conv: Conversation) -> None:
    """Redraw a question in place (the webinar choice after a toggle)."""
    if message is None:
        return
    text, markup = prompt(context.services, conv, draft_language(conv, None))
    await message.edit_text(text, reply_markup=markup)


def _ended_and_not_chosen(context: BotContext, conv: Conversation, value: str) -> bool:
    """Whether a webinar button would add a webinar that has already ended."""
    services = context.services
    ids = services.webinar_ids
    if not value.isdigit() or int(value) >= len(ids):
        return False
    webinar = ids[int(value)]
    still_open = open_webinar_ids(services.series.webinars, services.clock.now())
    return webinar not in still_open and webinar not in conv.data.get("webinar_choice", ids)


async def _confirm(
    update: Update, context: BotContext, conv: Conversation, value: str, message: Message | None
) -> None:
    """Store the registration on Confirm, or open the edit menu on Edit."""
    query, services = update.callback_query, context.services
    assert query is not None
    lang = draft_language(conv, query.from_user)
    if value == "edit":
        conv.step = Step.EDIT_MENU
        await show_next(context, message, query.from_user.id, conv, query=query)
        return
    if value != "ok":
        await query.answer(services.texts.label(lang, "toasts.invalid"))
        return
    try:
        tell = await chats_to_tell(services)
        participant = await services.participants.create(
            query.from_user.id,
            conv.data,
            services.clock.now(),
            tell,
            approval=services.series.approval,
            capacities=capacities(services.series),
        )
    except AlreadyRegistered:
        await services.conversations.delete(query.from_user.id)
        await query.answer(services.texts.label(lang, "toasts.already_registered"))
        return
    await services.conversations.delete(query.from_user.id)
    await query.answer()
    log.info(
        "participant %s registered for %d webinars%s",
        participant.id,
        len(conv.data["webinars"]),
        ", awaiting approval" if services.series.approval else "",
    )
    if services.series.approval:
        waiting = services.texts.render(lang, "awaiting_approval", name=participant.full_name)
        await replace_or_send(context, message, query.from_user.id, waiting)
        if services.sender is not None:
            services.sender.wake()
        return
    registered = services.texts.render(
        lang,
        "registered",
        name=participant.full_name,
        sex=participant.sex,
        timezone=zone_label(participant.timezone, services.clock.now(), lang),
    )
    notice = waiting_notice(services, participant)
    if notice is not None:
        registered = f"{registered}\n\n{notice}"  # both rendered HTML
    await replace_or_send(context, message, query.from_user.id, registered)
    if participant.webinar_ids:  # queued once the confirmation is shown, so it comes after it
        now = services.clock.now()
        await services.outbox.enqueue(CALENDAR_KIND, None, participant.id, "", now, now)
    await after_joining(services, participant.id, participant.webinar_ids)
    if services.sender is not None:
        services.sender.wake()  # the calendar file, and the organizers' digest lines


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
    attempts = CodeAttemptStore(services.db)
    now = services.clock.now()
    if step is Step.CODE:
        wrong, oldest = await attempts.count_since(user.id, to_iso(now - CODE_WINDOW))
        wait = code_wait_minutes(wrong, from_iso(oldest) if oldest else None, now)
        if wait:
            await message.reply_text(services.texts.render(lang, "code_wait", minutes=wait))
            return
    try:
        if step is Step.CODE:
            check_code(conv.data, message.text, services.series.registration_code)
        else:
            answer_text(conv.data, step, message.text)
    except Invalid as refusal:
        if step is Step.CODE:
            await attempts.record(user.id, to_iso(now), to_iso(now - CODE_WINDOW))
        await message.reply_text(
            services.texts.render(lang, refusal.reason, **refusal.context()),
        )
        return
    advance(services, conv)
    await services.conversations.save(conv, services.clock.now())
    await _after_answer(context, user.id, conv)

"""Shared conversation machinery: whose language to speak, ask, record, move on, not understood.

The language policy lives here once: a participant's chosen language, else the draft's, else
Telegram's setting (Spanish or English).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from markupsafe import Markup
from telegram.error import BadRequest

from bot.domain.catalogue import LANGUAGES, ZONE_CHOICES, language_for
from bot.domain.choice_matching import command_for
from bot.domain.registration import PRIVACY_NOTICE_VERSION, Step, next_step
from bot.render import callback_data
from bot.render.keyboards import step_keyboard
from bot.render.views import profile_view, webinar_rows, zone_label

if TYPE_CHECKING:
    from telegram import CallbackQuery, Message, Update, User

    from bot.services import BotContext, Services
    from storage.conversations import Conversation
    from storage.participants import Participant

log = logging.getLogger(__name__)

FLOW_CODES = {"register": callback_data.REGISTER, "profile": callback_data.PROFILE}
# The draft key holding the id of the message whose buttons answer the open question.
PROMPT_KEY = "prompt_message_id"
FLOW_NAMES = {code: name for name, code in FLOW_CODES.items()}


def user_language(user: User | None) -> str:
    """The language to talk in when nothing else is known: the user's Telegram setting."""
    return language_for(user.language_code if user else None)


def draft_language(conv: Conversation | None, user: User | None) -> str:
    """The language to talk in: the draft's choice, else the user's Telegram language."""
    if conv is not None:
        lang = conv.data.get("language") or conv.data.get("language_hint")
        if lang in LANGUAGES:
            return str(lang)
    return user_language(user)


def participant_language(participant: Participant | None, user: User | None) -> str:
    """A participant's chosen language, or Telegram's for someone not registered."""
    return participant.language if participant is not None else user_language(user)


async def language_of(context: BotContext, user: User | None) -> str:
    """Someone's language: their registration's, else their draft's, else Telegram's."""
    services = context.services
    if user is None:
        return user_language(None)
    participant = await services.participants.get(user.id)
    if participant is not None:
        return participant_language(participant, user)
    return draft_language(await services.conversations.get(user.id), user)


def code_required(services: Services, conv: Conversation) -> bool:
    """Whether this conversation still needs the registration code."""
    return conv.flow == "register" and bool(services.series.registration_code)


def advance(services: Services, conv: Conversation) -> Step:
    """Move the conversation to the next unanswered question and return it."""
    conv.step = next_step(conv.data, code_required(services, conv))
    return Step(conv.step)


def prompt(services: Services, conv: Conversation, lang: str) -> tuple[str, Any]:
    """Render the current question's text and buttons."""
    step = Step(conv.step)
    texts, series, now = services.texts, services.series, services.clock.now()
    zone = conv.data.get("timezone") or series.timezone.key
    context: dict[str, Any] = {"series_title": series.title_for(lang)}
    if step is Step.WEBINARS:
        choice = conv.data.get("webinar_choice", services.webinar_ids)
        context.update(webinars=webinar_rows(series, lang, selected=choice), timezone=zone)
    elif step is Step.TIMEZONE:
        current = conv.data.get("timezone") or conv.data.get("previous_timezone")
        context["current"] = zone_label(current, now, lang) if current else None
    elif step is Step.CONSENT:
        context.update(version=PRIVACY_NOTICE_VERSION, organizer=series.organizer_for(lang))
    elif step is Step.CONFIRM:
        context["p"] = profile_view(texts, series, conv.data, now)
    name = (
        "summary"
        if step is Step.CONFIRM
        else ("edit_menu" if step is Step.EDIT_MENU else f"ask_{step.name.lower()}")
    )
    titles = [(w.id, w.title_for(lang)) for w in series.webinars]
    markup = step_keyboard(texts, lang, FLOW_CODES[conv.flow], step, conv.data, titles)
    return texts.render(lang, name, **context), markup


def note_prompt(conv: Conversation, message_id: int | None) -> bool:
    """Note in the draft which message carries the open question's buttons (None: no buttons).

    Returns whether that changed (and so needs saving).
    """
    if conv.data.get(PROMPT_KEY) == message_id:
        return False
    if message_id is None:
        conv.data.pop(PROMPT_KEY, None)
    else:
        conv.data[PROMPT_KEY] = message_id
    return True


async def remember_prompt(context: BotContext, conv: Conversation, message_id: int | None) -> None:
    """Note which message carries the open question's buttons, and save it when that changed."""
    if note_prompt(conv, message_id):
        await context.services.conversations.save(conv, context.services.clock.now())


async def retire_prompt(context: BotContext, chat_id: int, conv: Conversation) -> None:
    """Take the buttons off the earlier copy of a question about to be asked again."""
    message_id = conv.data.pop(PROMPT_KEY, None)
    if not isinstance(message_id, int):
        return
    try:
        await context.bot.edit_message_reply_markup(chat_id, message_id, reply_markup=None)
    except BadRequest as exc:  # deleted, too old, or already without buttons
        log.info("could not take the buttons off an earlier question (%s)", exc.message)


async def send_prompt(
    context: BotContext, chat_id: int, conv: Conversation, answer: str | None = None
) -> Message:
    """Send the current question as a new message (under a ✓ line for `answer`, if given)."""
    lang = draft_language(conv, None)
    text, markup = prompt(context.services, conv, lang)
    if answer is not None:
        question = Markup(text)
        text = context.services.texts.render(lang, "answered", answer=answer, question=question)
    sent = await context.bot.send_message(chat_id, text, reply_markup=markup)
    await remember_prompt(context, conv, sent.message_id if markup is not None else None)
    return sent


# Steps whose answer reads as a label from one table of labels.toml.
_LABEL_TABLES = {
    Step.LANGUAGE: "languages",
    Step.COUNTRY: "countries",
    Step.INSTITUTION: "institutions",
    Step.SEX: "sexes",
    Step.EDIT_MENU: "fields",
}


def answer_label(services: Services, lang: str, step: Step, value: str, data: dict) -> str:
    """How a pressed button's answer reads, for the ✓ line under its question."""
    texts = services.texts
    table = _LABEL_TABLES.get(step)
    if table is not None:
        return texts.label(lang, f"{table}.{value}")
    if step is Step.TIMEZONE:
        return zone_label(ZONE_CHOICES[int(value)], services.clock.now(), lang)
    if step is Step.WEBINARS:
        titles = [w.title_for(lang) for w in services.series.webinars if w.id in data["webinars"]]
        return "; ".join(titles)
    if step is Step.CONSENT:
        return texts.label(lang, "buttons.agree" if value == "yes" else "buttons.decline")
    return texts.label(lang, "buttons.skip") if step is Step.EMAIL else value


async def show_next(
    context: BotContext,
    message: Message | None,
    chat_id: int,
    conv: Conversation,
    answer: str | None = None,
    query: CallbackQuery | None = None,
) -> None:
    """Save the conversation, then show its question in place of the answered one, or anew.

    When the question replaces `message`, the save also notes that message as the one with
    the question's buttons, so an answer costs one write. `query`, the pressed button, is
    answered between the save and the edit; `answer` is noted above the question.
    """
    services = context.services
    lang = draft_language(conv, None)
    text, markup = prompt(services, conv, lang)
    if message is not None:
        note_prompt(conv, message.message_id if markup is not None else None)
    await services.conversations.save(conv, services.clock.now())
    if query is not None:
        await query.answer()
    if message is None:
        await send_prompt(context, chat_id, conv)
        return
    if answer is not None:
        shown = services.texts.render(lang, "answered", answer=answer, question=Markup(text))
    else:
        shown = text
    try:
        await message.edit_text(shown, reply_markup=markup)
    except BadRequest as exc:  # the message was deleted or is too old to edit
        log.info("could not edit a question in place (%s); sending it anew", exc.message)
        await send_prompt(context, chat_id, conv)


async def replace_or_send(
    context: BotContext, message: Message | None, chat_id: int, text: str, markup: Any = None
) -> None:
    """Turn the message whose button was pressed into `text`, or send it when that fails."""
    if message is not None:
        try:
            await message.edit_text(text, reply_markup=markup)
            return
        except BadRequest as exc:
            log.info("could not edit a message in place (%s); sending it anew", exc.message)
    await context.bot.send_message(chat_id, text, reply_markup=markup)


async def unknown(update: Update, context: BotContext) -> None:
    """Answer anything not understood with a pointer: /schedule for "when", else /help."""
    if update.effective_chat is None:
        return
    lang = await language_of(context, update.effective_user)
    message = update.effective_message
    typed = message.text if message is not None and message.text else ""
    name = "unknown_when" if command_for(typed) == "schedule" else "unknown"
    await update.effective_chat.send_message(context.services.texts.render(lang, name))

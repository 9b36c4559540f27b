"""Questions for the speakers: /ask and the reminder's button; /questions for organizers.

A participant registered for a webinar may send questions from a day before it until it starts:
pick the webinar (when several are open), type the question, pick one of its topics (or none),
then say whether organizers may see their name. Buttons (bot.render.callback_data): `aq:s:<n>`
starts a question for the n-th webinar; `aq:t:<i>`, `aq:a:<0|1>` and `aq:x` answer the open
conversation's current step; `aq:w:<id>` withdraws one's own question. A button that does not
fit gets the invalid toast.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import Message
from telegram.constants import ParseMode

from bot.domain.speaker_questions import QUESTION_MAX, asking_open, by_topic
from bot.domain.validation import Invalid, clean_text
from bot.render.keyboards import (
    ask_anonymity_keyboard,
    ask_prompt_keyboard,
    ask_topics_keyboard,
    ask_webinars_keyboard,
    ask_withdraw_keyboard,
)
from handlers.access import organizers_only
from handlers.flow import unknown, user_language
from storage.conversations import Conversation
from storage.speaker_questions import SpeakerQuestionStore

if TYPE_CHECKING:
    from telegram import CallbackQuery, InlineKeyboardMarkup, Update

    from bot.domain.series import Webinar
    from bot.render.callback_data import Press
    from bot.services import BotContext
    from storage.participants import Participant

log = logging.getLogger(__name__)

FLOW = "ask"


def _open_webinars(context: BotContext, participant: Participant) -> list[Webinar]:
    """The participant's webinars open for questions now."""
    now = context.services.clock.now()
    return [
        w
        for w in context.services.series.webinars
        if w.id in participant.webinar_ids and asking_open(w, now)
    ]


async def _participant(update: Update, context: BotContext) -> Participant | None:
    """The registered participant behind an update, or None (told to register)."""
    user = update.effective_user
    participant = await context.services.participants.get(user.id) if user else None
    if participant is None and update.effective_chat is not None:
        lang = user_language(user)
        await update.effective_chat.send_message(
            context.services.texts.render(lang, "no_data", draft=None), parse_mode=ParseMode.HTML
        )
    return participant


async def ask_command(update: Update, context: BotContext) -> None:
    """/ask: start a question, or say when questions can be sent."""
    participant = await _participant(update, context)
    chat = update.effective_chat
    if participant is None or chat is None:
        return
    services, lang = context.services, participant.language
    webinars = _open_webinars(context, participant)
    if not webinars:
        await chat.send_message(services.texts.render(lang, "ask_closed"))
        return
    if len(webinars) == 1:
        await _start(context, participant, webinars[0])
        return
    index = {w.id: n for n, w in enumerate(services.series.webinars)}
    choices = [(index[w.id], w.title_for(lang)) for w in webinars]
    await chat.send_message(
        services.texts.render(lang, "ask_pick"), reply_markup=ask_webinars_keyboard(choices)
    )


async def _ask_button(
    update: Update, context: BotContext, participant: Participant | None, number: str
) -> None:
    """`aq:s:<n>`, under a reminder or the /ask list: start a question for that webinar."""
    query = update.callback_query
    assert query is not None
    services = context.services
    webinars = services.series.webinars
    webinar = webinars[int(number)] if number.isdigit() and int(number) < len(webinars) else None
    if participant is None or webinar is None or webinar.id not in participant.webinar_ids:
        await _invalid(update, context, participant)
        return
    await query.answer()
    if not asking_open(webinar, services.clock.now()):
        await context.bot.send_message(
            query.from_user.id, services.texts.render(participant.language, "ask_closed")
        )
        return
    await _start(context, participant, webinar)


async def _start(context: BotContext, participant: Participant, webinar: Webinar) -> None:
    """Open the conversation and ask for the question's text, listing the participant's own."""
    services, lang = context.services, participant.language
    assert participant.telegram_id is not None
    conv = Conversation(participant.telegram_id, FLOW, "text", {"webinar": webinar.id})
    await services.conversations.save(conv, services.clock.now())
    mine = await SpeakerQuestionStore(services.db).mine(participant.id, webinar.id)
    markup = ask_prompt_keyboard(services.texts, lang, [(q["id"], q["text"]) for q in mine])
    text = services.texts.render(
        lang, "ask_prompt", title=webinar.title_for(lang), mine=[q["text"] for q in mine]
    )
    await context.bot.send_message(
        participant.telegram_id,
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=markup,
    )


async def text_answer(update: Update, context: BotContext, conv: Conversation) -> None:
    """The typed question: checked, then the topic (when the webinar has topics) is asked."""
    services, message = context.services, update.effective_message
    participant = await services.participants.get(conv.telegram_id)
    webinar = services.series.webinar(str(conv.data.get("webinar", "")))
    assert message is not None
    if participant is None or webinar is None:
        await services.conversations.delete(conv.telegram_id)
        await unknown(update, context)
        return
    lang = participant.language
    if conv.step != "text":
        await message.reply_text(services.texts.render(lang, "use_buttons"))
        return
    if not asking_open(webinar, services.clock.now()):
        await services.conversations.delete(conv.telegram_id)
        await message.reply_text(services.texts.render(lang, "ask_closed"))
        return
    try:
        conv.data["text"] = clean_text(message.text, max_len=QUESTION_MAX)
    except Invalid as refusal:
        await message.reply_text(
            services.texts.render(lang, refusal.reason, **refusal.context()),
            parse_mode=ParseMode.HTML,
        )
        return
    markup = ask_topics_keyboard(services.texts, lang, webinar.topics_for(lang))
    conv.step = "topic"
    await services.conversations.save(conv, services.clock.now())
    await message.reply_text(services.texts.render(lang, "ask_topic"), reply_markup=markup)


async def button(update: Update, context: BotContext, press: Press) -> None:
    """`aq:...`: start, topic, anonymity, cancel or withdraw."""
    query = update.callback_query
    assert query is not None
    services = context.services
    participant = await services.participants.get(query.from_user.id)
    action, value = press.part(0), press.part(1)
    if action == "s":
        await _ask_button(update, context, participant, value)
        return
    if participant is None:
        await _invalid(update, context, participant)
        return
    if action == "w" and value.isdigit():
        await _withdraw(update, context, participant, int(value))
        return
    conv = await services.conversations.get(participant.telegram_id or 0)
    webinar = services.series.webinar(str(conv.data.get("webinar", ""))) if conv else None
    if conv is None or conv.flow != FLOW or webinar is None:
        await _invalid(update, context, participant)
        return
    lang = participant.language
    if action == "x" and not value:
        await services.conversations.delete(conv.telegram_id)
        await query.answer()
        await _edit(query, services.texts.render(lang, "ask_cancelled"))
    elif conv.step == "topic" and action == "t" and _topic(value, webinar) is not False:
        conv.data["topic"] = _topic(value, webinar)
        conv.step = "anonymous"
        await services.conversations.save(conv, services.clock.now())
        await query.answer()
        markup = ask_anonymity_keyboard(services.texts, lang)
        await _edit(query, services.texts.render(lang, "ask_anonymous"), markup)
    elif conv.step == "anonymous" and action == "a" and value in ("0", "1"):
        await _save(update, context, participant, conv, webinar, anonymous=value == "1")
    else:
        await _invalid(update, context, participant)


def _topic(raw: str, webinar: Webinar) -> int | bool | None:
    """The topic index a button names, None for "no topic", False when it is not valid."""
    if raw == "-":
        return None
    if raw.isdigit() and int(raw) < len(webinar.topics):
        return int(raw)
    return False


async def _save(
    update: Update,
    context: BotContext,
    participant: Participant,
    conv: Conversation,
    webinar: Webinar,
    anonymous: bool,
) -> None:
    """Store the question (if questions are still open) and offer to withdraw it."""
    query = update.callback_query
    assert query is not None
    services, lang = context.services, participant.language
    await services.conversations.delete(conv.telegram_id)
    await query.answer()
    now = services.clock.now()
    if not asking_open(webinar, now):
        await _edit(query, services.texts.render(lang, "ask_closed"))
        return
    topic = conv.data.get("topic")
    text = str(conv.data.get("text", ""))
    question_id = await SpeakerQuestionStore(services.db).add(
        webinar.id, participant.id, topic if isinstance(topic, int) else None, anonymous, text, now
    )
    log.info("question %d for %s (topic %s)", question_id, webinar.id, topic)
    markup = ask_withdraw_keyboard(services.texts, lang, question_id, text)
    saved = services.texts.render(
        lang, "ask_saved", title=webinar.title_for(lang), anonymous=anonymous
    )
    await _edit(query, saved, markup)


async def _withdraw(
    update: Update, context: BotContext, participant: Participant, question_id: int
) -> None:
    """Withdraw one's own question while its webinar has not started."""
    query = update.callback_query
    assert query is not None
    services, lang = context.services, participant.language
    store = SpeakerQuestionStore(services.db)
    mine = {
        q["id"]: w
        for w in services.series.webinars
        if asking_open(w, services.clock.now())
        for q in await store.mine(participant.id, w.id)
    }
    webinar = mine.get(question_id)
    if (
        webinar is None
        or await store.withdraw(question_id, participant.id, services.clock.now()) is None
    ):
        await _invalid(update, context, participant)
        return
    await query.answer()
    await context.bot.send_message(
        query.from_user.id,
        services.texts.render(lang, "ask_withdrawn", title=webinar.title_for(lang)),
        parse_mode=ParseMode.HTML,
    )


@organizers_only
async def questions_command(update: Update, context: BotContext) -> None:
    """/questions <webinar>: organizers read a webinar's questions, grouped by topic."""
    user, chat = update.effective_user, update.effective_chat
    assert chat is not None
    services = context.services
    lang = user_language(user)
    webinars = services.series.webinars
    wanted = " ".join(context.args or []).strip()
    webinar = services.series.webinar(wanted) or (
        webinars[int(wanted) - 1] if wanted.isdigit() and 0 < int(wanted) <= len(webinars) else None
    )
    if webinar is None:
        listed = [{"id": w.id, "title": w.title_for(lang)} for w in webinars]
        await chat.send_message(
            services.texts.render(lang, "questions_usage", qs_webinars=listed),
            parse_mode=ParseMode.HTML,
        )
        return
    questions = await SpeakerQuestionStore(services.db).for_webinar(webinar.id)
    anonymous = services.texts.label(lang, "ask.anonymous_author")
    groups = [
        {
            "topic": topic,
            "questions": [{"text": q.text, "author": q.author or anonymous} for q in items],
        }
        for topic, items in by_topic(
            questions, webinar.topics_for(lang), services.texts.label(lang, "ask.none_topic")
        )
    ]
    for text in _pages(
        services.texts.render(
            lang,
            "questions_list",
            title=webinar.title_for(lang),
            groups=groups,
            count=len(questions),
        )
    ):
        await chat.send_message(text, parse_mode=ParseMode.HTML)


def _pages(text: str, limit: int = 4000) -> list[str]:
    """Split a long message at line ends into Telegram-sized pieces (tags never span lines)."""
    pages, current = [], ""
    for whole in text.split("\n"):
        line = whole if len(whole) <= limit else whole[: limit - 1] + "…"
        if current and len(current) + len(line) + 1 > limit:
            pages.append(current)
            current = ""
        current = f"{current}\n{line}" if current else line
    pages.append(current)
    return pages


async def _invalid(update: Update, context: BotContext, participant: Participant | None) -> None:
    """Answer a button that does not fit with the invalid-button toast."""
    query = update.callback_query
    assert query is not None
    lang = participant.language if participant else user_language(query.from_user)
    await query.answer(context.services.texts.label(lang, "toasts.invalid"))


async def _edit(
    query: CallbackQuery, text: str, markup: InlineKeyboardMarkup | None = None
) -> None:
    """Replace the pressed message's text (and buttons)."""
    message = query.message
    if isinstance(message, Message):
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)

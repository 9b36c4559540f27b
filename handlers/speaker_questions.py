"""Questions for the speakers: /ask and the reminder's button; /questions for organizers.

A participant registered for a webinar may send questions from a day before it until it starts:
pick the webinar (when several are open), type the question, pick one of its topics (or none),
then say whether organizers may see their name. Buttons: `ask:<n>` starts a question for the
n-th webinar; `aq:t:<i>`, `aq:a:<0|1>` and `aq:x` answer the open conversation's current step;
`aq:w:<id>` withdraws one's own question. A button that does not fit gets the invalid toast.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from telegram import InlineKeyboardButton, InlineKeyboardMarkup
from telegram.constants import ParseMode

from bot.domain.speaker_questions import QUESTION_MAX, asking_open, by_topic
from bot.domain.validation import Invalid, clean_text
from handlers.access import is_organizer
from handlers.account import unknown
from handlers.flow import draft_language
from storage.conversations import Conversation
from storage.speaker_questions import SpeakerQuestionStore

if TYPE_CHECKING:
    from telegram import Update

    from bot.domain.series import Webinar
    from bot.services import BotContext
    from storage.participants import Participant

log = logging.getLogger(__name__)

FLOW = "ask"
BUTTON_TEXT_MAX = 40


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
        lang = draft_language(None, user)
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
    rows = [
        [InlineKeyboardButton(w.title_for(lang)[:60], callback_data=f"ask:{index[w.id]}")]
        for w in webinars
    ]
    await chat.send_message(
        services.texts.render(lang, "ask_pick"), reply_markup=InlineKeyboardMarkup(rows)
    )


async def ask_button(update: Update, context: BotContext) -> None:
    """`ask:<n>`, under a reminder or the /ask list: start a question for that webinar."""
    query = update.callback_query
    assert query is not None
    services = context.services
    participant = await services.participants.get(query.from_user.id)
    number = (query.data or "").removeprefix("ask:")
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
    label = services.texts.label
    rows = [
        [
            InlineKeyboardButton(
                label(lang, "ask.withdraw").format(text=_short(q["text"])),
                callback_data=f"aq:w:{q['id']}",
            )
        ]
        for q in mine
    ]
    rows.append([InlineKeyboardButton(label(lang, "ask.cancel"), callback_data="aq:x")])
    text = services.texts.render(
        lang, "ask_prompt", title=webinar.title_for(lang), mine=[q["text"] for q in mine]
    )
    await context.bot.send_message(
        participant.telegram_id,
        text,
        parse_mode=ParseMode.HTML,
        reply_markup=InlineKeyboardMarkup(rows),
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
    label = services.texts.label
    topics = webinar.topics_for(lang)
    rows = [
        [InlineKeyboardButton(f"{n + 1}. {_short(t)}", callback_data=f"aq:t:{n}")]
        for n, t in enumerate(topics)
    ]
    rows.append([InlineKeyboardButton(label(lang, "ask.no_topic"), callback_data="aq:t:-")])
    conv.step = "topic"
    await services.conversations.save(conv, services.clock.now())
    await message.reply_text(
        services.texts.render(lang, "ask_topic"), reply_markup=InlineKeyboardMarkup(rows)
    )


async def question_button(update: Update, context: BotContext) -> None:
    """`aq:...`: topic, anonymity, cancel or withdraw."""
    query = update.callback_query
    assert query is not None
    services = context.services
    participant = await services.participants.get(query.from_user.id)
    parts = (query.data or "").split(":")
    if participant is None or len(parts) < 2:
        await _invalid(update, context, participant)
        return
    if parts[1] == "w" and len(parts) == 3 and parts[2].isdigit():
        await _withdraw(update, context, participant, int(parts[2]))
        return
    conv = await services.conversations.get(participant.telegram_id or 0)
    webinar = services.series.webinar(str(conv.data.get("webinar", ""))) if conv else None
    if conv is None or conv.flow != FLOW or webinar is None:
        await _invalid(update, context, participant)
        return
    lang, label = participant.language, services.texts.label
    if parts == ["aq", "x"]:
        await services.conversations.delete(conv.telegram_id)
        await query.answer()
        await _edit(query, services.texts.render(lang, "ask_cancelled"))
    elif conv.step == "topic" and len(parts) == 3 and _topic(parts[2], webinar) is not False:
        conv.data["topic"] = _topic(parts[2], webinar)
        conv.step = "anonymous"
        await services.conversations.save(conv, services.clock.now())
        await query.answer()
        markup = InlineKeyboardMarkup(
            [
                [InlineKeyboardButton(label(lang, "ask.named"), callback_data="aq:a:0")],
                [InlineKeyboardButton(label(lang, "ask.anonymous"), callback_data="aq:a:1")],
            ]
        )
        await _edit(query, services.texts.render(lang, "ask_anonymous"), markup)
    elif conv.step == "anonymous" and len(parts) == 3 and parts[2] in ("0", "1"):
        await _save(update, context, participant, conv, webinar, anonymous=parts[2] == "1")
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
    markup = InlineKeyboardMarkup(
        [
            [
                InlineKeyboardButton(
                    services.texts.label(lang, "ask.withdraw").format(text=_short(text)),
                    callback_data=f"aq:w:{question_id}",
                )
            ]
        ]
    )
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


async def questions_command(update: Update, context: BotContext) -> None:
    """/questions <webinar>: organizers read a webinar's questions, grouped by topic."""
    user, chat = update.effective_user, update.effective_chat
    if chat is None or not await is_organizer(context, user.id if user else None):
        await unknown(update, context)
        return
    services = context.services
    lang = "es" if user and (user.language_code or "").startswith("es") else "en"
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
    lang = participant.language if participant else "en"
    await query.answer(context.services.texts.label(lang, "toasts.invalid"))


async def _edit(query: object, text: str, markup: InlineKeyboardMarkup | None = None) -> None:
    """Replace the pressed message's text (and buttons)."""
    message = getattr(query, "message", None)
    if message is not None and hasattr(message, "edit_text"):
        await message.edit_text(text, parse_mode=ParseMode.HTML, reply_markup=markup)


def _short(text: str) -> str:
    """A question or topic short enough for a button."""
    return text if len(text) <= BUTTON_TEXT_MAX else text[: BUTTON_TEXT_MAX - 1] + "…"

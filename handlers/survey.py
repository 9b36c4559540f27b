"""The feedback survey in the chat, the /feedback command and the "I'm attending" button."""

from __future__ import annotations

import html
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from telegram import Message, Update
from telegram.error import BadRequest

from bot.domain import attendance, survey
from bot.domain.reminders import is_live
from bot.domain.survey import ATTENDANCE_GRACE_MINUTES
from bot.domain.validation import Invalid
from bot.render.keyboards import feedback_keyboard
from bot.render.messages import webinar_buttons
from handlers.account import registered_or_explain
from handlers.flow import participant_language, replace_or_send, user_language
from storage.attendance import Change
from storage.conversations import Conversation

if TYPE_CHECKING:
    from bot.domain.series import Webinar
    from bot.render.callback_data import Press
    from bot.services import BotContext, Services
    from storage.participants import Participant
    from storage.survey import Response

log = logging.getLogger(__name__)


def _parse(press: Press) -> tuple[int, int, str, str] | None:
    """<response>:<question>:<action>[:<value>] -> its parts, or None when malformed."""
    response, index = press.part(0), press.part(1)
    if not response.isdigit() or len(response) > 15 or not index.isdigit() or len(index) > 3:
        return None
    return int(response), int(index), press.part(2), press.part(3)


async def show_question(
    context: BotContext,
    participant: Participant,
    webinar: Webinar,
    response: Response,
    index: int,
    message: Message | None,
) -> None:
    """Show question `index` in the survey message (or a new one) and remember where it is."""
    services = context.services
    now = services.clock.now()
    answers = await services.survey.answers(response.id)
    text, markup = survey.render_question(
        services.texts,
        participant.language,
        webinar,
        response,
        index,
        answers,
        survey.closes_at(services.series, webinar),
        participant.timezone,
    )
    message_id = message.message_id if message is not None else None
    if message is not None:
        try:
            await message.edit_text(text, reply_markup=markup)
        except BadRequest as exc:
            log.info("survey message not edited (%s); sending it anew", exc.message)
            message_id = None
    if message_id is None:
        assert participant.telegram_id is not None, "an erased participant is shown no survey"
        sent = await context.bot.send_message(participant.telegram_id, text, reply_markup=markup)
        message_id = sent.message_id
    await services.survey.update(
        response.id,
        now,
        current=index,
        message_id=message_id,
        status=None if response.status == "completed" else "open",
    )
    if webinar.questions[index].kind == "text":
        await services.conversations.save(
            Conversation(
                participant.telegram_id or 0,
                "survey",
                "text",
                {"response": response.id, "index": index},
            ),
            now,
        )
    else:
        await _end_text_wait(services, participant)


async def _end_text_wait(services: Services, participant: Participant) -> None:
    """Stop waiting for a typed survey answer."""
    conv = await services.conversations.get(participant.telegram_id or 0)
    if conv is not None and conv.flow == "survey":
        await services.conversations.delete(participant.telegram_id or 0)


async def _finish(
    context: BotContext,
    participant: Participant,
    webinar: Webinar,
    response: Response,
    message: Message | None,
) -> None:
    """Mark the response complete and thank the participant."""
    services = context.services
    await services.survey.update(response.id, services.clock.now(), status="completed", current=0)
    await _end_text_wait(services, participant)
    text = services.texts.render(
        participant.language,
        "survey_done",
        title=webinar.title_for(participant.language),
        closes=survey.closes_at(services.series, webinar),
        zone=participant.timezone,
    )
    await replace_or_send(context, message, participant.telegram_id or 0, text)


async def _load(
    context: BotContext, user_id: int, response_id: int
) -> tuple[Participant, Response, Webinar] | None:
    """The participant, their response and its webinar, when the response is theirs."""
    services = context.services
    participant = await services.participants.get(user_id)
    response = await services.survey.get(response_id)
    if participant is None or response is None or response.participant_id != participant.id:
        return None
    webinar = services.series.webinar(response.webinar_id)
    return None if webinar is None else (participant, response, webinar)


async def _attendance_answer(
    services: Services, participant: Participant, webinar: Webinar, response: Response, action: str
) -> str | None:
    """Record what Yes, No or Start says of attendance; the refusal's toast key, or None.

    Yes/No on an older message never overturns a newer answer or a platform's report; Start
    from /feedback after a "No" is the participant deliberately changing their own answer.
    """
    record = await services.attendance.get(participant.id, webinar.id)
    recorded, source = (record.attended, record.source) if record else (None, None)
    if action == "go":
        if response.status != "absent":
            return None
        if not attendance.survey_offered(recorded, source):
            return "platform_absent"
        pressed = True
    else:
        pressed = action == "y"
        conflict = attendance.answer_conflict(pressed, response.status, recorded, source)
        if conflict is not None:
            return conflict
    await services.attendance.record(
        webinar.id,
        [Change(participant.id, pressed, None)],
        attendance.SURVEY,
        "participant",
        services.clock.now(),
        attendance.replaceable_by(attendance.SURVEY),
    )
    if services.sender is not None:
        services.sender.wake()  # attendance can earn a certificate: the sender plans on waking
    return None


async def survey_button(update: Update, context: BotContext, press: Press) -> None:
    """Apply a survey button: attended or not, start, answer, skip, keep, back."""
    query, services = update.callback_query, context.services
    assert query is not None
    lang = user_language(query.from_user)
    parsed = _parse(press)
    loaded = await _load(context, query.from_user.id, parsed[0]) if parsed else None
    if parsed is None or loaded is None:
        await query.answer(services.texts.label(lang, "toasts.invalid"))
        return
    _, index, action, value = parsed
    participant, response, webinar = loaded
    lang, now = participant.language, services.clock.now()
    message = query.message if isinstance(query.message, Message) else None
    if not survey.is_open(services.series, webinar, now):
        await query.answer(services.texts.label(lang, "toasts.survey_closed"))
        closed = services.texts.render(
            lang,
            "survey_closed",
            zone=participant.timezone,
            closes=survey.closes_at(services.series, webinar),
        )
        await replace_or_send(context, message, query.from_user.id, closed)
        return
    if action in ("y", "n", "go"):
        refusal = await _attendance_answer(services, participant, webinar, response, action)
        if refusal is not None:
            await query.answer(services.texts.label(lang, f"toasts.{refusal}"), show_alert=True)
            return
        await query.answer()
        if action == "n":
            await services.survey.update(response.id, now, status="absent")
            await replace_or_send(
                context, message, query.from_user.id, services.texts.render(lang, "survey_absent")
            )
            return
        start = response.current if response.status == "open" else 0
        await show_question(context, participant, webinar, response, start, message)
        return
    if message is None or message.message_id != response.message_id:
        await query.answer(services.texts.label(lang, "toasts.survey_moved"))
        return
    if index != response.current or index >= len(webinar.questions):
        await query.answer(services.texts.label(lang, "toasts.stale"))
        return
    question = webinar.questions[index]
    try:
        if action == "a":
            await services.survey.save_answer(
                response.id, question.key, survey.parse_button_answer(webinar, question, value), now
            )
        elif action == "s" and not question.required:
            await services.survey.save_answer(response.id, question.key, None, now)
        elif action == "b" and index > 0:
            await query.answer()
            await show_question(context, participant, webinar, response, index - 1, message)
            return
        elif action == "k":
            given = await services.survey.answers(response.id)
            if question.key not in given or (question.required and given[question.key] is None):
                raise Invalid("error_button")  # nothing to keep: a forged button
        else:
            raise Invalid("error_button")
    except Invalid:
        await query.answer(services.texts.label(lang, "toasts.invalid"))
        return
    await query.answer()
    await _advance(context, participant, webinar, response, index, message)


async def _advance(
    context: BotContext,
    participant: Participant,
    webinar: Webinar,
    response: Response,
    index: int,
    message: Message | None,
) -> None:
    """Show the question after `index`, or finish."""
    if index + 1 >= len(webinar.questions):
        await _finish(context, participant, webinar, response, message)
    else:
        await show_question(context, participant, webinar, response, index + 1, message)


async def text_answer(update: Update, context: BotContext, conv: Conversation) -> None:
    """Take a typed answer to the survey's open text question."""
    services, message = context.services, update.effective_message
    assert message is not None and update.effective_user is not None
    loaded = await _load(context, update.effective_user.id, int(conv.data.get("response", 0)))
    if loaded is None:
        await services.conversations.delete(update.effective_user.id)
        return
    participant, response, webinar = loaded
    lang, now = participant.language, services.clock.now()
    index = int(conv.data.get("index", -1))
    if not survey.is_open(services.series, webinar, now) or index != response.current:
        await services.conversations.delete(update.effective_user.id)
        await message.reply_text(
            services.texts.render(
                lang,
                "survey_closed",
                closes=survey.closes_at(services.series, webinar),
                zone=participant.timezone,
            ),
        )
        return
    try:
        value = survey.parse_text_answer(webinar.questions[index], message.text or "")
    except Invalid as refusal:
        await message.reply_text(
            services.texts.render(lang, refusal.reason, **refusal.context()),
        )
        return
    await services.survey.save_answer(response.id, webinar.questions[index].key, value, now)
    if response.message_id is not None:  # the question now sits above the answer: tidy up
        try:
            await context.bot.delete_message(update.effective_user.id, response.message_id)
        except BadRequest:
            log.debug("old survey message already gone")
    if index + 1 >= len(webinar.questions):
        await _finish(context, participant, webinar, response, None)
    else:
        await show_question(context, participant, webinar, response, index + 1, None)


async def feedback(update: Update, context: BotContext) -> None:
    """List the surveys open to the participant, to start, continue or change."""
    services = context.services
    participant = await registered_or_explain(update, context)
    if participant is None:
        return
    assert update.effective_chat is not None
    lang, now = participant.language, services.clock.now()
    rows: list[dict[str, object]] = []
    buttons: list[tuple[str, int]] = []
    for webinar in services.series.webinars:
        if webinar.id not in participant.webinar_ids or not survey.is_open(
            services.series, webinar, now
        ):
            continue
        response = await services.survey.ensure_response(webinar.id, participant.id, now)
        state = {"completed": "state_completed", "open": "state_open"}.get(
            response.status, "state_new"
        )
        rows.append(
            {
                "title": webinar.title_for(lang),
                "state": services.texts.label(lang, f"survey.{state}"),
                "closes": survey.closes_at(services.series, webinar),
            }
        )
        label = {"state_completed": "change", "state_open": "continue"}.get(state, "start")
        buttons.append(
            (f"{len(rows)}. {services.texts.label(lang, f'survey.{label}')}", response.id)
        )
    await update.effective_chat.send_message(
        services.texts.render(lang, "feedback_list", surveys=rows, zone=participant.timezone),
        reply_markup=feedback_keyboard(buttons),
    )


async def attending(update: Update, context: BotContext, press: Press) -> None:
    """Record "I'm attending", during the live window only."""
    query, services = update.callback_query, context.services
    assert query is not None
    participant = await services.participants.get(query.from_user.id)
    lang = participant_language(participant, query.from_user)
    index = press.part(0)
    webinars = services.series.webinars
    if not index.isdigit() or int(index) >= len(webinars):
        await query.answer(services.texts.label(lang, "toasts.invalid"))
        return
    webinar = webinars[int(index)]
    if participant is None or webinar.id not in participant.webinar_ids:
        await query.answer(services.texts.label(lang, "toasts.not_registered"), show_alert=True)
        return
    now = services.clock.now()
    if not is_live(
        webinar.starts_at, webinar.ends_at + timedelta(minutes=ATTENDANCE_GRACE_MINUTES), now
    ):
        await query.answer(services.texts.label(lang, "toasts.attendance_closed"), show_alert=True)
        return
    await services.attendance.record(
        webinar.id,
        [Change(participant.id, True, None)],
        attendance.BUTTON,
        "participant",
        now,
        attendance.replaceable_by(attendance.BUTTON),
    )
    if services.sender is not None:
        services.sender.wake()
    recorded = services.texts.label(lang, "toasts.attendance_recorded")
    await query.answer(recorded)
    message = query.message if isinstance(query.message, Message) else None
    if message is not None and message.text:
        shown = f"{message.text_html}\n\n✅ {html.escape(recorded)}"
        markup = webinar_buttons(services.texts, services.series, webinar, lang)
        try:
            await message.edit_text(shown, reply_markup=markup, disable_web_page_preview=True)
        except BadRequest as exc:
            log.info("could not show the recorded attendance in place (%s)", exc.message)

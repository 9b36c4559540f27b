"""The feedback survey: its questions, what answers mean, and how each step reads."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.validation import Invalid, clean_text
from bot.render.keyboards import survey_invitation_keyboard, survey_question_keyboard

if TYPE_CHECKING:
    from datetime import datetime

    from telegram import InlineKeyboardMarkup

    from bot.domain.questions import Question
    from bot.domain.series import Series, Webinar
    from bot.render.texts import Texts
    from storage.survey import Response

RATINGS = ("1", "2", "3", "4", "5")
# "I'm attending" works from the start until this long after the end.
ATTENDANCE_GRACE_MINUTES = 15


def closes_at(series: Series, webinar: Webinar) -> datetime:
    """When the webinar's survey stops taking answers."""
    return webinar.ends_at + series.feedback_closes_after


def invitation_due(series: Series, webinar: Webinar) -> datetime:
    """When the survey invitations go out."""
    return webinar.ends_at + series.feedback_after


def is_open(series: Series, webinar: Webinar, now: datetime) -> bool:
    """Whether the survey takes answers now: from the webinar's end until it closes."""
    return webinar.ends_at <= now < closes_at(series, webinar)


def question_text(texts: Texts, lang: str, webinar: Webinar, question: Question) -> str:
    """The question as the reader sees it."""
    if question.label is None:
        return question.text_for(lang)
    template = texts.label(lang, f"survey.{question.label}")
    topic = ""
    if question.topic_index is not None:
        topic = webinar.topics_for(lang)[question.topic_index]
    return template.format(topic=topic)


def choice_labels(lang: str, webinar: Webinar, question: Question) -> tuple[str, ...]:
    """The labels of a choice question's options."""
    if question.topic_choices:
        return webinar.topics_for(lang)
    return question.choices_for(lang)


def parse_button_answer(webinar: Webinar, question: Question, value: str) -> str:
    """Check a pressed answer (a rating or a choice's number) and return what is stored."""
    if question.kind == "rating" and value in RATINGS:
        return value
    if (
        question.kind == "choice"
        and value.isdigit()
        and int(value) < len(choice_labels("en", webinar, question))
    ):
        return value
    raise Invalid("error_button")


def parse_text_answer(question: Question, text: str) -> str:
    """Check a typed answer's length."""
    if question.kind != "text":
        raise Invalid("use_buttons")
    return clean_text(text, min_len=1, max_len=question.max_length)


def answer_label(lang: str, webinar: Webinar, question: Question, value: str | None) -> str:
    """How a stored answer reads (the choice's text rather than its number)."""
    if value is None:
        return "—"
    if question.kind == "choice" and value.isdigit():
        labels = choice_labels(lang, webinar, question)
        return labels[int(value)] if int(value) < len(labels) else value
    return value


def render_question(
    texts: Texts,
    lang: str,
    webinar: Webinar,
    response: Response,
    index: int,
    answers: dict[str, str | None],
    closes: datetime,
    zone: str,
) -> tuple[str, InlineKeyboardMarkup]:
    """One question with its progress, the answer given so far, and its buttons."""
    questions = webinar.questions
    question = questions[index]
    previous = answers.get(question.key)
    text = texts.render(
        lang,
        "survey_question",
        number=index + 1,
        total=len(questions),
        title=webinar.title_for(lang),
        question=question_text(texts, lang, webinar, question),
        kind=question.kind,
        required=question.required,
        max_length=question.max_length,
        previous=answer_label(lang, webinar, question, previous) if previous else None,
        closes=closes,
        zone=zone,
    )
    choices: list[tuple[str, str]]
    if question.kind == "rating":
        choices = [(f"{r}{' ✓' if previous == r else ''}", r) for r in RATINGS]
    elif question.kind == "choice":
        choices = [
            (("✓ " if previous == str(i) else "") + label[:60], str(i))
            for i, label in enumerate(choice_labels(lang, webinar, question))
        ]
    else:
        choices = []
    navigation = (index > 0, previous is not None, not question.required)
    markup = survey_question_keyboard(
        texts, lang, (response.id, index), choices, question.kind == "rating", navigation
    )
    return text, markup


def render_invitation(
    texts: Texts,
    lang: str,
    webinar: Webinar,
    response: Response,
    attended: bool | None,
    nudge: bool,
    closes: datetime,
    zone: str,
) -> tuple[str, InlineKeyboardMarkup]:
    """The invitation (or the nudge): start the survey, or first say whether you attended."""
    text = texts.render(
        lang,
        "survey_invitation",
        title=webinar.title_for(lang),
        attended=attended,
        nudge=nudge,
        count=len(webinar.questions),
        closes=closes,
        zone=zone,
    )
    return text, survey_invitation_keyboard(texts, lang, response.id, attended)

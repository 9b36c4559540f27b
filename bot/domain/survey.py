"""The feedback survey: its questions, what answers mean, and how each step reads."""

from __future__ import annotations

from datetime import datetime

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.questions import Question
from bot.domain.series import Series, Webinar
from bot.domain.validation import Invalid, clean_text
from bot.render import callback_data
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


def _data(response: Response, index: int, action: str, value: str = "") -> str:
    """Callback data of a survey button: sv:<response>:<question>:<action>[:<value>]."""
    return callback_data.survey(response.id, index, action, value)


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
    rows: list[list[InlineKeyboardButton]] = []
    if question.kind == "rating":
        rows.append(
            [
                InlineKeyboardButton(
                    f"{r}{' ✓' if previous == r else ''}",
                    callback_data=_data(response, index, "a", r),
                )
                for r in RATINGS
            ]
        )
    elif question.kind == "choice":
        for i, label in enumerate(choice_labels(lang, webinar, question)):
            mark = "✓ " if previous == str(i) else ""
            rows.append(
                [
                    InlineKeyboardButton(
                        mark + label[:60], callback_data=_data(response, index, "a", str(i))
                    )
                ]
            )
    navigation = []
    if index > 0:
        navigation.append(
            InlineKeyboardButton(
                texts.label(lang, "buttons.back"), callback_data=_data(response, index, "b")
            )
        )
    if previous is not None:
        navigation.append(
            InlineKeyboardButton(
                texts.label(lang, "survey.keep"), callback_data=_data(response, index, "k")
            )
        )
    if not question.required:
        navigation.append(
            InlineKeyboardButton(
                texts.label(lang, "survey.skip"), callback_data=_data(response, index, "s")
            )
        )
    if navigation:
        rows.append(navigation)
    return text, InlineKeyboardMarkup(rows)


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
    if attended:
        rows = [
            [
                InlineKeyboardButton(
                    texts.label(lang, "survey.start"), callback_data=_data(response, 0, "go")
                )
            ]
        ]
    else:
        rows = [
            [
                InlineKeyboardButton(
                    texts.label(lang, "survey.attended_yes"), callback_data=_data(response, 0, "y")
                ),
                InlineKeyboardButton(
                    texts.label(lang, "survey.attended_no"), callback_data=_data(response, 0, "n")
                ),
            ]
        ]
    return text, InlineKeyboardMarkup(rows)

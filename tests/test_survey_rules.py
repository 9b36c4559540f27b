"""The feedback survey's rules and screens without Telegram: when it is open, answers, buttons."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest

from bot.domain import survey
from bot.domain.questions import Question
from bot.domain.validation import Invalid
from bot.render.texts import Texts
from storage.survey import Response
from tests.support.settings import example_series

if TYPE_CHECKING:
    from telegram import InlineKeyboardMarkup

SERIES = example_series()
WEBINAR = SERIES.webinars[0]
RESPONSE = Response(7, WEBINAR.id, 3, "open", 0, None)
TEXTS = Texts()
OVERALL, TOPIC, MOST_USEFUL, NEXT_TOPICS = (WEBINAR.questions[i] for i in (0, 1, 9, 10))


def buttons(markup: InlineKeyboardMarkup) -> list[list[tuple[str, str]]]:
    """Each row's (text, callback data) pairs."""
    return [[(b.text, str(b.callback_data)) for b in row] for row in markup.inline_keyboard]


def test_the_survey_opens_at_the_end_and_closes_later() -> None:
    end = WEBINAR.ends_at
    assert survey.invitation_due(SERIES, WEBINAR) == end + SERIES.feedback_after
    closes = survey.closes_at(SERIES, WEBINAR)
    assert closes == end + SERIES.feedback_closes_after
    assert not survey.is_open(SERIES, WEBINAR, end - timedelta(seconds=1))
    assert survey.is_open(SERIES, WEBINAR, end)
    assert survey.is_open(SERIES, WEBINAR, closes - timedelta(seconds=1))
    assert not survey.is_open(SERIES, WEBINAR, closes)


def test_question_texts_in_each_language() -> None:
    assert survey.question_text(TEXTS, "en", WEBINAR, OVERALL) == (
        "Overall, how would you rate this webinar?"
    )
    topic = WEBINAR.topics_for("es")[0]
    assert topic in survey.question_text(TEXTS, "es", WEBINAR, TOPIC)
    custom = Question("own", "text", False, text="Why?", translations={"es": "¿Por qué?"})
    assert survey.question_text(TEXTS, "es", WEBINAR, custom) == "¿Por qué?"
    assert survey.question_text(TEXTS, "en", WEBINAR, custom) == "Why?"
    english_only = dataclasses.replace(custom, translations={})
    assert survey.question_text(TEXTS, "es", WEBINAR, english_only) == "Why?"


def test_choices_come_from_the_topics_or_the_question() -> None:
    assert survey.choice_labels("es", WEBINAR, MOST_USEFUL) == WEBINAR.topics_for("es")
    own = Question(
        "c", "choice", True, text="Pick", choices=("A", "B"), choice_translations={"es": ("Á", "B́")}
    )
    assert survey.choice_labels("es", WEBINAR, own) == ("Á", "B́")
    assert survey.choice_labels("en", WEBINAR, own) == ("A", "B")
    assert survey.choice_labels(
        "es", WEBINAR, dataclasses.replace(own, choice_translations={})
    ) == (
        "A",
        "B",
    )


def test_pressed_and_typed_answers_are_checked() -> None:
    assert survey.parse_button_answer(WEBINAR, OVERALL, "1") == "1"
    assert survey.parse_button_answer(WEBINAR, OVERALL, "5") == "5"
    last = str(len(WEBINAR.topics) - 1)
    assert survey.parse_button_answer(WEBINAR, MOST_USEFUL, "0") == "0"
    assert survey.parse_button_answer(WEBINAR, MOST_USEFUL, last) == last
    for question, value in (
        (OVERALL, "0"),
        (OVERALL, "6"),
        (MOST_USEFUL, str(len(WEBINAR.topics))),
        (MOST_USEFUL, "-1"),
        (NEXT_TOPICS, "1"),
    ):
        with pytest.raises(Invalid) as error:
            survey.parse_button_answer(WEBINAR, question, value)
        assert error.value.reason == "error_button"
    assert survey.parse_text_answer(NEXT_TOPICS, "  More  ballistics ") == "More ballistics"
    with pytest.raises(Invalid) as error:
        survey.parse_text_answer(OVERALL, "4")
    assert error.value.reason == "use_buttons"
    short = dataclasses.replace(NEXT_TOPICS, max_length=3)
    assert survey.parse_text_answer(short, "abc") == "abc"
    with pytest.raises(Invalid) as error:
        survey.parse_text_answer(short, "abcd")
    assert error.value.reason == "error_length"


def test_answers_read_as_their_labels() -> None:
    assert survey.answer_label("en", WEBINAR, OVERALL, None) == "—"
    assert survey.answer_label("en", WEBINAR, OVERALL, "4") == "4"
    assert survey.answer_label("es", WEBINAR, MOST_USEFUL, "1") == WEBINAR.topics_for("es")[1]
    assert survey.answer_label("en", WEBINAR, MOST_USEFUL, "99") == "99"
    assert survey.answer_label("en", WEBINAR, NEXT_TOPICS, "12") == "12"


def render(index: int, answers: dict[str, str | None], lang: str = "en") -> tuple[str, list]:
    """Question `index` as shown, with its buttons."""
    text, markup = survey.render_question(
        TEXTS,
        lang,
        WEBINAR,
        RESPONSE,
        index,
        answers,
        survey.closes_at(SERIES, WEBINAR),
        "America/Guyana",
    )
    return text, buttons(markup)


def test_a_rating_question_marks_the_previous_answer() -> None:
    text, rows = render(0, {})
    assert "question 1 of 12" in text and "Overall" in text and "Your answer" not in text
    assert WEBINAR.title_for("en") in text
    assert "Optional" not in text
    assert rows == [[(r, f"sv:7:0:a:{r}") for r in "12345"]]
    text, rows = render(0, {"overall": "3"})
    assert "Your answer: 3" in text
    assert rows[0][2] == ("3 ✓", "sv:7:0:a:3") and rows[0][1] == ("2", "sv:7:0:a:2")
    assert rows[1] == [("Keep my answer »", "sv:7:0:k")]


def test_later_questions_go_back_and_optional_ones_skip() -> None:
    text, rows = render(1, {})
    assert "question 2 of 12" in text and "Optional." in text
    assert rows[1] == [("« Back", "sv:7:1:b"), ("Skip »", "sv:7:1:s")]
    text, rows = render(9, {"most_useful": "1"})
    topics = WEBINAR.topics_for("en")
    assert rows[0] == [(topics[0][:60], "sv:7:9:a:0")]
    assert rows[1] == [("✓ " + topics[1][:60], "sv:7:9:a:1")]
    assert "Your answer: " + topics[1] in text
    assert rows[-1] == [
        ("« Back", "sv:7:9:b"),
        ("Keep my answer »", "sv:7:9:k"),
        ("Skip »", "sv:7:9:s"),
    ]
    text, rows = render(10, {})
    assert "up to 1000 characters" in text
    assert rows == [[("« Back", "sv:7:10:b"), ("Skip »", "sv:7:10:s")]]


def test_the_invitation_asks_about_attendance_first() -> None:
    closes, zone = survey.closes_at(SERIES, WEBINAR), "America/Belize"
    text, markup = survey.render_invitation(
        TEXTS, "en", WEBINAR, RESPONSE, True, False, closes, zone
    )
    assert buttons(markup) == [[("📝 Start the survey", "sv:7:0:go")]]
    assert WEBINAR.title_for("en") in text
    for attended in (None, False):
        _, markup = survey.render_invitation(
            TEXTS, "es", WEBINAR, RESPONSE, attended, True, closes, zone
        )
        labels = buttons(markup)
        assert [data for _, data in labels[0]] == ["sv:7:0:y", "sv:7:0:n"]
    _, nudge = survey.render_invitation(TEXTS, "en", WEBINAR, RESPONSE, None, True, closes, zone)
    assert buttons(nudge) == [[("Yes, I attended", "sv:7:0:y"), ("No", "sv:7:0:n")]]

"""Survey questions: the defaults from a webinar's topics, and a webinar's own list."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.domain.questions import default_questions
from bot.domain.series import SeriesError, parse_series
from bot.domain.survey import choice_labels, parse_button_answer, parse_text_answer, question_text
from bot.domain.validation import Invalid
from bot.render.texts import Texts

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = (ROOT / "series.example.toml").read_text()
CUSTOM = """
[[webinars.questions]]
key = "relevance"
kind = "rating"
text = "How relevant was it to your work?"
text_es = "¿Qué tan pertinente fue para su trabajo?"

[[webinars.questions]]
key = "format"
kind = "choice"
text = "Which format do you prefer?"
choices = ["Online", "In person", "Both"]
choices_es = ["En línea", "Presencial", "Ambos"]
required = false

[[webinars.questions]]
key = "comments"
kind = "text"
text = "Any comments?"
max_length = 20
required = false
"""


def with_questions(block: str) -> str:
    """The example series with a question block added to its last webinar."""
    return EXAMPLE.rstrip() + "\n" + block


def test_default_questions_follow_the_topics() -> None:
    series = parse_series(EXAMPLE)
    first = series.webinars[0]
    keys = [q.key for q in first.questions]
    assert keys == [
        "overall",
        *[f"topic_{i}" for i in range(1, 9)],
        "most_useful",
        "next_topics",
        "support",
    ]
    assert first.questions[0].required and not first.questions[1].required
    texts = Texts()
    assert question_text(texts, "en", first, first.questions[3]) == (
        "How useful was “Ballistic imaging” for your institution?"
    )
    assert "Imágenes balísticas" in question_text(texts, "es", first, first.questions[3]) or (
        question_text(texts, "es", first, first.questions[3]).startswith("¿Qué tan útil")
    )
    assert choice_labels("en", first, first.questions[9]) == first.topics
    assert len(default_questions(0)) == 3


def test_custom_questions_replace_the_defaults() -> None:
    series = parse_series(with_questions(CUSTOM))
    webinar = series.webinars[-1]
    assert [q.key for q in webinar.questions] == ["relevance", "format", "comments"]
    texts = Texts()
    assert question_text(texts, "es", webinar, webinar.questions[0]).startswith("¿Qué tan")
    assert choice_labels("es", webinar, webinar.questions[1]) == ("En línea", "Presencial", "Ambos")
    assert parse_button_answer(webinar, webinar.questions[1], "2") == "2"
    with pytest.raises(Invalid):
        parse_button_answer(webinar, webinar.questions[1], "3")
    with pytest.raises(Invalid):
        parse_button_answer(webinar, webinar.questions[0], "6")
    with pytest.raises(Invalid):
        parse_text_answer(webinar.questions[2], "x" * 21)
    assert parse_text_answer(webinar.questions[2], "  fine  ") == "fine"


@pytest.mark.parametrize(
    "block, message",
    [
        ('[[webinars.questions]]\nkey = "a"\nkind = "poll"\ntext = "x"\n', "questions[1].kind"),
        (
            '[[webinars.questions]]\nkey = "a"\nkind = "choice"\ntext = "x"\n',
            "questions[1].choices",
        ),
        ('[[webinars.questions]]\nkey = "A B"\nkind = "text"\ntext = "x"\n', "questions[1].key"),
        ('[[webinars.questions]]\nkey = "a"\nkind = "text"\n', "questions[1].text"),
        (
            '[[webinars.questions]]\nkey = "a"\nkind = "rating"\ntext = "x"\nmax_length = 5\n',
            "questions[1].max_length",
        ),
        (
            '[[webinars.questions]]\nkey = "a"\nkind = "text"\ntext = "x"\ncolour = 1\n',
            "questions[1].colour",
        ),
        (
            '[[webinars.questions]]\nkey = "a"\nkind = "text"\ntext = "x"\n'
            '[[webinars.questions]]\nkey = "a"\nkind = "text"\ntext = "y"\n',
            "questions[2].key",
        ),
    ],
)
def test_bad_questions_name_the_field(block: str, message: str) -> None:
    with pytest.raises(
        SeriesError, match=r"webinars\[3\]\." + message.replace("[", r"\[").replace("]", r"\]")
    ):
        parse_series(with_questions(block))

"""The survey questions' rules on their own: the default set, and each check on a webinar's own."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.questions import Question, QuestionError, default_questions, parse_questions

W = "webinars[1].questions"


def test_the_default_questions_exactly() -> None:
    assert default_questions(2) == (
        Question("overall", "rating", required=True, label="overall"),
        Question("topic_1", "rating", label="topic", topic_index=0),
        Question("topic_2", "rating", label="topic", topic_index=1),
        Question("most_useful", "choice", label="most_useful", topic_choices=True),
        Question("next_topics", "text", label="next_topics"),
        Question("support", "text", label="support"),
    )
    assert [q.key for q in default_questions(0)] == ["overall", "next_topics", "support"]


def one(**fields: Any) -> Question:
    """Parse a single question made of `fields`."""
    [question] = parse_questions([fields], W)
    return question


def test_a_question_with_every_field() -> None:
    assert one(
        key="pick",
        kind="choice",
        text=" Which? ",
        text_es="¿Cuál?",
        required=False,
        choices=[" A ", "B"],
        choices_es=["Á", "B"],
    ) == Question(
        "pick",
        "choice",
        False,
        "Which?",
        {"es": "¿Cuál?"},
        choices=("A", "B"),
        choice_translations={"es": ("Á", "B")},
    )
    assert one(key="k", kind="rating", text="t").required is True
    assert one(key="k", kind="text", text="t", max_length=1).max_length == 1
    assert one(key="k", kind="text", text="t", max_length=4000).max_length == 4000
    assert one(key="k" * 24, kind="text", text="x" * 300).key == "k" * 24
    ten = [f"c{i}" for i in range(10)]
    assert one(key="k", kind="choice", text="t", choices=ten).choices == tuple(ten)
    assert one(key="k", kind="choice", text="t", choices=["x" * 60, "y"]).choices[0] == "x" * 60


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"kind": "text", "text": "t"}, "[1].key: is required"),
        (
            {"key": "k" * 25, "kind": "text", "text": "t"},
            "[1].key: must be one line of text, at most 24 characters",
        ),
        (
            {"key": "k", "kind": "text", "text": "x" * 301},
            "[1].text: must be one line of text, at most 300 characters",
        ),
        (
            {"key": "k", "kind": "text", "text": "a\nb"},
            "[1].text: must be one line of text, at most 300 characters",
        ),
        (
            {"key": "k", "kind": "text", "text": "  "},
            "[1].text: must be one line of text, at most 300 characters",
        ),
        (
            {"key": "k", "kind": "text", "text": 5},
            "[1].text: must be one line of text, at most 300 characters",
        ),
        (
            {"key": "k", "kind": "text", "text": "t", "text_es": "a\nb"},
            "[1].text_es: must be one line of text, at most 300 characters",
        ),
        (
            {"key": "k", "kind": "scale", "text": "t"},
            "[1].kind: must be one of rating, choice, text",
        ),
        (
            {"key": "k", "kind": "text", "text": "t", "required": "yes"},
            "[1].required: must be true or false",
        ),
        (
            {"key": "k", "kind": "choice", "text": "t"},
            "[1].choices: a choice question needs choices",
        ),
        (
            {"key": "k", "kind": "choice", "text": "t", "choices": ["a"]},
            "[1].choices: must be a list of 2 to 10 short texts",
        ),
        (
            {"key": "k", "kind": "choice", "text": "t", "choices": [f"c{i}" for i in range(11)]},
            "[1].choices: must be a list of 2 to 10 short texts",
        ),
        (
            {"key": "k", "kind": "choice", "text": "t", "choices": ["x" * 61, "y"]},
            "[1].choices: must be a list of 2 to 10 short texts",
        ),
        (
            {"key": "k", "kind": "choice", "text": "t", "choices": [" ", "y"]},
            "[1].choices: must be a list of 2 to 10 short texts",
        ),
        (
            {"key": "k", "kind": "choice", "text": "t", "choices": [1, "y"]},
            "[1].choices: must be a list of 2 to 10 short texts",
        ),
        (
            {"key": "k", "kind": "choice", "text": "t", "choices": "ab"},
            "[1].choices: must be a list of 2 to 10 short texts",
        ),
        (
            {"key": "k", "kind": "choice", "text": "t", "choices": ["a", "b"], "choices_es": ["a"]},
            "[1].choices_es: must be a list of 2 to 10 short texts",
        ),
        (
            {
                "key": "k",
                "kind": "choice",
                "text": "t",
                "choices": ["a", "b"],
                "choices_es": ["a", "b", "c"],
            },
            "[1].choices_es: must have as many items as choices",
        ),
        (
            {"key": "k", "kind": "rating", "text": "t", "choices": ["a", "b"]},
            "[1].choices: only choice questions have choices",
        ),
        (
            {"key": "k", "kind": "rating", "text": "t", "choices_es": ["a", "b"]},
            "[1].choices: only choice questions have choices",
        ),
        (
            {"key": "k", "kind": "rating", "text": "t", "max_length": 10},
            "[1].max_length: only text questions have a length",
        ),
        (
            {"key": "k", "kind": "text", "text": "t", "max_length": 0},
            "[1].max_length: must be a whole number from 1 to 4000",
        ),
        (
            {"key": "k", "kind": "text", "text": "t", "max_length": 4001},
            "[1].max_length: must be a whole number from 1 to 4000",
        ),
        (
            {"key": "k", "kind": "text", "text": "t", "max_length": "9"},
            "[1].max_length: must be a whole number from 1 to 4000",
        ),
        ({"key": "k", "kind": "text", "text": "t", "colour": "red"}, "[1].colour: unknown key"),
    ],
)
def test_each_check_names_its_field(fields: dict[str, Any], message: str) -> None:
    with pytest.raises(QuestionError) as error:
        parse_questions([fields], W)
    assert str(error.value) == W + message


def test_the_list_itself_is_checked() -> None:
    for items in ([], {}, ["x"], [{"key": "k"}, 5]):
        with pytest.raises(QuestionError) as error:
            parse_questions(items, W)
        assert str(error.value) == f"{W}: must be one or more [[webinars.questions]] tables"
    twice = [{"key": "k", "kind": "text", "text": "t"}] * 2
    with pytest.raises(QuestionError) as error:
        parse_questions(twice, W)
    assert str(error.value) == f"{W}[2].key: must be unique, 1-24 characters of a-z, 0-9 and _"

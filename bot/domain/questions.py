"""Survey questions: the default set built from a webinar's topics, or a webinar's own list.

A webinar may define its own questions in the series file, replacing the defaults:

    [[webinars.questions]]
    key = "relevance"            # a-z, 0-9 and _ (unique within the webinar)
    kind = "rating"              # rating (1-5), choice, or text
    text = "How relevant was the webinar to your work?"
    text_es = "¿Fue pertinente el webinario para su trabajo?"  # optional; text_fr too
    required = true              # optional, default true
    choices = ["A", "B"]         # choice questions only; choices_es, choices_fr optional
    max_length = 500             # text questions only, default 1000
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bot.domain.catalogue import LANGUAGES

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

KINDS = ("rating", "choice", "text")
_KEY_RE = re.compile(r"[a-z0-9_]{1,24}", re.ASCII)
_TRANSLATED = tuple(LANGUAGES[1:])
_QUESTION_KEYS = (
    "key",
    "kind",
    "text",
    *(f"text_{lang}" for lang in _TRANSLATED),
    "required",
    "choices",
    *(f"choices_{lang}" for lang in _TRANSLATED),
    "max_length",
)
DEFAULT_MAX_LENGTH = 1000


class QuestionError(ValueError):
    """A question in the series file is invalid; str() names the field."""


@dataclass(frozen=True)
class Question:
    """One survey question. Default questions carry a label key instead of their own text."""

    key: str
    kind: str
    required: bool = False
    text: str | None = None
    translations: Mapping[str, str] = field(default_factory=dict)  # text_es, text_fr ...
    label: str | None = None  # templates/labels/labels.toml [survey] key
    topic_index: int | None = None  # the webinar topic a default question is about
    choices: tuple[str, ...] = ()
    choice_translations: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    topic_choices: bool = False  # choices are the webinar's topics
    max_length: int = DEFAULT_MAX_LENGTH

    @property
    def text_es(self) -> str | None:
        """The Spanish text, if the series file gives one."""
        return self.translations.get("es")

    @property
    def choices_es(self) -> tuple[str, ...] | None:
        """The Spanish choices, if the series file gives them."""
        return self.choice_translations.get("es")

    def text_for(self, lang: str) -> str:
        """The question's own text in a language, else in the main language."""
        return self.translations.get(lang) or self.text or ""

    def choices_for(self, lang: str) -> tuple[str, ...]:
        """The choices in a language, else in the main language."""
        return self.choice_translations.get(lang) or self.choices


def default_questions(topic_count: int) -> tuple[Question, ...]:
    """Overall rating, each topic's usefulness, the most useful topic, two open questions."""
    questions = [Question("overall", "rating", required=True, label="overall")]
    questions += [
        Question(f"topic_{i + 1}", "rating", label="topic", topic_index=i)
        for i in range(topic_count)
    ]
    if topic_count:
        questions.append(Question("most_useful", "choice", label="most_useful", topic_choices=True))
    questions.append(Question("next_topics", "text", label="next_topics"))
    questions.append(Question("support", "text", label="support"))
    return tuple(questions)


def _text(item: dict[str, Any], key: str, where: str, required: bool, limit: int = 300) -> Any:
    """A one-line text field of a question."""
    value = item.get(key)
    if value is None:
        if required:
            raise QuestionError(f"{where}.{key}: is required")
        return None
    if not isinstance(value, str) or not value.strip() or "\n" in value or len(value) > limit:
        raise QuestionError(f"{where}.{key}: must be one line of text, at most {limit} characters")
    return value.strip()


def _choices(item: dict[str, Any], key: str, where: str) -> tuple[str, ...] | None:
    """A list of choice labels."""
    value = item.get(key)
    if value is None:
        return None
    if (
        not isinstance(value, list)
        or not 2 <= len(value) <= 10
        or not all(isinstance(v, str) and v.strip() and len(v) <= 60 for v in value)
    ):
        raise QuestionError(f"{where}.{key}: must be a list of 2 to 10 short texts")
    return tuple(v.strip() for v in value)


def _translated_choices(
    item: dict[str, Any], here: str, choices: tuple[str, ...] | None
) -> dict[str, tuple[str, ...]]:
    """The choices_es, choices_fr ... of a question, each as long as its choices."""
    translated = {}
    for lang in _TRANSLATED:
        found = _choices(item, f"choices_{lang}", here)
        if found is None:
            continue
        if choices is not None and len(found) != len(choices):
            raise QuestionError(f"{here}.choices_{lang}: must have as many items as choices")
        translated[lang] = found
    return translated


def parse_questions(items: Any, where: str) -> tuple[Question, ...]:
    """Validate a webinar's [[webinars.questions]] list."""
    if not isinstance(items, list) or not items or not all(isinstance(i, dict) for i in items):
        raise QuestionError(f"{where}: must be one or more [[webinars.questions]] tables")
    questions: list[Question] = []
    for number, item in enumerate(items, 1):
        here = f"{where}[{number}]"
        unknown = sorted(set(item) - set(_QUESTION_KEYS))
        if unknown:
            raise QuestionError(f"{here}.{unknown[0]}: unknown key")
        key = _text(item, "key", here, required=True, limit=24)
        if not _KEY_RE.fullmatch(key) or any(q.key == key for q in questions):
            raise QuestionError(f"{here}.key: must be unique, 1-24 characters of a-z, 0-9 and _")
        kind = item.get("kind")
        if kind not in KINDS:
            raise QuestionError(f"{here}.kind: must be one of {', '.join(KINDS)}")
        required = item.get("required", True)
        if not isinstance(required, bool):
            raise QuestionError(f"{here}.required: must be true or false")
        choices = _choices(item, "choices", here)
        translated = _translated_choices(item, here, choices)
        if kind == "choice" and choices is None:
            raise QuestionError(f"{here}.choices: a choice question needs choices")
        if kind != "choice" and (choices or translated):
            raise QuestionError(f"{here}.choices: only choice questions have choices")
        max_length = item.get("max_length", DEFAULT_MAX_LENGTH)
        if kind != "text" and "max_length" in item:
            raise QuestionError(f"{here}.max_length: only text questions have a length")
        if not isinstance(max_length, int) or not 1 <= max_length <= 4000:
            raise QuestionError(f"{here}.max_length: must be a whole number from 1 to 4000")
        questions.append(
            Question(
                key=key,
                kind=kind,
                required=required,
                text=_text(item, "text", here, required=True),
                translations={
                    lang: given
                    for lang in _TRANSLATED
                    if (given := _text(item, f"text_{lang}", here, required=False))
                },
                choices=choices or (),
                choice_translations=translated,
                max_length=max_length,
            )
        )
    return tuple(questions)


def anonymous_answer_keys(question_sets: Iterable[Iterable[Question]]) -> set[str]:
    """The keys of questions answered by a rating or a choice, kept (anonymous) on erasure.

    Free-text answers may name or describe the person, so they are erased with the rest.
    """
    return {q.key for questions in question_sets for q in questions if q.kind != "text"}

"""Typed answers matched to a question's buttons, and free questions matched to a command.

Pure functions. A question's choices come as {value: labels}, the labels in every language of
the bot; `match_choice` adds the common other names below (SYNONYMS) and compares ignoring case,
accents and punctuation. A clear winner is taken as if its button had been pressed; otherwise
the closest few are proposed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping, Sequence

SURE: Final = 0.8
CLOSE: Final = 0.55
MARGIN: Final = 0.1
MAX_PROPOSALS: Final = 3
MIN_PREFIX: Final = 3
ALL: Final = "all"

# Other names people type for a choice, by the kind of question; matched like the labels.
SYNONYMS: Final[Mapping[str, Mapping[str, tuple[str, ...]]]] = {
    "languages": {
        "en": ("english", "ingles", "anglais", "eng"),
        "es": ("spanish", "espanol", "castellano", "espagnol", "esp"),
        "fr": ("french", "frances", "francais", "fra"),
    },
    "countries": {
        "AG": ("antigua", "barbuda", "antigua y barbuda", "antigua et barbuda"),
        "BZ": ("belice",),
        "GY": ("guyane", "guayana"),
        "LC": ("st lucia", "saint lucia", "santa lucia", "sainte lucie"),
        "VC": (
            "st vincent",
            "svg",
            "san vicente",
            "saint vincent",
            "st vincent and the grenadines",
        ),
        "TT": ("trinidad", "tobago", "t and t", "t t", "tt", "trinite", "trinite et tobago"),
        "other": ("another", "otro", "otra", "autre", "none of these"),
    },
    "sexes": {
        "woman": ("female", "f", "women", "lady", "mujer", "femenino", "femme", "feminin"),
        "man": ("male", "m", "men", "hombre", "masculino", "homme", "masculin"),
        "undisclosed": (
            "prefer not to say",
            "rather not say",
            "no answer",
            "prefiero no decirlo",
            "prefiero no responder",
            "je prefere ne pas le dire",
        ),
    },
    "institutions": {
        "foreign_affairs": ("foreign affairs", "mfa", "relaciones exteriores", "cancilleria"),
        "national_security": ("national security", "home affairs", "ministry of security"),
        "police": ("policia", "police force", "constabulary"),
        "defence": ("defense", "army", "military", "defensa", "armee"),
        "customs": ("aduanas", "douanes", "customs and excise"),
        "prosecution": ("prosecutor", "dpp", "fiscalia", "ministere public"),
    },
    "webinars": {
        ALL: (
            "all",
            "all of them",
            "everything",
            "every webinar",
            "all webinars",
            "both",
            "todos",
            "todos ellos",
            "todas",
            "tous",
            "toutes",
            "tous les webinaires",
        ),
    },
}

_WHEN_WORDS: Final = frozenset(
    {"when", "time", "date", "dates", "schedule", "cuando", "hora", "fecha", "horario"}
    | {"quand", "heure", "horaire", "calendar", "calendario", "calendrier", "today", "tomorrow"}
)
_SPACE_RE: Final = re.compile(r"[^0-9a-z]+")
_SAINT_RE: Final = re.compile(r"\b(?:st|ste)\b")


@dataclass(frozen=True)
class ChoiceMatch:
    """The choice a typed answer means (`value`), or the closest few to propose (`proposals`)."""

    value: str | None
    proposals: tuple[str, ...] = ()


def normalise(text: str) -> str:
    """Lower case, without accents or punctuation, '&' as 'and', 'St' as 'saint'."""
    plain = unicodedata.normalize("NFKD", text.casefold().replace("&", " and "))
    ascii_text = "".join(c for c in plain if not unicodedata.combining(c))
    words = _SPACE_RE.sub(" ", ascii_text).strip()
    return _SAINT_RE.sub("saint", words)


def _score(typed: str, label: str) -> float:
    """How well typed text (normalised) fits a label (normalised), from 0 to 1."""
    if not typed or not label:
        return 0.0
    long_enough = len(typed) >= MIN_PREFIX
    rules = (
        (typed == label, 1.0),
        (long_enough and label.startswith(typed), 0.9),
        (len(label) >= MIN_PREFIX and f" {label} " in f" {typed} ", 0.85),
        (long_enough and any(word.startswith(typed) for word in label.split()), 0.8),
    )
    for holds, score in rules:
        if holds:
            return score
    if not long_enough:
        return 0.0
    whole = SequenceMatcher(None, typed, label).ratio()
    start = SequenceMatcher(None, typed, label[: len(typed)]).ratio()
    return max(whole, start * 0.85) * 0.9


def _labels(kind: str, choices: Mapping[str, Sequence[str]]) -> Iterable[tuple[str, Iterable[str]]]:
    """Each choice with its labels and the common other names of its kind."""
    extra = SYNONYMS.get(kind, {})
    for value, labels in choices.items():
        yield value, (*labels, *extra.get(value, ()))


def match_choice(typed: str, kind: str, choices: Mapping[str, Sequence[str]]) -> ChoiceMatch:
    """The choice `typed` means among `choices` ({value: labels}) of a kind of question."""
    wanted = normalise(typed)
    scores = sorted(
        (
            (max((_score(wanted, normalise(label)) for label in labels), default=0.0), value)
            for value, labels in _labels(kind, choices)
        ),
        key=lambda pair: -pair[0],
    )
    if not scores:
        return ChoiceMatch(None)
    best, value = scores[0]
    runner_up = scores[1][0] if len(scores) > 1 else 0.0
    if best >= SURE and best - runner_up >= MARGIN:
        return ChoiceMatch(value)
    close = tuple(v for score, v in scores if score >= CLOSE)[:MAX_PROPOSALS]
    return ChoiceMatch(None, close)


def command_for(text: str) -> str:
    """The command that answers a free question: 'schedule' for when/what time, else 'help'."""
    words = set(normalise(text).split())
    return "schedule" if words & _WHEN_WORDS else "help"

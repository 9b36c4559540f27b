"""Unit tests: typed answers matched to choices, and free questions to a command."""

from __future__ import annotations

import pytest

from bot.domain.catalogue import COUNTRIES, INSTITUTIONS, LANGUAGES, SEXES
from bot.domain.choice_matching import ALL, ChoiceMatch, command_for, match_choice, normalise
from bot.render.texts import Texts


def choices(kind: str, values: tuple[str, ...]) -> dict[str, list[str]]:
    """Every value's label in every language, as the bot offers them."""
    texts = Texts()
    return {v: [texts.label(lang, f"{kind}.{v}") for lang in LANGUAGES] for v in values}


def test_normalise_drops_case_accents_and_punctuation() -> None:
    assert normalise("  Trinité-et-Tobago! ") == "trinite et tobago"
    assert normalise("St. Lucia") == "saint lucia"
    assert normalise("T&T") == "t and t"


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("Trinidad", "TT"),
        ("trinidad and tobago", "TT"),
        ("Trinidad y Tobago", "TT"),
        ("T&T", "TT"),
        ("st lucia", "LC"),
        ("Santa Lucía", "LC"),
        ("guyana", "GY"),
        ("I am from Belize", "BZ"),
    ],
)
def test_countries(typed: str, value: str) -> None:
    assert match_choice(typed, "countries", choices("countries", COUNTRIES)) == ChoiceMatch(value)


@pytest.mark.parametrize(
    ("typed", "value"),
    [
        ("female", "woman"),
        ("Mujer", "woman"),
        ("femme", "woman"),
        ("MALE", "man"),
        ("hombre", "man"),
    ],
)
def test_sexes_in_any_language(typed: str, value: str) -> None:
    assert match_choice(typed, "sexes", choices("sexes", SEXES)).value == value


def test_languages_and_institutions() -> None:
    assert match_choice("español", "languages", choices("languages", LANGUAGES)).value == "es"
    assert match_choice("french", "languages", choices("languages", LANGUAGES)).value == "fr"
    found = match_choice("policía", "institutions", choices("institutions", INSTITUTIONS))
    assert found.value == "police"


def test_unsure_proposes_the_closest_and_nonsense_proposes_nothing() -> None:
    saints = match_choice("saint", "countries", choices("countries", COUNTRIES))
    assert saints.value is None and set(saints.proposals) == {"LC", "VC"}
    assert "BZ" in match_choice("Belise", "countries", choices("countries", COUNTRIES)).proposals
    assert match_choice("xyzzy", "countries", choices("countries", COUNTRIES)) == ChoiceMatch(None)
    assert match_choice("", "sexes", choices("sexes", SEXES)) == ChoiceMatch(None)


def test_all_of_them() -> None:
    for typed in ("all of them", "Todos", "tous"):
        assert match_choice(typed, "webinars", {ALL: []}).value == ALL


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("when is the webinar?", "schedule"),
        ("¿Cuándo es el webinario?", "schedule"),
        ("À quelle heure ?", "schedule"),
        ("what is this bot?", "help"),
        ("hello", "help"),
    ],
)
def test_free_questions_point_to_a_command(text: str, command: str) -> None:
    assert command_for(text) == command

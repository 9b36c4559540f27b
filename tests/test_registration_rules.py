"""The registration questionnaire's rules without Telegram: the order of questions and answers."""

from __future__ import annotations

from typing import Any

import pytest

from bot.domain.catalogue import ZONE_CHOICES
from bot.domain.registration import (
    PRIVACY_NOTICE_VERSION,
    Step,
    answer_button,
    answer_text,
    check_code,
    give_consent,
    next_step,
    reset_field,
    start_draft,
)
from bot.domain.validation import Invalid

WEBINARS = ["w1", "w2", "w3"]


def refused(call: Any, *args: Any) -> str:
    """The reason a call refuses its input with."""
    with pytest.raises(Invalid) as error:
        call(*args)
    return error.value.reason


def test_the_questions_come_in_order_and_others_ask_more() -> None:
    draft: dict[str, Any] = {}
    assert next_step(draft, code_required=False) is Step.LANGUAGE
    draft["language"] = "en"
    assert next_step(draft, code_required=True) is Step.CODE
    draft["code_ok"] = False
    assert next_step(draft, code_required=True) is Step.CODE
    assert next_step(draft, code_required=False) is Step.NAME
    draft["full_name"] = "Ana"
    assert next_step(draft, False) is Step.COUNTRY
    draft["country"] = "other"
    assert next_step(draft, False) is Step.COUNTRY_OTHER
    draft["country_other"] = "Jamaica"
    assert next_step(draft, False) is Step.TIMEZONE
    draft["timezone"] = "America/Jamaica"
    assert next_step(draft, False) is Step.INSTITUTION
    draft["institution"] = "other"
    assert next_step(draft, False) is Step.INSTITUTION_OTHER
    draft["institution_other"] = "Coast guard"
    assert next_step(draft, False) is Step.POSITION
    draft["position"] = "Officer"
    assert next_step(draft, False) is Step.SEX
    draft["sex"] = "woman"
    assert next_step(draft, False) is Step.EMAIL
    draft["email"] = None
    assert next_step(draft, False) is Step.WEBINARS
    draft["webinars"] = ["w1"]
    assert next_step(draft, False) is Step.CONSENT
    give_consent(draft, "2027-01-05T14:00:00Z")
    assert draft["consent_version"] == PRIVACY_NOTICE_VERSION
    assert next_step(draft, False) is Step.CONFIRM
    draft["code_ok"] = True
    assert next_step(draft, True) is Step.CONFIRM


def test_a_known_state_sets_its_zone_and_other_asks_for_it() -> None:
    draft: dict[str, Any] = {"country_other": "x", "timezone": "Etc/UTC"}
    assert answer_button(draft, Step.COUNTRY, "GY", WEBINARS) is True
    assert draft == {"country": "GY", "timezone": "America/Guyana"}
    assert answer_button(draft, Step.COUNTRY, "other", WEBINARS) is True
    assert draft == {"country": "other"}
    assert answer_button(draft, Step.TIMEZONE, "0", WEBINARS) is True
    assert draft["timezone"] == ZONE_CHOICES[0]
    last = str(len(ZONE_CHOICES) - 1)
    assert answer_button(draft, Step.TIMEZONE, last, WEBINARS) is True
    assert draft["timezone"] == ZONE_CHOICES[-1]
    draft = {"institution_other": "x"}
    assert answer_button(draft, Step.INSTITUTION, "police", WEBINARS) is True
    assert draft == {"institution": "police"}
    assert answer_button(draft, Step.LANGUAGE, "es", WEBINARS) is True
    assert answer_button(draft, Step.SEX, "undisclosed", WEBINARS) is True
    assert answer_button(draft, Step.EMAIL, "skip", WEBINARS) is True
    assert draft == {
        "institution": "police",
        "language": "es",
        "sex": "undisclosed",
        "email": None,
    }


@pytest.mark.parametrize(
    ("step", "value"),
    [
        (Step.LANGUAGE, "de"),
        (Step.COUNTRY, "ZZ"),
        (Step.TIMEZONE, str(len(ZONE_CHOICES))),
        (Step.TIMEZONE, "-1"),
        (Step.INSTITUTION, "navy"),
        (Step.SEX, "other"),
        (Step.EMAIL, "none"),
        (Step.NAME, "Ana"),
        (Step.WEBINARS, "3"),
        (Step.WEBINARS, "x"),
    ],
)
def test_forged_buttons_are_refused(step: Step, value: str) -> None:
    draft: dict[str, Any] = {}
    assert refused(answer_button, draft, step, value, WEBINARS) == "error_button"
    assert draft == {}


def test_webinars_are_toggled_then_chosen_in_series_order() -> None:
    draft: dict[str, Any] = {}
    assert answer_button(draft, Step.WEBINARS, "0", WEBINARS) is False
    assert draft["webinar_choice"] == ["w2", "w3"]  # all chosen at first: w1 taken off
    assert answer_button(draft, Step.WEBINARS, "0", WEBINARS) is False
    assert draft["webinar_choice"] == ["w2", "w3", "w1"]
    assert answer_button(draft, Step.WEBINARS, "2", WEBINARS) is False
    assert answer_button(draft, Step.WEBINARS, "done", WEBINARS) is True
    assert draft == {"webinars": ["w1", "w2"]}
    empty: dict[str, Any] = {"webinar_choice": ["gone"]}
    assert refused(answer_button, empty, Step.WEBINARS, "done", WEBINARS) == "error_no_webinar"


def test_typed_answers_are_checked_and_stored() -> None:
    draft: dict[str, Any] = {}
    answer_text(draft, Step.NAME, "  Ana   Smith ")
    answer_text(draft, Step.COUNTRY_OTHER, "Jamaica")
    answer_text(draft, Step.TIMEZONE, "utc-5")
    answer_text(draft, Step.INSTITUTION_OTHER, "Coast guard")
    answer_text(draft, Step.POSITION, "Chief")
    answer_text(draft, Step.EMAIL, "Ana@X.org")
    assert draft == {
        "full_name": "Ana Smith",
        "country_other": "Jamaica",
        "timezone": "Etc/GMT+5",
        "institution_other": "Coast guard",
        "position": "Chief",
        "email": "Ana@x.org",
    }
    assert refused(answer_text, draft, Step.SEX, "woman") == "use_buttons"
    for step, too_long in (
        (Step.COUNTRY_OTHER, "x" * 81),
        (Step.INSTITUTION_OTHER, "x" * 121),
        (Step.POSITION, "x" * 121),
        (Step.POSITION, "x"),
        (Step.COUNTRY_OTHER, "x"),
        (Step.INSTITUTION_OTHER, "x"),
    ):
        assert refused(answer_text, {}, step, too_long) == "error_length"
    answer_text(draft, Step.COUNTRY_OTHER, "x" * 80)
    answer_text(draft, Step.INSTITUTION_OTHER, "x" * 120)
    answer_text(draft, Step.POSITION, "x" * 120)


def test_editing_a_field_asks_it_again() -> None:
    draft: dict[str, Any] = {
        "country": "other",
        "country_other": "Jamaica",
        "timezone": "America/Jamaica",
        "institution": "other",
        "institution_other": "Coast guard",
        "webinars": ["w2"],
    }
    reset_field(draft, "country")
    assert draft == {
        "institution": "other",
        "institution_other": "Coast guard",
        "webinars": ["w2"],
    }
    reset_field(draft, "institution")
    reset_field(draft, "webinars")
    assert draft == {"webinar_choice": ["w2"]}
    reset_field(draft, "webinars")
    assert draft == {"webinar_choice": ["w2"]}


def test_the_registration_code() -> None:
    draft: dict[str, Any] = {}
    assert refused(check_code, draft, "wrong", "CARIB2027") == "error_code"
    assert draft == {}
    check_code(draft, "  CARIB2027 ", "CARIB2027")
    assert draft == {"code_ok": True}


def test_start_draft_from_a_deep_link() -> None:
    assert start_draft(None, WEBINARS, "") == {}
    assert start_draft("CARIB2027", WEBINARS, "CARIB2027", "es") == {
        "code_ok": True,
        "language_hint": "es",
    }
    assert start_draft("w2", WEBINARS, "CARIB2027", "fr") == {
        "webinar_choice": ["w2"],
        "language_hint": "fr",
    }
    assert start_draft("w2", WEBINARS, "CARIB2027", "de") == {"webinar_choice": ["w2"]}
    assert start_draft("w2", WEBINARS, "") == {"webinar_choice": ["w2"]}
    assert start_draft("nope", WEBINARS, "CARIB2027") == {}
    assert start_draft("", WEBINARS, "") == {}


def test_answers_on_a_fresh_draft_and_the_shortest_typed_answers() -> None:
    draft: dict[str, Any] = {}
    assert answer_button(draft, Step.COUNTRY, "other", WEBINARS) is True
    assert draft == {"country": "other"}
    assert answer_button(draft, Step.INSTITUTION, "customs", WEBINARS) is True
    assert answer_button(draft, Step.WEBINARS, "done", WEBINARS) is True
    assert draft["webinars"] == WEBINARS
    for step, key in (
        (Step.COUNTRY_OTHER, "country_other"),
        (Step.INSTITUTION_OTHER, "institution_other"),
        (Step.POSITION, "position"),
    ):
        answer_text(draft, step, "ab")
        assert draft[key] == "ab"
    give_consent(draft, "2027-01-05T14:00:00Z")
    assert draft["consent_at"] == "2027-01-05T14:00:00Z"

"""The registration questionnaire as plain logic: which question comes next, and what answers mean.

A draft is a dict of the answers given so far (stored as JSON in the conversations table).
Handlers ask `next_step`, show that question, and feed button presses and typed text to
`answer_button` / `answer_text`, which validate the answer and write it into the draft.
"""

from __future__ import annotations

import hmac
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from bot.domain.catalogue import (
    COUNTRIES,
    COUNTRY_ZONES,
    INSTITUTIONS,
    LANGUAGES,
    SEXES,
    ZONE_CHOICES,
)
from bot.domain.validation import Invalid, clean_email, clean_name, clean_text, clean_timezone

if TYPE_CHECKING:
    from collections.abc import Iterable

    from bot.domain.series import Webinar

PRIVACY_NOTICE_VERSION = "2026-11-29"


class Step(StrEnum):
    """Named states of the registration and profile conversations."""

    LANGUAGE = "lang"
    CODE = "code"
    NAME = "name"
    COUNTRY = "country"
    COUNTRY_OTHER = "country_other"
    TIMEZONE = "tz"
    INSTITUTION = "inst"
    INSTITUTION_OTHER = "inst_other"
    POSITION = "position"
    SEX = "sex"
    EMAIL = "email"
    WEBINARS = "webinars"
    CONSENT = "consent"
    CONFIRM = "confirm"
    EDIT_MENU = "edit"


# Steps answered by typing; the others are answered with buttons (EMAIL and TIMEZONE take both).
TEXT_STEPS = frozenset(
    {
        Step.CODE,
        Step.NAME,
        Step.COUNTRY_OTHER,
        Step.TIMEZONE,
        Step.INSTITUTION_OTHER,
        Step.POSITION,
        Step.EMAIL,
    }
)

# Fields a participant can change, with the step that asks for each and the draft keys it resets.
EDITABLE_FIELDS: dict[str, tuple[Step, tuple[str, ...]]] = {
    "language": (Step.LANGUAGE, ("language",)),
    "name": (Step.NAME, ("full_name",)),
    "country": (Step.COUNTRY, ("country", "country_other", "timezone")),
    "timezone": (Step.TIMEZONE, ("timezone",)),
    "institution": (Step.INSTITUTION, ("institution", "institution_other")),
    "position": (Step.POSITION, ("position",)),
    "sex": (Step.SEX, ("sex",)),
    "email": (Step.EMAIL, ("email",)),
    "webinars": (Step.WEBINARS, ("webinars",)),
}


def next_step(draft: dict[str, Any], code_required: bool) -> Step:
    """Return the first question the draft has no answer to yet (CONFIRM when complete)."""
    if "language" not in draft:
        return Step.LANGUAGE
    if code_required and not draft.get("code_ok"):
        return Step.CODE
    if "full_name" not in draft:
        return Step.NAME
    if "country" not in draft:
        return Step.COUNTRY
    if draft["country"] == "other" and "country_other" not in draft:
        return Step.COUNTRY_OTHER
    if "timezone" not in draft:
        return Step.TIMEZONE
    if "institution" not in draft:
        return Step.INSTITUTION
    if draft["institution"] == "other" and "institution_other" not in draft:
        return Step.INSTITUTION_OTHER
    if "position" not in draft:
        return Step.POSITION
    if "sex" not in draft:
        return Step.SEX
    if "email" not in draft:
        return Step.EMAIL
    if "webinars" not in draft:
        return Step.WEBINARS
    if "consent_at" not in draft:
        return Step.CONSENT
    return Step.CONFIRM


def reset_field(draft: dict[str, Any], field: str) -> None:
    """Forget a field's answer (and what depends on it) so its question is asked again."""
    _, keys = EDITABLE_FIELDS[field]
    if field == "webinars" and "webinars" in draft:
        draft["webinar_choice"] = list(draft["webinars"])
    for key in keys:
        draft.pop(key, None)


# Wrong registration codes one person may type in CODE_WINDOW before being asked to wait.
CODE_ATTEMPTS = 5
CODE_WINDOW = timedelta(hours=1)


def code_wait_minutes(wrong: int, oldest: datetime | None, now: datetime) -> int:
    """Minutes (at least 1) before another code may be typed, or 0 when it may be now."""
    if wrong < CODE_ATTEMPTS or oldest is None:
        return 0
    remaining = oldest + CODE_WINDOW - now
    return max(1, -(-int(remaining.total_seconds()) // 60))


def check_code(draft: dict[str, Any], typed: str, code: str) -> None:
    """Accept the registration code in constant time, or refuse it."""
    if not hmac.compare_digest(typed.strip().encode(), code.encode()):
        raise Invalid("error_code")
    draft["code_ok"] = True


def answer_button(draft: dict[str, Any], step: Step, value: str, webinar_ids: list[str]) -> bool:
    """Apply a pressed button's value to the draft; return False when the step is still open.

    Raises Invalid for a value that no button of this step carries (forged data).
    """
    if step is Step.LANGUAGE and value in LANGUAGES:
        draft["language"] = value
    elif step is Step.COUNTRY and value in COUNTRIES:
        draft["country"] = value
        draft.pop("country_other", None)
        if value in COUNTRY_ZONES:
            draft["timezone"] = COUNTRY_ZONES[value]
        else:
            draft.pop("timezone", None)
    elif step is Step.TIMEZONE and value.isdigit() and int(value) < len(ZONE_CHOICES):
        draft["timezone"] = ZONE_CHOICES[int(value)]
    elif step is Step.INSTITUTION and value in INSTITUTIONS:
        draft["institution"] = value
        draft.pop("institution_other", None)
    elif step is Step.SEX and value in SEXES:
        draft["sex"] = value
    elif step is Step.EMAIL and value == "skip":
        draft["email"] = None
    elif step is Step.WEBINARS:
        return _toggle_webinar(draft, value, webinar_ids)
    else:
        raise Invalid("error_button")
    return True


def _toggle_webinar(draft: dict[str, Any], value: str, webinar_ids: list[str]) -> bool:
    """Toggle one webinar in the pending choice, or close the choice with 'done'."""
    choice = [w for w in draft.get("webinar_choice", webinar_ids) if w in webinar_ids]
    if value == "done":
        if not choice:
            raise Invalid("error_no_webinar")
        draft["webinars"] = [w for w in webinar_ids if w in choice]
        draft.pop("webinar_choice", None)
        return True
    if not value.isdigit() or int(value) >= len(webinar_ids):
        raise Invalid("error_button")
    webinar = webinar_ids[int(value)]
    if webinar in choice:
        choice.remove(webinar)
    else:
        choice.append(webinar)
    draft["webinar_choice"] = choice
    return False


def answer_text(draft: dict[str, Any], step: Step, text: str) -> None:
    """Validate a typed answer for a text step and store it in the draft."""
    if step is Step.NAME:
        draft["full_name"] = clean_name(text)
    elif step is Step.COUNTRY_OTHER:
        draft["country_other"] = clean_text(text, min_len=2, max_len=80)
    elif step is Step.TIMEZONE:
        draft["timezone"] = clean_timezone(text)
    elif step is Step.INSTITUTION_OTHER:
        draft["institution_other"] = clean_text(text, min_len=2, max_len=120)
    elif step is Step.POSITION:
        draft["position"] = clean_text(text, min_len=2, max_len=120)
    elif step is Step.EMAIL:
        draft["email"] = clean_email(text)
    else:
        raise Invalid("use_buttons")


def give_consent(draft: dict[str, Any], now_iso: str) -> None:
    """Record consent to the privacy notice with its time and the notice's version."""
    draft["consent_at"] = now_iso
    draft["consent_version"] = PRIVACY_NOTICE_VERSION


def open_webinar_ids(webinars: Iterable[Webinar], now: datetime) -> list[str]:
    """The webinars one may still register for: those that have not ended."""
    return [w.id for w in webinars if w.ends_at > now]


def start_draft(
    payload: str | None, webinar_ids: list[str], code: str, language: str | None = None
) -> dict[str, Any]:
    """Begin a draft from a /start deep-link payload: the code, or a webinar to preselect."""
    draft: dict[str, Any] = {}
    if language in LANGUAGES:
        draft["language_hint"] = language
    if payload and code and hmac.compare_digest(payload.encode(), code.encode()):
        draft["code_ok"] = True
    elif payload and payload in webinar_ids:
        draft["webinar_choice"] = [payload]
    return draft

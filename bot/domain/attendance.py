"""Where attendance comes from, and which source may overrule which.

A platform's report outranks what participants say of themselves; an organizer's correction
outranks both. Between self-reports ("I'm attending", the survey's question) the later
deliberate answer stands; a button on an older message never silently overturns a newer answer.
"""

from __future__ import annotations

from typing import Final

PLATFORM: Final = "import"
BUTTON: Final = "button"
SURVEY: Final = "survey"
CORRECTION: Final = "correction"
SOURCES: Final = (PLATFORM, BUTTON, SURVEY, CORRECTION)
SELF_REPORTED: Final = (BUTTON, SURVEY)
_RANK: Final = {BUTTON: 1, SURVEY: 1, PLATFORM: 2, CORRECTION: 3}


def replaceable_by(source: str) -> tuple[str, ...]:
    """The sources a new record from `source` may replace: those of its rank or lower."""
    rank = _RANK[source]
    return tuple(s for s in SOURCES if _RANK[s] <= rank)


def outranks(current: str, new: str) -> bool:
    """Whether a recorded source stands above a new one (so the new one is refused)."""
    return _RANK.get(current, 0) > _RANK[new]


def answer_conflict(
    pressed_attended: bool, response_status: str, recorded: bool | None, source: str | None
) -> str | None:
    """Why a Yes/No survey button must be refused, or None when it may be applied.

    `response_status` is the survey response's state, `recorded`/`source` the attendance on
    record. A platform report or correction is not overturned by the participant; an answer
    already given ("No", or a started or completed survey) is changed only through /feedback.
    """
    if source is not None and source not in SELF_REPORTED and recorded is not pressed_attended:
        return "platform_attended" if recorded else "platform_absent"
    if pressed_attended and response_status == "absent":
        return "answered_no"
    if not pressed_attended and response_status in ("open", "completed"):
        return "answered_yes"
    return None


def survey_offered(recorded: bool | None, source: str | None) -> bool:
    """Whether the survey is offered: not when a platform report or correction says absent."""
    return recorded is not False or source in SELF_REPORTED

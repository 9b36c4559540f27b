"""Every button's callback data, built and parsed in one place.

Callback data is `<prefix>:<part>:<part>...`: a known prefix naming the flow or the kind of
button, then short parts of ASCII letters, digits, `_`, `-` and `.`, within Telegram's 64-byte
limit. The builders below are the only way the bot writes callback data; `parse` is the only
way it reads it, and it rejects anything malformed (unknown prefix, wrong number of parts, an
empty or odd part, too long), so handlers receive parts they can trust to be well formed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Final

LIMIT: Final = 64  # bytes, Telegram's limit for callback_data
_PART: Final = re.compile(r"[A-Za-z0-9_.\-]{1,40}", re.ASCII)

REGISTER: Final = "r"
PROFILE: Final = "p"
FORGET: Final = "f"
SCHEDULE: Final = "s"
CALENDAR: Final = "cal"
SETTINGS: Final = "set"
SURVEY: Final = "sv"
ATTENDING: Final = "att"
EXPORT: Final = "x"
BROADCAST: Final = "bc"
ORGANIZERS: Final = "org"
WEBINAR: Final = "wb"
ATTENDANCE: Final = "ai"
MYDATA: Final = "md"
MATERIALS: Final = "mt"
ASK: Final = "aq"
APPROVAL: Final = "ap"

# How many parts follow each prefix: (fewest, most).
PARTS: Final[dict[str, tuple[int, int]]] = {
    REGISTER: (2, 2),
    PROFILE: (2, 2),
    FORGET: (2, 2),
    SCHEDULE: (2, 2),
    CALENDAR: (1, 1),
    SETTINGS: (2, 2),
    SURVEY: (3, 4),
    ATTENDING: (1, 1),
    EXPORT: (2, 3),
    BROADCAST: (2, 3),
    ORGANIZERS: (2, 4),
    WEBINAR: (2, 4),
    ATTENDANCE: (1, 2),
    MYDATA: (1, 1),
    MATERIALS: (2, 4),
    ASK: (1, 2),
    APPROVAL: (2, 2),
}


class CallbackDataError(ValueError):
    """Callback data the bot would refuse to read back (a programming error when building)."""


@dataclass(frozen=True)
class Press:
    """A parsed button press: its prefix and the parts after it."""

    prefix: str
    parts: tuple[str, ...]

    def part(self, index: int) -> str:
        """The part at `index`, or "" when there are fewer parts."""
        return self.parts[index] if index < len(self.parts) else ""


def parse(data: str | None) -> Press | None:
    """Read callback data; None when it is not data this bot could have built."""
    if not data or len(data.encode("utf-8")) > LIMIT:
        return None
    prefix, *parts = data.split(":")
    bounds = PARTS.get(prefix)
    if bounds is None or not bounds[0] <= len(parts) <= bounds[1]:
        return None
    if not all(_PART.fullmatch(part) for part in parts):
        return None
    return Press(prefix, tuple(parts))


def build(prefix: str, *parts: object) -> str:
    """Callback data from a prefix and its parts, checked exactly as `parse` will read it."""
    data = ":".join((prefix, *(str(part) for part in parts)))
    if parse(data) != Press(prefix, tuple(str(part) for part in parts)):
        raise CallbackDataError(f"callback data not readable back: {data!r}")
    return data


def question(flow_prefix: str, step: str, value: str) -> str:
    """A registration or profile question's answer button: `r:<step>:<value>`."""
    return build(flow_prefix, step, value)


def profile_field(field: str) -> str:
    """The button under /profile that starts changing one field."""
    return build(PROFILE, "menu", field)


def forget(choice: str) -> str:
    """Erase ("yes") or keep ("no"), under the /forget question."""
    return build(FORGET, "confirm", choice)


def schedule(action: str, index: int) -> str:
    """Join or leave the webinar at `index` from the schedule."""
    return build(SCHEDULE, action, index)


def calendar(which: int | str) -> str:
    """A calendar file: a webinar's index, or "all"."""
    return build(CALENDAR, which)


def reminders(choice: str) -> str:
    """Turn reminders "on" or "off" from /settings."""
    return build(SETTINGS, "reminders", choice)


def survey(response_id: int, index: int, action: str, value: str = "") -> str:
    """A survey button: the response, the question's index, the action and its value."""
    return build(SURVEY, response_id, index, action, *((value,) if value else ()))


def attending(index: int) -> str:
    """The "I'm attending" button of the webinar at `index`."""
    return build(ATTENDING, index)


def export_kind(kind: str) -> str:
    """Pick what to export."""
    return build(EXPORT, "k", kind)


def export_format(kind: str, fmt: str) -> str:
    """Pick the format of an export."""
    return build(EXPORT, "f", kind, fmt)


def broadcast(broadcast_id: int, step: str, value: str) -> str:
    """A choice in the broadcast dialogue, bound to the draft and its step."""
    return build(BROADCAST, broadcast_id, step, value)


def broadcast_stop(broadcast_id: int) -> str:
    """The Cancel button under a running broadcast."""
    return build(BROADCAST, broadcast_id, "stop")


def console(prefix: str, token: str, step: str, *parts: str) -> str:
    """An organizer console button, bound to its conversation's token and step."""
    return build(prefix, token, step, *parts)


def attendance_import(action: str, index: int | None = None) -> str:
    """A step of importing an attendance report: pick webinar `index` ("w"), "ok" or "no"."""
    return build(ATTENDANCE, action) if index is None else build(ATTENDANCE, action, index)


def mydata_file() -> str:
    """Ask for everything stored about oneself as a JSON file."""
    return build(MYDATA, "json")


def ask(index: int) -> str:
    """Start a question for the speakers of the webinar at `index` (under a reminder or /ask)."""
    return build(ASK, "s", index)


def ask_topic(index: int | None) -> str:
    """The topic a question is about: the webinar's topic at `index`, or none ("-")."""
    return build(ASK, "t", "-" if index is None else index)


def ask_anonymous(anonymous: bool) -> str:
    """Whether the organizers may see the asker's name ("0") or not ("1")."""
    return build(ASK, "a", int(anonymous))


def ask_cancel() -> str:
    """Stop asking a question."""
    return build(ASK, "x")


def ask_withdraw(question_id: int) -> str:
    """Withdraw one's own question."""
    return build(ASK, "w", question_id)


def approval(choice: str, participant_id: int) -> str:
    """Approve ("y") or decline ("n") every webinar a participant waits for."""
    return build(APPROVAL, choice, participant_id)

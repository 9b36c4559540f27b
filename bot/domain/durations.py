"""Parse and format short human durations such as "30s", "10m", "1h30m" and "2d"."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Final

MAX_DURATION: Final = timedelta(days=365)
EXAMPLES: Final = "30s, 10m, 1h30m, 2d"

_PATTERN: Final = re.compile(
    r"(?:(?P<d>\d+)d)?(?:(?P<h>\d+)h)?(?:(?P<m>\d+)m)?(?:(?P<s>\d+)s)?",
    re.ASCII,
)
_SECONDS: Final = {"d": 86_400, "h": 3_600, "m": 60, "s": 1}
_MAX_DIGITS: Final = 12


def _show(text: str) -> str:
    """Quote user input for an error message, shortened and kept on one line."""
    shown = text if len(text) <= 40 else text[:37] + "..."
    return '"' + shown.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'


def parse_duration(text: str) -> timedelta:
    """Parse e.g. "1h30m" (units d, h, m, s, once each, in that order) into a timedelta."""
    if not isinstance(text, str):
        raise ValueError(f"{text!r} is not a duration; use e.g. {EXAMPLES}")
    cleaned = text.strip().lower()
    if not cleaned:
        raise ValueError(f"empty duration; use e.g. {EXAMPLES}")
    if cleaned.startswith("-"):
        raise ValueError(f"{_show(text.strip())} is negative; use e.g. {EXAMPLES}")
    match = _PATTERN.fullmatch(cleaned)
    if match is None or not any(match.groupdict().values()):
        raise ValueError(f"{_show(text.strip())} is not a duration; use e.g. {EXAMPLES}")
    parts = {unit: value for unit, value in match.groupdict().items() if value is not None}
    if any(len(value) > _MAX_DIGITS for value in parts.values()):
        raise ValueError(f"{_show(text.strip())} is too long; the maximum is 365d")
    seconds = sum(int(value) * _SECONDS[unit] for unit, value in parts.items())
    result = timedelta(seconds=seconds)
    if result > MAX_DURATION:
        raise ValueError(f"{_show(text.strip())} is too long; the maximum is 365d")
    return result


def format_duration(td: timedelta) -> str:
    """Return the canonical form of a non-negative duration, e.g. "1h30m" or "0s"."""
    if td < timedelta(0):
        raise ValueError(f"cannot format a negative duration ({td})")
    remaining = td // timedelta(seconds=1)
    parts: list[str] = []
    for unit, size in _SECONDS.items():
        count, remaining = divmod(remaining, size)
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"

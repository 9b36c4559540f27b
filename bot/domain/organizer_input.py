"""Checks on what organizers type in the chat: user ids, local date-times, join links."""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit

from bot.domain.series_fields import URL_MAX
from bot.domain.validation import Invalid

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo

USER_ID_MAX: Final = 2**63 - 1  # SQLite's INTEGER; Telegram's ids are far smaller
START_AHEAD_MAX: Final = timedelta(days=5 * 366)
START_EXAMPLE: Final = "2027-01-22 10:00"

_USER_ID: Final = re.compile(r"[0-9]{1,19}", re.ASCII)
_START: Final = re.compile(
    r"(\d{4})-(\d{1,2})-(\d{1,2})(?:\s+|T)(\d{1,2})[:h.](\d{2})(?::00)?", re.ASCII
)


def _plain(raw: str | None) -> str:
    """NFKC-normalise typed text and strip spaces, so full-width digits read as digits."""
    return unicodedata.normalize("NFKC", raw or "").strip()


def clean_user_id(raw: str | None) -> int:
    """Check a Telegram user id: digits only, positive, at most 2^63 - 1."""
    text = _plain(raw)
    if not _USER_ID.fullmatch(text):
        raise Invalid("organizers_error_id")
    value = int(text)
    if not 0 < value <= USER_ID_MAX:
        raise Invalid("organizers_error_id")
    return value


def parse_local_time(raw: str | None, zone: ZoneInfo, now: datetime) -> datetime:
    """Read an organizer's local 'YYYY-MM-DD HH:MM' as a future moment (no DD/MM guessing).

    The one reader of typed date-times: refused with Invalid("local_time", problem) where the
    problem is "format", "gap" (the clocks jump over that time), "past" or "far".
    """
    text = _plain(raw)
    found = _START.fullmatch(text)
    if found is None:
        raise Invalid("local_time", (("problem", "format"),))
    year, month, day, hour, minute = (int(part) for part in found.groups())
    try:
        local = datetime(year, month, day, hour, minute, tzinfo=zone)
    except ValueError:
        raise Invalid("local_time", (("problem", "format"),)) from None
    moment = local.astimezone(UTC)
    if moment.astimezone(zone).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise Invalid("local_time", (("problem", "gap"),))
    if moment <= now:
        raise Invalid("local_time", (("problem", "past"),))
    if moment > now + START_AHEAD_MAX:
        raise Invalid("local_time", (("problem", "far"),))
    return moment


def parse_start(raw: str | None, zone: ZoneInfo, now: datetime) -> datetime:
    """A webinar's new start, read by parse_local_time; refusals name the /webinar template."""
    try:
        return parse_local_time(raw, zone, now)
    except Invalid as refusal:
        problem = refusal.context()["problem"]
        raise Invalid("webinar_error_start", (("wb_problem", problem),)) from None


def clean_join_url(raw: str | None) -> str:
    """Check a join link: an http(s) URL with a public host name, at most 2048 characters."""
    text = (raw or "").strip()
    if len(text) > URL_MAX:
        raise Invalid("webinar_error_link", (("wb_problem", "length"), ("got", len(text))))
    if not _is_web_url(text):
        raise Invalid("webinar_error_link", (("wb_problem", "form"), ("got", len(text))))
    return text


def _is_web_url(text: str) -> bool:
    """Whether text is an http(s) URL with a dotted host and nothing invisible in it."""
    if any(ch.isspace() or unicodedata.category(ch).startswith("C") for ch in text):
        return False
    try:
        parts = urlsplit(text)
        host, _ = parts.hostname, parts.port  # .port raises on a bad port
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host) and "." in (host or "")

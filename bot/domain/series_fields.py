"""Reading typed fields of the series file's TOML tables, with errors that name the field."""

from __future__ import annotations

import difflib
import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.durations import parse_duration

if TYPE_CHECKING:
    from collections.abc import Iterable

TITLE_MAX: Final = 200
TOPIC_MAX: Final = 300
URL_MAX: Final = 2048
START_EXAMPLE: Final = "2027-01-20T10:00:00-04:00"
_TIME_OF_DAY: Final = re.compile(r"([0-9]{1,2}):([0-9]{2})")


class SeriesError(Exception):
    """The series file is missing or invalid; str() is one line naming the file and field."""


def show(value: object) -> str:
    """Quote a value for an error message, shortened and kept on one line."""
    text = value if isinstance(value, str) else repr(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return '"' + text.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'


def type_name(value: object) -> str:
    """Describe a TOML value's type in words."""
    names = {
        bool: "true/false",
        int: "a number",
        float: "a number",
        str: "text",
        list: "a list",
        dict: "a table",
        datetime: "a date-time",
        date: "a date",
    }
    return next((n for t, n in names.items() if type(value) is t), type(value).__name__)


def _sorted_unique(values: Iterable[timedelta]) -> tuple[timedelta, ...]:
    """Return durations de-duplicated and sorted from the longest to the shortest."""
    return tuple(sorted(set(values), reverse=True))


class Table:
    """Reads typed fields from one TOML table, raising SeriesError that names the field."""

    def __init__(self, data: dict[str, Any], where: str, source: str) -> None:
        """Wrap a TOML table found at `where` (e.g. "webinars[2]") in file `source`."""
        self.data = data
        self.where = where
        self.source = source

    def error(self, key: str | None, message: str) -> SeriesError:
        """Build a SeriesError for a key of this table (or the table itself)."""
        where = self.where if key is None else f"{self.where}.{key}" if self.where else key
        return SeriesError(f"{self.source}: {where}: {message}")

    def check_keys(self, allowed: tuple[str, ...]) -> None:
        """Reject keys not in `allowed`, suggesting the closest known key."""
        for key in self.data:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f'did you mean "{close[0]}"?' if close else f"known: {', '.join(allowed)}"
                raise self.error(key, f"unknown key ({hint})")

    def raw(self, key: str, required: bool) -> Any:
        """Return the raw value, raising if a required key is missing."""
        if key not in self.data:
            if required:
                raise self.error(key, "missing")
            return None
        return self.data[key]

    def clean_text(self, key: str, value: Any, max_len: int) -> str:
        """Validate one text value: a string, non-empty after stripping, short, one line."""
        if not isinstance(value, str):
            raise self.error(key, f"must be text in quotes, not {type_name(value)}")
        text = value.strip()
        if not text:
            raise self.error(key, "must not be empty")
        if len(text) > max_len:
            raise self.error(key, f"is {len(text)} characters long; the maximum is {max_len}")
        if any(unicodedata.category(ch) == "Cc" for ch in text):
            raise self.error(key, "must be a single line without control characters")
        return text

    def text(self, key: str, max_len: int = TITLE_MAX) -> str:
        """Return a required text field."""
        return self.clean_text(key, self.raw(key, required=True), max_len)

    def optional_text(self, key: str, max_len: int = TITLE_MAX) -> str | None:
        """Return an optional text field, or None when absent."""
        value = self.raw(key, required=False)
        return None if value is None else self.clean_text(key, value, max_len)

    def translations(self, key: str, languages: Iterable[str]) -> dict[str, str]:
        """The optional `<key>_<lang>` texts given (title_es, organizer_fr ...), by language."""
        return {
            lang: given
            for lang in languages
            if (given := self.optional_text(f"{key}_{lang}")) is not None
        }

    def optional_count(self, key: str, unit: str, low: int, high: int) -> int | None:
        """Return an optional whole number from `low` to `high` (None when absent)."""
        value = self.raw(key, required=False)
        if value is None:
            return None
        if type(value) is not int or not low <= value <= high:
            raise self.error(
                key, f"must be a whole number of {unit} from {low} to {high}, not {show(value)}"
            )
        return value

    def text_list(
        self, key: str, required: bool, max_len: int = TOPIC_MAX
    ) -> tuple[str, ...] | None:
        """Return a non-empty list of text values (None when optional and absent)."""
        value = self.raw(key, required)
        if value is None:
            return None
        if not isinstance(value, list):
            raise self.error(
                key, f'must be a list like ["first", "second"], not {type_name(value)}'
            )
        if not value:
            raise self.error(key, "must list at least one item")
        return tuple(
            self.clean_text(f"{key}[{i}]", item, max_len) for i, item in enumerate(value, 1)
        )

    def duration(self, key: str, value: Any = None) -> timedelta:
        """Return a required duration field such as "15m"."""
        value = self.raw(key, required=True) if value is None else value
        if not isinstance(value, str):
            raise self.error(
                key, f'must be a duration in quotes, e.g. "15m", not {type_name(value)}'
            )
        try:
            return parse_duration(value)
        except ValueError as exc:
            raise self.error(key, str(exc)) from None

    def durations(self, key: str, required: bool) -> tuple[timedelta, ...] | None:
        """Return a list of durations sorted descending without duplicates (None if absent)."""
        value = self.raw(key, required)
        if value is None:
            return None
        if not isinstance(value, list):
            raise self.error(key, f'must be a list like ["1d", "1h"], not {type_name(value)}')
        return _sorted_unique(self.duration(f"{key}[{i}]", v) for i, v in enumerate(value, 1))

    def timezone(self, key: str) -> ZoneInfo:
        """Return a required IANA time zone such as "America/Port_of_Spain"."""
        name = self.text(key, max_len=100)
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise self.error(
                key, f'{show(name)} is not a known time zone, e.g. "America/Port_of_Spain"'
            ) from None

    def time_of_day(self, key: str, default: time) -> time:
        """Return an optional time of day written "HH:MM" (24-hour), or `default` when absent."""
        value = self.raw(key, required=False)
        if value is None:
            return default
        match = _TIME_OF_DAY.fullmatch(value.strip()) if isinstance(value, str) else None
        if match and int(match[1]) < 24 and int(match[2]) < 60:
            return time(int(match[1]), int(match[2]))
        example = 'in quotes from "00:00" to "23:59", e.g. "18:00"'
        raise self.error(key, f"must be a time of day {example}, not {show(value)}")

    def start(self, key: str) -> datetime:
        """Return a required TOML offset date-time, converted to UTC."""
        value = self.raw(key, required=True)
        if isinstance(value, str):
            raise self.error(key, f"write the date-time without quotes, e.g. {START_EXAMPLE}")
        if not isinstance(value, datetime | date):
            raise self.error(key, f"must be a date-time like {START_EXAMPLE}")
        if not isinstance(value, datetime) or value.tzinfo is None:
            raise self.error(key, f"needs a time zone offset, e.g. {START_EXAMPLE}")
        return value.astimezone(UTC)

    def url(self, key: str) -> str:
        """Return a required http(s) URL."""
        url = self.text(key, max_len=URL_MAX)
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in url:
            raise self.error(key, f"{show(url)} is not an http(s) URL")
        return url

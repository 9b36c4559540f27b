"""Load and validate the webinar series description (series.toml).

Error messages name the file and the field, e.g.
``series.toml: webinars[2].starts_at: needs a time zone offset, e.g. 2027-01-20T10:00:00-04:00``.
Webinars are numbered from 1 in the order they appear in the file.
"""

from __future__ import annotations

import difflib
import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot.domain.catalogue import LANGUAGES
from bot.domain.durations import parse_duration
from bot.domain.questions import Question, QuestionError, default_questions, parse_questions

TITLE_MAX: Final = 200
TOPIC_MAX: Final = 300
URL_MAX: Final = 2048
MAX_ATTENDANCE_MINUTES: Final = 1440
START_EXAMPLE: Final = "2027-01-20T10:00:00-04:00"

_WEBINAR_ID_RE: Final = re.compile(r"[a-z0-9-]{1,32}", re.ASCII)
_CODE_RE: Final = re.compile(r"[A-Za-z0-9_-]{4,64}", re.ASCII)
_TOP_KEYS: Final = ("series", "webinars")
# Each language other than the first may give its own title and topics: title_es, topics_fr ...
_TRANSLATED: Final = tuple(LANGUAGES[1:])
_SERIES_KEYS: Final = (
    "title",
    *(f"title_{lang}" for lang in _TRANSLATED),
    "organizer",
    *(f"organizer_{lang}" for lang in _TRANSLATED),
    "timezone",
    "reminders",
    "feedback_after",
    "feedback_closes_after",
    "feedback_nudge_after",
    "registration_code",
    "survey_anonymous",
    "attendance_min_minutes",
    "organizer_digest",
    "organizer_digest_names",
)
DIGEST_MODES: Final = ("off", "each")
_WEBINAR_KEYS: Final = (
    "id",
    "title",
    *(f"title_{lang}" for lang in _TRANSLATED),
    "starts_at",
    "duration",
    "join_url",
    "topics",
    *(f"topics_{lang}" for lang in _TRANSLATED),
    "reminders",
    "questions",
)


class SeriesError(Exception):
    """The series file is missing or invalid; str() is one line naming the file and field."""


def _base(lang: str | None) -> str:
    """The bare language of a code: "es-TT" -> "es"."""
    return (lang or "").lower().replace("_", "-").split("-")[0]


@dataclass(frozen=True)
class Webinar:
    """One webinar of the series; times are aware datetimes in UTC."""

    id: str
    title: str
    titles: Mapping[str, str]
    starts_at: datetime
    duration: timedelta
    join_url: str
    topics: tuple[str, ...]
    topic_lists: Mapping[str, tuple[str, ...]]
    reminders: tuple[timedelta, ...]
    questions: tuple[Question, ...] = ()

    @property
    def title_es(self) -> str | None:
        """The Spanish title, if the series file gives one."""
        return self.titles.get("es")

    @property
    def topics_es(self) -> tuple[str, ...] | None:
        """The Spanish topics, if the series file gives them."""
        return self.topic_lists.get("es")

    @property
    def ends_at(self) -> datetime:
        """Return the end time (start plus duration), in UTC."""
        return self.starts_at + self.duration

    def title_for(self, lang: str | None) -> str:
        """Return the title in a language when the series file gives one, else the title."""
        return self.titles.get(_base(lang)) or self.title

    def topics_for(self, lang: str | None) -> tuple[str, ...]:
        """Return the topics in a language when the series file gives them, else the topics."""
        return self.topic_lists.get(_base(lang)) or self.topics


@dataclass(frozen=True)
class Series:
    """The whole webinar series; webinars are sorted by start time."""

    title: str
    organizer: str
    timezone: ZoneInfo
    reminders: tuple[timedelta, ...]
    feedback_after: timedelta
    registration_code: str
    webinars: tuple[Webinar, ...]
    feedback_closes_after: timedelta = timedelta(days=7)
    feedback_nudge_after: timedelta = timedelta(days=1)
    survey_anonymous: bool = True  # when true the report quotes no free-text answers
    titles: Mapping[str, str] = field(default_factory=dict)
    organizers: Mapping[str, str] = field(default_factory=dict)
    organizer_digest: str = "off"  # "each": every new registration goes to the organizers
    organizer_digest_names: bool = False  # whether the digest names the participant

    def title_for(self, lang: str | None) -> str:
        """Return the series title in a language when the series file gives one, else the title."""
        return self.titles.get(_base(lang)) or self.title

    def organizer_for(self, lang: str | None) -> str:
        """Return the organizer's name in a language when the series file gives one."""
        return self.organizers.get(_base(lang)) or self.organizer

    attendance_min_minutes: int = 0  # minutes in a platform's report to count as attended

    def webinar(self, id: str) -> Webinar | None:
        """Return the webinar with this id, or None."""
        return next((w for w in self.webinars if w.id == id), None)


def _show(value: object) -> str:
    """Quote a value for an error message, shortened and kept on one line."""
    text = value if isinstance(value, str) else repr(value)
    text = text if len(text) <= 60 else text[:57] + "..."
    return '"' + text.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'


def _type_name(value: object) -> str:
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


class _Table:
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
            raise self.error(key, f"must be text in quotes, not {_type_name(value)}")
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

    def text_list(
        self, key: str, required: bool, max_len: int = TOPIC_MAX
    ) -> tuple[str, ...] | None:
        """Return a non-empty list of text values (None when optional and absent)."""
        value = self.raw(key, required)
        if value is None:
            return None
        if not isinstance(value, list):
            raise self.error(
                key, f'must be a list like ["first", "second"], not {_type_name(value)}'
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
                key, f'must be a duration in quotes, e.g. "15m", not {_type_name(value)}'
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
            raise self.error(key, f'must be a list like ["1d", "1h"], not {_type_name(value)}')
        return _sorted_unique(self.duration(f"{key}[{i}]", v) for i, v in enumerate(value, 1))

    def timezone(self, key: str) -> ZoneInfo:
        """Return a required IANA time zone such as "America/Port_of_Spain"."""
        name = self.text(key, max_len=100)
        try:
            return ZoneInfo(name)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            raise self.error(
                key, f'{_show(name)} is not a known time zone, e.g. "America/Port_of_Spain"'
            ) from None

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
            raise self.error(key, f"{_show(url)} is not an http(s) URL")
        return url


def _parse_series_table(data: dict[str, Any], source: str) -> _Table:
    """Return the [series] table, checking the top level of the document."""
    top = _Table(data, "", source)
    top.check_keys(_TOP_KEYS)
    table = top.raw("series", required=True)
    if not isinstance(table, dict):
        raise top.error("series", "must be a [series] table")
    return _Table(table, "series", source)


def _parse_webinar(table: _Table, default_reminders: tuple[timedelta, ...]) -> Webinar:
    """Build one Webinar from its [[webinars]] table."""
    table.check_keys(_WEBINAR_KEYS)
    webinar_id = table.text("id", max_len=1000)
    if not _WEBINAR_ID_RE.fullmatch(webinar_id):
        raise table.error("id", f"{_show(webinar_id)} must be 1-32 characters of a-z, 0-9 and -")
    title = table.text("title")
    titles = {
        lang: given
        for lang in _TRANSLATED
        if (given := table.optional_text(f"title_{lang}")) is not None
    }
    starts_at = table.start("starts_at")
    duration = table.duration("duration")
    if duration <= timedelta(0):
        raise table.error("duration", 'must be longer than 0, e.g. "2h"')
    join_url = table.url("join_url")
    topics = table.text_list("topics", required=True) or ()
    topic_lists = {}
    for lang in _TRANSLATED:
        translated = table.text_list(f"topics_{lang}", required=False)
        if translated is None:
            continue
        if len(translated) != len(topics):
            raise table.error(
                f"topics_{lang}",
                f"has {len(translated)} items but topics has {len(topics)}; list each once",
            )
        topic_lists[lang] = translated
    reminders = table.durations("reminders", required=False)
    raw_questions = table.raw("questions", required=False)
    try:
        questions = (
            default_questions(len(topics))
            if raw_questions is None
            else parse_questions(raw_questions, f"{table.where}.questions")
        )
    except QuestionError as exc:
        raise SeriesError(f"{table.source}: {exc}") from None
    return Webinar(
        id=webinar_id,
        title=title,
        titles=titles,
        starts_at=starts_at,
        duration=duration,
        join_url=join_url,
        topics=topics,
        topic_lists=topic_lists,
        reminders=default_reminders if reminders is None else reminders,
        questions=questions,
    )


def _parse_webinars(
    data: dict[str, Any], source: str, default_reminders: tuple[timedelta, ...]
) -> tuple[Webinar, ...]:
    """Build all webinars, checking ids are unique, and sort them by start time."""
    top = _Table(data, "", source)
    items = top.raw("webinars", required=False)
    if items is None or items == []:
        raise top.error("webinars", "add at least one [[webinars]] table")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise top.error("webinars", "must be written as [[webinars]] tables")
    webinars: list[Webinar] = []
    first_seen: dict[str, int] = {}
    for number, item in enumerate(items, 1):
        table = _Table(item, f"webinars[{number}]", source)
        webinar = _parse_webinar(table, default_reminders)
        if webinar.id in first_seen:
            raise table.error(
                "id", f"{_show(webinar.id)} is already used by webinars[{first_seen[webinar.id]}]"
            )
        first_seen[webinar.id] = number
        webinars.append(webinar)
    return tuple(sorted(webinars, key=lambda w: (w.starts_at, w.id)))


def parse_series(text: str, source: str = "series.toml") -> Series:
    """Parse and validate series TOML text; `source` names the file in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = " ".join(str(exc).split())
        raise SeriesError(f"{source}: TOML syntax error: {message}") from None
    table = _parse_series_table(data, source)
    table.check_keys(_SERIES_KEYS)
    title = table.text("title")
    series_titles = {
        lang: given
        for lang in _TRANSLATED
        if (given := table.optional_text(f"title_{lang}")) is not None
    }
    organizer = table.text("organizer")
    organizers = {
        lang: given
        for lang in _TRANSLATED
        if (given := table.optional_text(f"organizer_{lang}")) is not None
    }
    timezone = table.timezone("timezone")
    reminders = table.durations("reminders", required=True) or ()
    feedback_after = table.duration("feedback_after")
    closes_after = (
        table.duration("feedback_closes_after")
        if table.raw("feedback_closes_after", required=False) is not None
        else timedelta(days=7)
    )
    nudge_after = (
        table.duration("feedback_nudge_after")
        if table.raw("feedback_nudge_after", required=False) is not None
        else timedelta(days=1)
    )
    code = table.raw("registration_code", required=False)
    if code is None:
        code = ""
    if not isinstance(code, str):
        raise table.error("registration_code", f"must be text in quotes, not {_type_name(code)}")
    code = code.strip()
    anonymous = table.raw("survey_anonymous", required=False)
    if not isinstance(anonymous, bool | None):
        raise table.error("survey_anonymous", f"must be true or false, not {_type_name(anonymous)}")
    min_minutes = table.raw("attendance_min_minutes", required=False)
    if min_minutes is None:
        min_minutes = 0
    if isinstance(min_minutes, bool) or not isinstance(min_minutes, int):
        raise table.error(
            "attendance_min_minutes", f"must be a whole number of minutes, not {_show(min_minutes)}"
        )
    if not 0 <= min_minutes <= MAX_ATTENDANCE_MINUTES:
        raise table.error(
            "attendance_min_minutes", f"must be between 0 and {MAX_ATTENDANCE_MINUTES} minutes"
        )
    digest = table.raw("organizer_digest", required=False)
    if digest is None:
        digest = "off"
    if digest not in DIGEST_MODES:
        raise table.error("organizer_digest", f'must be "off" or "each", not {_show(digest)}')
    digest_names = table.raw("organizer_digest_names", required=False)
    if not isinstance(digest_names, bool | None):
        raise table.error(
            "organizer_digest_names", f"must be true or false, not {_type_name(digest_names)}"
        )
    if code and not _CODE_RE.fullmatch(code):
        raise table.error(
            "registration_code", "must be empty or 4-64 characters of A-Z, a-z, 0-9, _ and -"
        )
    return Series(
        title=title,
        organizer=organizer,
        timezone=timezone,
        reminders=reminders,
        feedback_after=feedback_after,
        registration_code=code,
        webinars=_parse_webinars(data, source, reminders),
        feedback_closes_after=closes_after,
        feedback_nudge_after=nudge_after,
        survey_anonymous=anonymous is not False,
        titles=series_titles,
        organizers=organizers,
        attendance_min_minutes=min_minutes,
        organizer_digest=str(digest),
        organizer_digest_names=digest_names is True,
    )


def load_series(path: Path) -> Series:
    """Read and validate the series file at `path`."""
    if path.is_dir():
        raise SeriesError(f"SERIES_FILE: {path} is a folder, not a file")
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise SeriesError(
            f"SERIES_FILE: {path} not found (copy series.example.toml to start)"
        ) from None
    except UnicodeDecodeError:
        raise SeriesError(f"SERIES_FILE: {path} is not UTF-8 text") from None
    except OSError as exc:
        raise SeriesError(f"SERIES_FILE: cannot read {path} ({exc.strerror or exc})") from None
    return parse_series(text, source=str(path))

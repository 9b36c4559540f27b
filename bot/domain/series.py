"""Load and validate the webinar series description (series.toml).

Error messages name the file and the field, e.g.
``series.toml: webinars[2].starts_at: needs a time zone offset, e.g. 2027-01-20T10:00:00-04:00``.
Webinars are numbered from 1 in the order they appear in the file.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from bot.domain.catalogue import LANGUAGES
from bot.domain.certificates import MODES, CertificateRule
from bot.domain.materials import Material, MaterialError, parse_materials
from bot.domain.questions import Question, QuestionError, default_questions, parse_questions
from bot.domain.series_fields import (
    SeriesError,
    Table,
    show,
    type_name,
)

if TYPE_CHECKING:
    from collections.abc import Mapping
    from zoneinfo import ZoneInfo

MAX_ATTENDANCE_MINUTES: Final = 1440

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
    "certificates",
    "certificate_min_minutes",
    "certificate_logo",
    "organizer_digest",
    "organizer_digest_names",
    "approval",
    "organizer_digest_time",
)
DIGEST_MODES: Final = ("off", "each", "daily")
DIGEST_TIME: Final = time(18, 0)  # the daily digest's default time, in the organizers' zone
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
    "materials",
    "recording_url",
    "capacity",
)
MAX_CAPACITY: Final = 1_000_000


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
    materials: tuple[Material, ...] = ()
    recording_url: str | None = None
    capacity: int | None = None  # seats; None: as many as register

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
    attendance_min_minutes: int = 0  # minutes in a platform's report to count as attended
    certificates: CertificateRule = field(default_factory=CertificateRule)
    certificate_logo: Path | None = None  # relative to the series file's folder until loaded
    organizer_digest: str = "off"  # "each": every new registration; "daily": a summary a day
    organizer_digest_names: bool = False  # whether the digest names the participant
    approval: bool = False  # registrations wait for an organizer's Approve or Decline
    organizer_digest_time: time = DIGEST_TIME  # when the daily digest goes, in `timezone`

    def title_for(self, lang: str | None) -> str:
        """Return the series title in a language when the series file gives one, else the title."""
        return self.titles.get(_base(lang)) or self.title

    def organizer_for(self, lang: str | None) -> str:
        """Return the organizer's name in a language when the series file gives one."""
        return self.organizers.get(_base(lang)) or self.organizer

    def webinar(self, id: str) -> Webinar | None:
        """Return the webinar with this id, or None."""
        return next((w for w in self.webinars if w.id == id), None)


def _parse_series_table(data: dict[str, Any], source: str) -> Table:
    """Return the [series] table, checking the top level of the document."""
    top = Table(data, "", source)
    top.check_keys(_TOP_KEYS)
    table = top.raw("series", required=True)
    if not isinstance(table, dict):
        raise top.error("series", "must be a [series] table")
    return Table(table, "series", source)


def _parse_webinar(table: Table, default_reminders: tuple[timedelta, ...]) -> Webinar:
    """Build one Webinar from its [[webinars]] table."""
    table.check_keys(_WEBINAR_KEYS)
    webinar_id = table.text("id", max_len=1000)
    if not _WEBINAR_ID_RE.fullmatch(webinar_id):
        raise table.error("id", f"{show(webinar_id)} must be 1-32 characters of a-z, 0-9 and -")
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
    try:
        materials = parse_materials(
            table.raw("materials", required=False), f"{table.where}.materials"
        )
    except MaterialError as exc:
        raise SeriesError(f"{table.source}: {exc}") from None
    recording = table.raw("recording_url", required=False)
    return Webinar(
        capacity=table.optional_count("capacity", "seats", 1, MAX_CAPACITY),
        materials=materials,
        recording_url=None if recording is None else table.url("recording_url"),
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
    top = Table(data, "", source)
    items = top.raw("webinars", required=False)
    if items is None or items == []:
        raise top.error("webinars", "add at least one [[webinars]] table")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise top.error("webinars", "must be written as [[webinars]] tables")
    webinars: list[Webinar] = []
    first_seen: dict[str, int] = {}
    for number, item in enumerate(items, 1):
        table = Table(item, f"webinars[{number}]", source)
        webinar = _parse_webinar(table, default_reminders)
        if webinar.id in first_seen:
            raise table.error(
                "id", f"{show(webinar.id)} is already used by webinars[{first_seen[webinar.id]}]"
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
        raise table.error("registration_code", f"must be text in quotes, not {type_name(code)}")
    code = code.strip()
    anonymous = table.raw("survey_anonymous", required=False)
    if not isinstance(anonymous, bool | None):
        raise table.error("survey_anonymous", f"must be true or false, not {type_name(anonymous)}")
    min_minutes = table.raw("attendance_min_minutes", required=False)
    if min_minutes is None:
        min_minutes = 0
    if isinstance(min_minutes, bool) or not isinstance(min_minutes, int):
        raise table.error(
            "attendance_min_minutes", f"must be a whole number of minutes, not {show(min_minutes)}"
        )
    if not 0 <= min_minutes <= MAX_ATTENDANCE_MINUTES:
        raise table.error(
            "attendance_min_minutes", f"must be between 0 and {MAX_ATTENDANCE_MINUTES} minutes"
        )
    digest = table.raw("organizer_digest", required=False)
    if digest is None:
        digest = "off"
    if digest not in DIGEST_MODES:
        modes = ", ".join(f'"{mode}"' for mode in DIGEST_MODES)
        raise table.error("organizer_digest", f"must be one of {modes}, not {show(digest)}")
    digest_names = table.raw("organizer_digest_names", required=False)
    if not isinstance(digest_names, bool | None):
        raise table.error(
            "organizer_digest_names", f"must be true or false, not {type_name(digest_names)}"
        )
    approval = table.raw("approval", required=False)
    if not isinstance(approval, bool | None):
        raise table.error("approval", f"must be true or false, not {type_name(approval)}")
    if code and not _CODE_RE.fullmatch(code):
        raise table.error(
            "registration_code", "must be empty or 4-64 characters of A-Z, a-z, 0-9, _ and -"
        )
    return Series(
        certificates=_certificate_rule(table),
        certificate_logo=_logo(table),
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
        approval=approval is True,
        organizer_digest_time=table.time_of_day("organizer_digest_time", DIGEST_TIME),
    )


def _certificate_rule(table: Table) -> CertificateRule:
    """Read who earns a certificate: `certificates` and `certificate_min_minutes`."""
    mode = table.raw("certificates", required=False)
    mode = "off" if mode is None else mode
    if mode not in MODES:
        raise table.error("certificates", f"{show(mode)} must be one of {', '.join(MODES)}")
    minutes = table.raw("certificate_min_minutes", required=False)
    minutes = 0 if minutes is None else minutes
    if type(minutes) is not int or not 0 <= minutes <= 100_000:
        raise table.error("certificate_min_minutes", "must be a whole number of minutes, e.g. 60")
    return CertificateRule(mode=mode, min_minutes=minutes)


def _logo(table: Table) -> Path | None:
    """Read the optional path of the organizer's logo (PNG or JPEG) for certificates."""
    name = table.optional_text("certificate_logo", max_len=1000)
    if name is None:
        return None
    if Path(name).suffix.lower() not in (".png", ".jpg", ".jpeg"):
        raise table.error("certificate_logo", f"{show(name)} must be a .png or .jpg file")
    return Path(name)


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
    series = parse_series(text, source=str(path))
    logo = series.certificate_logo
    if logo is not None:
        logo = path.parent / logo
        if not logo.is_file():
            raise SeriesError(f"{path}: series.certificate_logo: {logo} is not a file")
    webinars = tuple(_with_files(webinar, path) for webinar in series.webinars)
    return dataclasses.replace(series, certificate_logo=logo, webinars=webinars)


def _with_files(webinar: Webinar, path: Path) -> Webinar:
    """The webinar with its materials' PDF paths found beside the series file."""
    if not any(m.file for m in webinar.materials):
        return webinar
    materials = []
    for number, material in enumerate(webinar.materials, 1):
        if material.file is not None:
            found = path.parent / material.file
            if not found.is_file():
                raise SeriesError(
                    f"{path}: webinar {webinar.id}: materials[{number}].file: {found} is not a file"
                )
            material = dataclasses.replace(material, file=found)
        materials.append(material)
    return dataclasses.replace(webinar, materials=tuple(materials))

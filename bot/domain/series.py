"""Load and validate the webinar series description (series.toml).

Error messages name the file and the field, e.g.
``series.toml: webinars[2].starts_at: needs a time zone offset, e.g. 2027-01-20T10:00:00-04:00``.
Webinars are numbered from 1 in the order they appear in the file.
"""

from __future__ import annotations

import dataclasses
import re
import tomllib
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, Final
from zoneinfo import ZoneInfo

from bot.domain.certificates import MODES, CertificateRule
from bot.domain.materials import Material, MaterialError, parse_materials
from bot.domain.questions import Question, QuestionError, default_questions, parse_questions
from bot.domain.series_fields import START_EXAMPLE as START_EXAMPLE
from bot.domain.series_fields import TITLE_MAX as TITLE_MAX
from bot.domain.series_fields import URL_MAX as URL_MAX
from bot.domain.series_fields import SeriesError, Table, show, type_name

_WEBINAR_ID_RE: Final = re.compile(r"[a-z0-9-]{1,32}", re.ASCII)
_CODE_RE: Final = re.compile(r"[A-Za-z0-9_-]{4,64}", re.ASCII)
_TOP_KEYS: Final = ("series", "webinars")
_SERIES_KEYS: Final = (
    "title",
    "organizer",
    "timezone",
    "reminders",
    "feedback_after",
    "feedback_closes_after",
    "feedback_nudge_after",
    "registration_code",
    "survey_anonymous",
    "certificates",
    "certificate_min_minutes",
    "certificate_logo",
)
_WEBINAR_KEYS: Final = (
    "id",
    "title",
    "title_es",
    "starts_at",
    "duration",
    "join_url",
    "topics",
    "topics_es",
    "reminders",
    "questions",
    "materials",
    "recording_url",
)


def _is_spanish(lang: str | None) -> bool:
    """Tell whether a language code (e.g. "es", "es-TT") asks for Spanish."""
    return bool(lang) and lang.lower().replace("_", "-").split("-")[0] == "es"


@dataclass(frozen=True)
class Webinar:
    """One webinar of the series; times are aware datetimes in UTC."""

    id: str
    title: str
    title_es: str | None
    starts_at: datetime
    duration: timedelta
    join_url: str
    topics: tuple[str, ...]
    topics_es: tuple[str, ...] | None
    reminders: tuple[timedelta, ...]
    questions: tuple[Question, ...] = ()
    materials: tuple[Material, ...] = ()
    recording_url: str | None = None

    @property
    def ends_at(self) -> datetime:
        """Return the end time (start plus duration), in UTC."""
        return self.starts_at + self.duration

    def title_for(self, lang: str | None) -> str:
        """Return the Spanish title for Spanish speakers when there is one, else the title."""
        if self.title_es and _is_spanish(lang):
            return self.title_es
        return self.title

    def topics_for(self, lang: str | None) -> tuple[str, ...]:
        """Return the Spanish topics for Spanish speakers when there are some, else the topics."""
        if self.topics_es is not None and _is_spanish(lang):
            return self.topics_es
        return self.topics


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
    certificates: CertificateRule = CertificateRule()
    certificate_logo: Path | None = None  # relative to the series file's folder until loaded

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
    title_es = table.optional_text("title_es")
    starts_at = table.start("starts_at")
    duration = table.duration("duration")
    if duration <= timedelta(0):
        raise table.error("duration", 'must be longer than 0, e.g. "2h"')
    join_url = table.url("join_url")
    topics = table.text_list("topics", required=True) or ()
    topics_es = table.text_list("topics_es", required=False)
    if topics_es is not None and len(topics_es) != len(topics):
        raise table.error(
            "topics_es", f"has {len(topics_es)} items but topics has {len(topics)}; list each once"
        )
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
        materials=materials,
        recording_url=None if recording is None else table.url("recording_url"),
        id=webinar_id,
        title=title,
        title_es=title_es,
        starts_at=starts_at,
        duration=duration,
        join_url=join_url,
        topics=topics,
        topics_es=topics_es,
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
    organizer = table.text("organizer")
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

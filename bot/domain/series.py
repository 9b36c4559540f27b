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
from datetime import time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from bot.domain.certificates import MODES, CertificateRule
from bot.domain.series_fields import (
    SeriesError,
    Table,
    show,
    type_name,
)
from bot.domain.webinars import TRANSLATED, Webinar, base_language, parse_webinars

if TYPE_CHECKING:
    from collections.abc import Mapping
    from zoneinfo import ZoneInfo

MAX_ATTENDANCE_MINUTES: Final = 1440

_CODE_RE: Final = re.compile(r"[A-Za-z0-9_-]{4,64}", re.ASCII)
_TOP_KEYS: Final = ("series", "webinars")
_SERIES_KEYS: Final = (
    "title",
    *(f"title_{lang}" for lang in TRANSLATED),
    "organizer",
    *(f"organizer_{lang}" for lang in TRANSLATED),
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
        return self.titles.get(base_language(lang)) or self.title

    def organizer_for(self, lang: str | None) -> str:
        """Return the organizer's name in a language when the series file gives one."""
        return self.organizers.get(base_language(lang)) or self.organizer

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
    series_titles = table.translations("title", TRANSLATED)
    organizer = table.text("organizer")
    organizers = table.translations("organizer", TRANSLATED)
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
        webinars=parse_webinars(data, source, reminders),
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

"""Import a video platform's attendance report (Zoom or Teams CSV) and match it to participants.

Rows are matched by e-mail first, then by name (case, accents and spacing ignored); a name
shared by two participants is not guessed. The import is all or nothing: a bad file changes
nothing.
"""

from __future__ import annotations

import argparse
import csv
import io
import re
import sys
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bot.clock import to_iso
from bot.config import ConfigError, load_settings
from storage.imported_attendance import ImportedAttendanceStore
from storage.readonly import DatabaseError

NAME_HEADERS = (
    "name (original name)",
    "name",
    "full name",
    "participant",
    "display name",
    "user name",
    "attendee",
    "participant name",
)
EMAIL_HEADERS = (
    "user email",
    "email",
    "e-mail",
    "email address",
    "participant email",
    "attendee email",
    "upn",
)
DURATION_HEADERS = (
    "duration (minutes)",
    "total duration (minutes)",
    "duration",
    "in-meeting duration",
    "attendance duration",
    "time in session (minutes)",
)
MAX_BYTES = 20 * 1024 * 1024


class AttendanceFileError(ValueError):
    """The file cannot be imported; str() says why in one line."""


@dataclass
class Attendee:
    """One person in the report, with their minutes added up over their rows."""

    name: str
    email: str
    minutes: int | None = None


@dataclass
class ImportReport:
    """What the import did."""

    rows: int = 0
    by_email: int = 0
    by_name: int = 0
    unmatched: list[str] = field(default_factory=list)
    ambiguous: list[str] = field(default_factory=list)


def normalise(name: str) -> str:
    """Compare names without case, accents, punctuation or extra spaces."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"\(.*?\)", " ", text)  # Zoom's "Name (Original Name)"
    return " ".join(re.sub(r"[^\w\s]", " ", text.casefold()).split())


def _decode(raw: bytes) -> str:
    """Decode UTF-16 (Teams), UTF-8 (with or without BOM) or Windows-1252 text."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16")
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        return raw.decode("cp1252", errors="replace")


def _minutes(value: str) -> int | None:
    """Minutes from '45', '45.5', '1h 5m', '1:05:00' or '65 mins'."""
    value = value.strip().lower()
    if not value:
        return None
    if re.fullmatch(r"\d+(\.\d+)?( ?(min|mins|minutes))?", value):
        return round(float(value.split()[0].rstrip("mins")))
    clock = re.fullmatch(r"(\d+):(\d{2})(?::(\d{2}))?", value)
    if clock:
        hours, minutes, seconds = (int(g) if g else 0 for g in clock.groups())
        return hours * 60 + minutes + round(seconds / 60)
    parts = re.findall(r"(\d+)\s*([hms])", value)
    if parts:
        scale = {"h": 60.0, "m": 1.0, "s": 1 / 60}
        return round(sum(int(n) * scale[u] for n, u in parts))
    return None


def _column(header: list[str], names: tuple[str, ...]) -> int | None:
    """The index of the first header cell that is one of `names`."""
    cells = [cell.strip().strip('"').casefold() for cell in header]
    for name in names:
        if name in cells:
            return cells.index(name)
    return None


def read_report(path: Path) -> list[Attendee]:
    """Read the people in a Zoom or Teams attendance CSV (raises AttendanceFileError)."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise AttendanceFileError(f"{path}: larger than {MAX_BYTES // 1024 // 1024} MB")
        text = _decode(path.read_bytes())
    except OSError as exc:
        raise AttendanceFileError(f"{path}: {exc.strerror or exc}") from None
    if "\x00" in text:
        raise AttendanceFileError(f"{path}: not a text (CSV) file")
    delimiter = "\t" if text.count("\t") > text.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    for start, header in enumerate(rows):  # noqa: B007 - Teams puts a summary above the table
        name_at, email_at = _column(header, NAME_HEADERS), _column(header, EMAIL_HEADERS)
        if name_at is not None or email_at is not None:
            break
    else:
        raise AttendanceFileError(
            f"{path}: no name or e-mail column found (is this an attendance "
            "report from Zoom or Teams?)"
        )
    duration_at = _column(header, DURATION_HEADERS)
    people: dict[str, Attendee] = {}
    for row in rows[start + 1 :]:
        if not any(cell.strip() for cell in row):
            if people:
                break  # the end of the participants table
            continue
        name = row[name_at].strip() if name_at is not None and name_at < len(row) else ""
        email = row[email_at].strip() if email_at is not None and email_at < len(row) else ""
        if not name and not email:
            continue
        key = email.casefold() or normalise(name)
        person = people.setdefault(key, Attendee(name, email))
        if duration_at is not None and duration_at < len(row):
            minutes = _minutes(row[duration_at])
            if minutes is not None:
                person.minutes = (person.minutes or 0) + minutes
    if not people:
        raise AttendanceFileError(f"{path}: the report lists nobody")
    return list(people.values())


def import_attendance(database: Path, webinar_id: str, report: Path, now: datetime) -> ImportReport:
    """Match the report's people to participants and record their attendance in one go."""
    people = read_report(report)
    store = ImportedAttendanceStore(database)
    try:
        if not store.has_webinar(webinar_id):
            raise AttendanceFileError(f"no webinar {webinar_id!r} in the database")
        by_email: dict[str, int] = {}
        by_name: dict[str, list[int]] = {}
        for row in store.reachable_participants():
            if row["email"]:
                by_email[row["email"].casefold()] = row["id"]
            by_name.setdefault(normalise(row["full_name"] or ""), []).append(row["id"])
        result = ImportReport(rows=len(people))
        records = []
        for person in people:
            participant = by_email.get(person.email.casefold()) if person.email else None
            if participant is not None:
                result.by_email += 1
            else:
                found = by_name.get(normalise(person.name), [])
                if len(found) == 1:
                    participant = found[0]
                    result.by_name += 1
                elif len(found) > 1:
                    result.ambiguous.append(person.name or person.email)
                    continue
                else:
                    result.unmatched.append(person.name or person.email)
                    continue
            records.append((participant, webinar_id, person.minutes, to_iso(now)))
        store.record(records)
        return result
    finally:
        store.close()


def add_import_parser(sub: Any) -> None:
    """Register `webinar-bot import-attendance WEBINAR_ID FILE`."""
    parser = sub.add_parser(
        "import-attendance", help="record attendance from a Zoom or Teams attendance report"
    )
    parser.add_argument("webinar_id", help="the webinar's id in the series file")
    parser.add_argument("file", type=Path, help="the platform's attendance report (CSV)")
    parser.add_argument("--env-file", default=".env", help="settings file (default .env)")
    parser.set_defaults(func=run_import)


def run_import(args: argparse.Namespace) -> int:
    """Import the report and print what matched and what did not."""
    try:
        settings = load_settings(env_file=Path(args.env_file))
        if not settings.database_path.exists():
            raise AttendanceFileError(f"DATABASE_PATH: {settings.database_path} does not exist")
        result = import_attendance(
            settings.database_path, args.webinar_id, args.file, datetime.now(UTC)
        )
    except (ConfigError, AttendanceFileError, DatabaseError) as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return 2
    matched = result.by_email + result.by_name
    print(
        f"{matched} of {result.rows} people in the report matched participants "
        f"({result.by_email} by e-mail, {result.by_name} by name); attendance recorded."
    )
    for label, names in (
        ("not matched", result.unmatched),
        ("ambiguous name (more than one participant)", result.ambiguous),
    ):
        if names:
            print(f"{len(names)} {label}:")
            for name in names:
                print(f"  - {name}")
    return 0

"""What an import would record: each registrant found in the report with their minutes.

The plan is worked out before anything is written, so the command and the chat can show it
and the import stays all or nothing.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Final

from bot.reporting.attendance.formats import Connection, Report, read_report
from bot.reporting.attendance.intervals import TimeReader, capped_minutes, union_minutes, window
from bot.reporting.attendance.names import Directory, Registrant
from bot.reporting.attendance.reading import AttendanceFileError, read_rows

if TYPE_CHECKING:
    from collections.abc import Iterable

MAX_DAYS_AWAY: Final = timedelta(days=2)


@dataclass(frozen=True)
class Attendee:
    """A registrant the report shows: their minutes, whether they count, how they were found."""

    registrant: Registrant
    minutes: int | None
    attended: bool
    matched_by: str
    rows: int


@dataclass(frozen=True)
class Skipped:
    """A row (or person) that records nothing, and why."""

    name: str
    email: str
    reason: str


@dataclass
class ImportPlan:
    """Everything the import understood about one file, for one webinar."""

    platform: str
    kind: str
    sections: list[str]
    separator: str
    rows: int
    starts: datetime | None
    attendees: list[Attendee] = field(default_factory=list)
    unmatched: list[Skipped] = field(default_factory=list)
    ignored: list[Skipped] = field(default_factory=list)

    def matched(self, how: str) -> int:
        """How many registrants were found by `how` (email or name)."""
        return sum(1 for a in self.attendees if a.matched_by == how)


def _person_key(connection: Connection) -> str:
    """Rows of one person: the same e-mail, or the same name when there is none."""
    if connection.email:
        return "@" + connection.email.strip().casefold()
    return " ".join(connection.name.casefold().split())


def _minutes(kind: str, rows: list[Connection], bounds: tuple[datetime, datetime]) -> int | None:
    """A person's minutes from their rows, as precise as the report allows."""
    if kind == "intervals":
        spans = [(r.join, r.leave) for r in rows if r.join is not None and r.leave is not None]
        if spans:
            return union_minutes(spans, bounds)
    if kind == "actions":
        return union_minutes(_action_spans(rows, bounds[1]), bounds)
    durations = [r.minutes for r in rows if r.minutes is not None]
    return capped_minutes(sum(durations), bounds) if durations else None


def _action_spans(rows: list[Connection], end: datetime) -> list[tuple[datetime, datetime]]:
    """Present while more Joined than Left events (Teams 2020; two devices count once)."""
    spans = []
    inside, since = 0, None
    events = sorted((r.join, r.joined) for r in rows if r.join is not None)
    for moment, joined in events:
        if joined:
            inside += 1
            if inside == 1:
                since = moment
        elif inside > 0:
            inside -= 1
            if inside == 0 and since is not None:
                spans.append((since, moment))
    if inside > 0 and since is not None:
        spans.append((since, max(end, since)))
    return spans


def plan_import(
    raw: bytes,
    registrants: Iterable[Registrant],
    starts_at: datetime,
    duration: timedelta,
    times: TimeReader,
    min_minutes: int = 0,
) -> ImportPlan:
    """Read a report and match it to the webinar's registrants; raises AttendanceFileError."""
    rows, separator = read_rows(raw)
    report: Report = read_report(rows, times)
    if report.starts is not None and abs(report.starts - starts_at) > MAX_DAYS_AWAY:
        raise AttendanceFileError(
            f"the file is for a meeting on {report.starts.astimezone(times.zone):%Y-%m-%d},"
            f" not this webinar ({starts_at.astimezone(times.zone):%Y-%m-%d})"
        )
    plan = ImportPlan(
        report.platform,
        report.kind,
        report.sections,
        {",": "comma", ";": "semicolon", "\t": "tab"}.get(separator, separator),
        len(report.connections),
        report.starts,
    )
    directory = Directory(registrants)
    bounds = window(starts_at, duration)
    people: dict[str, list[Connection]] = {}
    for connection in report.connections:
        if connection.ignored is not None:
            plan.ignored.append(Skipped(connection.name, connection.email, connection.ignored))
        else:
            people.setdefault(_person_key(connection), []).append(connection)
    matched: dict[int, tuple[Registrant, str, list[Connection]]] = {}
    for rows_of_person in people.values():
        first = rows_of_person[0]
        match = directory.match(first.name, first.email)
        if match.registrant is None:
            plan.unmatched.append(Skipped(first.name, first.email, match.how))
            continue
        _, how, earlier = matched.get(match.registrant.id, (match.registrant, match.how, []))
        matched[match.registrant.id] = (match.registrant, how, earlier + rows_of_person)
    for registrant, how, rows_of_person in matched.values():
        minutes = _minutes(report.kind, rows_of_person, bounds)
        attended = minutes is None or minutes >= min_minutes
        plan.attendees.append(Attendee(registrant, minutes, attended, how, len(rows_of_person)))
    plan.attendees.sort(key=lambda a: a.registrant.name.casefold())
    if not plan.attendees:
        raise AttendanceFileError(
            f"no row matches a registrant of this webinar ({plan.rows} rows read,"
            f" {len(plan.unmatched)} people not matched)"
        )
    return plan

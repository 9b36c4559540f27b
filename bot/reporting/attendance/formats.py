"""Find the participants table in a platform's report and recognise the platform by its structure.

A report may hold a summary (meeting data) above the table, several sections (Zoom webinars:
host, panelists, attendees; Teams: summary, participants, in-meeting activities), or just the
table. Every table whose heading names a person is found; the ones giving the most precise
minutes are used: join and leave times per connection, then Joined/Left events (Teams 2020),
then a duration column.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from bot.reporting.attendance.columns import (
    HOST_ROLES,
    HOST_SECTIONS,
    JOINED,
    LEFT,
    NO,
    PANELIST_ROLES,
    PANELIST_SECTIONS,
    YES,
    column_roles,
    fold,
    is_section_title,
    summary_key,
    summary_roles,
)
from bot.reporting.attendance.intervals import TimeReader, duration_minutes
from bot.reporting.attendance.reading import AttendanceFileError

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

KINDS: Final = ("names", "durations", "actions", "intervals")  # least to most precise


@dataclass
class Table:
    """One participants table: the section it sits in, its columns and its rows."""

    section: str
    roles: dict[str, int]
    headings: frozenset[str]
    rows: list[list[str]] = field(default_factory=list)

    @property
    def kind(self) -> str:
        """How the table gives minutes: intervals, actions, durations or names only."""
        if "join" in self.roles and "leave" in self.roles:
            return "intervals"
        if "action" in self.roles and "timestamp" in self.roles:
            return "actions"
        return "durations" if "duration" in self.roles else "names"


@dataclass(frozen=True)
class Connection:
    """One row of the participants table, as understood."""

    name: str
    email: str
    section: str
    join: datetime | None = None
    leave: datetime | None = None
    minutes: float | None = None
    joined: bool | None = None  # Teams 2020: True for Joined, False for Left
    ignored: str | None = None  # why the row adds nothing (host, panelist, waiting room...)


@dataclass
class Report:
    """What a report file holds: its platform, sections, connections and meeting start."""

    platform: str
    kind: str
    sections: list[str]
    connections: list[Connection]
    starts: datetime | None


def _is_participants_header(roles: dict[str, int]) -> bool:
    """A heading row of a participants table names a person and one more thing about them."""
    names = "name" in roles or ("first_name" in roles and "last_name" in roles)
    details = {"email", "join", "leave", "first_join", "duration", "action", "role", "attended"}
    return names and bool(details & roles.keys())


def _has(*headings: str) -> Callable[[frozenset[str], list[str]], bool]:
    """A recogniser: the table has one of these headings."""
    return lambda found, _sections: any(heading in found for heading in headings)


def _section(*titles: str) -> Callable[[frozenset[str], list[str]], bool]:
    """A recogniser: the report has one of these sections."""
    return lambda _found, sections: any(fold(s) in titles for s in sections)


def _either(
    *recognisers: Callable[[frozenset[str], list[str]], bool],
) -> Callable[[frozenset[str], list[str]], bool]:
    """A recogniser: one of these fits."""
    return lambda found, sections: any(fits(found, sections) for fits in recognisers)


# The platforms, each recognised by what its export looks like; the first that fits names it.
PLATFORMS: Final[tuple[tuple[str, Callable[[frozenset[str], list[str]], bool]], ...]] = (
    ("Zoom webinar attendee report", _section("attendee details", "host details")),
    ("Microsoft Teams attendance list (2020)", _has("user action", "accion", "acao", "action")),
    (
        "Microsoft Teams attendance report",
        _either(
            _has("participant id (upn)", "id du participant (upn)", "in-meeting duration"),
            _section("3. in-meeting activities", "3. activites de la reunion"),
        ),
    ),
    ("Webex attendance report", _has("session name", "nome da sessao", "attendance duration")),
    ("Zoom dashboard participants export", _has("ip address", "data center", "device")),
    (
        "Zoom participants report",
        _has(
            "name (original name)",
            "nombre (nombre original)",
            "nome (nome original)",
            "nom (nom d'origine)",
        ),
    ),
    ("Google Meet attendance report", _has("time joined", "time exited")),
)


def _tables(rows: list[list[str]]) -> tuple[list[Table], list[str], dict[str, str]]:
    """Every participants table, the section titles, and what the summary says (start, host)."""
    tables: list[Table] = []
    sections: list[str] = []
    summary: dict[str, str] = {}
    table: Table | None = None
    section = ""
    pending: dict[str, int] | None = None
    for row in rows:
        filled = [cell for cell in row if cell]
        if not filled:
            table = None
            continue
        if is_section_title(row):
            section, table = row[0], None
            sections.append(section)
            continue
        if table is not None:
            table.rows.append(row)
            continue
        roles = column_roles(row)
        if _is_participants_header(roles):
            table = Table(section, roles, frozenset(fold(cell) for cell in row))
            if "start" in (in_table := summary_roles(row)):
                summary.setdefault("start_column", str(in_table["start"]))
            tables.append(table)
        elif pending is not None:
            summary.update(
                {role: row[index] for role, index in pending.items() if index < len(row)}
            )
            pending = None
        elif len(filled) >= 3 and (found := summary_roles(row)):
            pending = found
        elif len(filled) == 2 and (key := summary_key(row[0])) is not None:
            summary.setdefault(key, row[1])
    return tables, sections, summary


def _why_ignored(
    table: Table, cell: Callable[[str], str], email: str, host_email: str
) -> str | None:
    """Why a row adds nothing: host or panelist, did not attend, in the waiting room; or None."""
    section, role = fold(table.section), fold(cell("role"))
    reasons = (
        (section in HOST_SECTIONS, f"host ({table.section})"),
        (section in PANELIST_SECTIONS, f"panelist ({table.section})"),
        (role in HOST_ROLES, f"host or organizer (role {cell('role')})"),
        (role in PANELIST_ROLES, f"panelist or presenter (role {cell('role')})"),
        (fold(cell("attended")) in NO, "did not attend (Attended = No)"),
        (fold(cell("waiting_room")) in YES, "in the waiting room"),
        (bool(host_email) and email.casefold() == host_email, "host (the summary's host e-mail)"),
    )
    return next((reason for applies, reason in reasons if applies), None)


def read_report(rows: list[list[str]], times: TimeReader) -> Report:
    """Understand a report's rows; raises AttendanceFileError without a participants table."""
    tables, sections, summary = _tables(rows)
    tables = [t for t in tables if t.rows]
    if not tables:
        raise AttendanceFileError(
            "no participants table found (a heading row with a name column, such as"
            " 'Name (original name)', 'Full Name' or 'Nombre', followed by rows)"
        )
    best = max(KINDS.index(t.kind) for t in tables)
    chosen = [t for t in tables if KINDS.index(t.kind) == best]
    kind = KINDS[best]
    headings = frozenset().union(*(t.headings for t in tables))
    platform = next(
        (name for name, fits in PLATFORMS if fits(headings, sections)), "attendance table"
    )
    if platform == "Zoom participants report":
        if kind == "durations":
            platform += " (unique users)"
        if "host_email" in summary or "start" in summary:
            platform += ", with meeting data"
    host_email = summary.get("host_email", "").strip().casefold()
    connections: list[Connection] = []
    for table in chosen:
        connections.extend(_connections(table, kind, times, host_email))
    starts = times.read(summary["start"]) if summary.get("start") else None
    if starts is None and "start_column" in summary:
        column = int(summary["start_column"])
        first = chosen[0].rows[0]
        starts = times.read(first[column]) if column < len(first) else None
    if starts is None:
        moments = [c.join for c in connections if c.join is not None]
        starts = min(moments) if moments else None
    return Report(platform, kind, sections, connections, starts)


def _connections(table: Table, kind: str, times: TimeReader, host_email: str) -> list[Connection]:
    """The table's rows as connections; the first person of a Joined/Left list is its organizer."""
    found: list[Connection] = []
    organizer = ""
    for row in table.rows:

        def cell(role: str, row: list[str] = row) -> str:
            """The row's cell for a role, or ''."""
            index = table.roles.get(role)
            return row[index] if index is not None and index < len(row) else ""

        name = cell("name") or " ".join(p for p in (cell("first_name"), cell("last_name")) if p)
        email = cell("email")
        if not name and not email:
            continue
        ignored = _why_ignored(table, cell, email, host_email)
        if kind == "actions":
            organizer = organizer or fold(name)
            if ignored is None and fold(name) == organizer:
                ignored = "organizer (first in the list)"
            action = fold(cell("action"))
            joined = True if action in JOINED else False if action in LEFT else None
            found.append(
                Connection(
                    name,
                    email,
                    table.section,
                    join=times.read(cell("timestamp")),
                    joined=joined,
                    ignored=ignored
                    if joined is not None or ignored
                    else f"unknown action {cell('action')!r}",
                )
            )
            continue
        found.append(
            Connection(
                name,
                email,
                table.section,
                join=times.read(cell("join") or cell("first_join")),
                leave=times.read(cell("leave") or cell("last_leave")),
                minutes=duration_minutes(cell("duration")),
                ignored=ignored,
            )
        )
    return found

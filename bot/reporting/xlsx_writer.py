"""XLSX exports: a Summary sheet of counts, one sheet of rows per webinar, and (feedback) the
Responses sheet: one row per response, a column per question.

XlsxWriter in `constant_memory` mode writes each row to disk as soon as the next one starts,
so a workbook of any size is built in bounded memory. Text cells are written with
write_string, so a spreadsheet never runs them as formulas and they need no escaping (unlike
CSV); numbers stay numbers and times are date-time cells.
"""

from __future__ import annotations

import re
import textwrap
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final
from zoneinfo import ZoneInfo

from xlsxwriter import Workbook

from bot.clock import from_iso
from bot.reporting.export_rows import (
    COLUMNS,
    ExportContext,
    Progress,
    Row,
    feedback_rows,
    sections,
    unchanged,
)
from bot.reporting.statistics import DIMENSIONS, Summary, summarise

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Mapping, Sequence
    from pathlib import Path

    from xlsxwriter.worksheet import Worksheet

    from storage.report_queries import ReportQueries

SHEET_MAX: Final = 31
WIDTH_MAX: Final = 60  # characters: a column no wider than this, however long its text
DATE_WIDTH: Final = 16
_BAD_SHEET_CHARS: Final = re.compile(r"[\[\]:*?/\\]")
ERASED_NOTE: Final = (
    "Counts include participants who erased their data with /forget: their country, sex and "
    "institution type remain, anonymously. They appear in no other sheet; their survey answers "
    "appear without identity in the feedback export."
)
RESPONSE_RATE_NOTE: Final = (
    "Invited: survey responses created for the webinar (one per participant the survey was "
    "sent to, or who opened it with /feedback). Response rate = completed responses / (invited "
    "- those who said they did not attend). Completed / attended = completed responses / "
    "participants recorded as attending."
)


def sheet_name(title: str, used: set[str]) -> str:
    """A valid, unique sheet name: at most 31 characters, none of []:*?/\\, not blank."""
    base = _BAD_SHEET_CHARS.sub("_", title).strip("'") or "Sheet"
    name, number = base[:SHEET_MAX], 1
    while name.lower() in used or name.lower() == "history":
        number += 1
        suffix = f" ({number})"
        name = base[: SHEET_MAX - len(suffix)] + suffix
    used.add(name.lower())
    return name


class _Sheet:
    """Writes rows to one worksheet: text as text (never a formula, so never escaped), numbers
    as numbers, date-times as date-time cells, blanks skipped; column widths follow content."""

    def __init__(self, sheet: Worksheet, bold: Any, when: Any = None) -> None:
        self.sheet, self.bold, self.when, self.row = sheet, bold, when, 0
        self.widths: dict[int, int] = {}

    def write(self, values: Iterable[Any], bold: bool = False) -> None:
        """Write one row of values."""
        sheet, row, widths = self.sheet, self.row, self.widths
        style = self.bold if bold else None
        for col, value in enumerate(values):
            if value is None:
                continue
            if type(value) is str:
                sheet.write_string(row, col, value, style)
                width = len(value)
            elif isinstance(value, datetime):
                sheet.write_datetime(row, col, value, self.when)
                width = DATE_WIDTH
            elif isinstance(value, int | float):
                sheet.write_number(row, col, value, style)
                width = len(f"{value:g}")
            else:
                text = str(value)
                sheet.write_string(row, col, text, style)
                width = len(text)
            if width > widths.get(col, 0):
                widths[col] = width
        self.row += 1

    def skip(self) -> None:
        """Leave one row blank."""
        self.row += 1

    def finish(self, table: bool) -> None:
        """Set each column's width from its content; a table gets a frozen header and filter."""
        for col, width in self.widths.items():
            self.sheet.set_column(col, col, min(max(width, 6), WIDTH_MAX) + 2)
        if table and self.widths:
            self.sheet.freeze_panes(1, 0)
            self.sheet.autofilter(0, 0, max(self.row - 1, 0), max(self.widths))


def _local(zone: ZoneInfo, positions: Sequence[int]) -> Callable[[Row], Row]:
    """A row with its stored UTC times (ISO text) as naive date-times in the zone."""

    def convert(row: Row) -> Row:
        """The row with its time columns converted."""
        cells = list(row)
        for index in positions:
            value = cells[index]
            if isinstance(value, str) and value:
                cells[index] = from_iso(value).astimezone(zone).replace(tzinfo=None)
        return tuple(cells)

    return convert


def write_xlsx(
    queries: ReportQueries,
    ctx: ExportContext,
    kind: str,
    webinars: list[str],
    path: Path,
    filtered: bool,
    progress: Progress | None = None,
) -> int:
    """Write the Summary sheet, a sheet per webinar and (feedback) the Responses sheet.

    Sheets and Summary columns are named by webinar title; times are date-time cells in the
    organizers' zone (named in the header); each table has a frozen header and a filter.
    Return the data rows written (one per answer for feedback).
    """
    workbook = Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "strings_to_numbers": False,
        },
    )
    try:
        bold = workbook.add_format({"bold": True})
        when = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm"})
        used: set[str] = set()
        titles = {w: title for w, (title, _, _) in queries.webinars().items()}
        summary = _Sheet(workbook.add_worksheet(sheet_name("Summary", used)), bold)
        write_summary(queries, ctx, summary, webinars, titles)
        summary.finish(table=False)
        zone = ZoneInfo(ctx.timezone)
        times = [i for i, (key, _) in enumerate(COLUMNS[kind]) if key.endswith("_at")]
        headers = [header.replace("(UTC)", f"({ctx.timezone})") for _, header in COLUMNS[kind]]
        local = _local(zone, times)
        written = 0
        for title, rows in sections(queries, ctx, kind, webinars, unchanged, True, filtered):
            name = sheet_name(titles.get(title, title), used)
            sheet = _Sheet(workbook.add_worksheet(name), bold, when)
            sheet.write(headers, bold=True)
            count = 0
            for row in rows:
                sheet.write(local(row))
                count += 1
                if progress is not None and count % 2000 == 0:
                    progress(2000)
            if progress is not None and count % 2000:
                progress(count % 2000)
            sheet.finish(table=True)
            written += count
        if kind == "feedback":
            sheet = _Sheet(workbook.add_worksheet(sheet_name("Responses", used)), bold, when)
            write_responses(queries, ctx, sheet, webinars, titles)
            sheet.finish(table=True)
    finally:
        workbook.close()
    return written


def write_responses(
    queries: ReportQueries,
    ctx: ExportContext,
    out: _Sheet,
    webinars: list[str],
    titles: Mapping[str, str],
) -> None:
    """One row per survey response, a column per question (of every webinar exported)."""
    many = len(webinars) > 1
    columns: dict[tuple[str, str], int] = {}
    headers = [
        "webinar",
        "response id",
        "participant id",
        "full name",
        "country",
        "institution",
        "sex",
    ]
    for webinar in webinars:
        for key, info in sorted(ctx.questions.get(webinar, {}).items(), key=lambda i: i[1].order):
            columns[(webinar, key)] = len(headers)
            short = textwrap.shorten(titles.get(webinar, webinar), 30, placeholder="…")
            headers.append(f"{short} · {info.text}" if many else info.text)
    out.write(headers, bold=True)
    for webinar in webinars:
        current: list[Any] | None = None
        for row in feedback_rows(queries, ctx, webinar):
            if current is None or current[1] != row[1]:
                if current is not None:
                    out.write(current)
                current = [titles.get(webinar, webinar), *row[1:7]]
                current.extend([None] * (len(headers) - len(current)))
            column = columns.get((webinar, row[7]))
            if column is not None:
                current[column] = row[9]
        if current is not None:
            out.write(current)


def write_summary(
    queries: ReportQueries,
    ctx: ExportContext,
    out: _Sheet,
    webinars: list[str],
    titles: Mapping[str, str],
) -> None:
    """People by country, sex and institution; attendance; response rates; average ratings.

    Webinars are named by title, in columns and rows alike.
    """
    summary = summarise(queries, ctx, webinars)  # the numbers of /stats and the report as well
    out.write(["Summary"], bold=True)
    out.write([ERASED_NOTE])
    out.skip()
    names = {"country": ctx.countries, "sex": ctx.sexes, "institution": ctx.institutions}
    words = {"country": "country", "sex": "sex", "institution": "institution type"}
    for verb, breakdowns in (("Registered", summary.registered), ("Attended", summary.attended)):
        for column in DIMENSIONS:
            found = breakdowns[column]
            out.write(
                [
                    f"{verb} participants by {words[column]}",
                    *(titles.get(w, w) for w in webinars),
                    "All (unique people)",
                ],
                bold=True,
            )
            for code in found.codes:
                out.write(
                    [
                        names[column].get(code, code),
                        *(found.count(w, code) for w in webinars),
                        found.unique[code],
                    ]
                )
            out.write(["Total", *(found.total(w) for w in webinars), found.unique_total], bold=True)
            out.skip()
    _attendance_table(summary, ctx, out, titles)
    _survey_table(summary, out, titles)
    _ratings_table(summary, out, titles)


def _attendance_table(
    summary: Summary, ctx: ExportContext, out: _Sheet, titles: Mapping[str, str]
) -> None:
    """Registered, attended (by sex), recorded absent, and the attendance rate per webinar."""
    sexes = list(ctx.sexes)
    out.write(
        [
            "Attendance per webinar",
            "registered",
            "attended",
            *(f"attended: {ctx.sexes[s]}" for s in sexes),
            "recorded not attending",
            "attended: from the platform's report",
            "attended: self-reported",
            "attended: organizer's correction",
            "attendance rate (attended / registered)",
        ],
        bold=True,
    )
    for row in summary.attendance:
        out.write(
            [
                titles.get(row.webinar, row.webinar),
                row.registered,
                row.attended,
                *(row.by_sex.get(s, 0) for s in sexes),
                row.absent,
                row.from_platform,
                row.self_reported,
                row.corrected,
                row.rate,
            ]
        )
    out.skip()


def _survey_table(summary: Summary, out: _Sheet, titles: Mapping[str, str]) -> None:
    """Invited, started, completed, absent and the response rates per webinar."""
    out.write(
        [
            "Survey per webinar",
            "invited",
            "not started",
            "started, not finished",
            "completed",
            "said they did not attend",
            "response rate",
            "completed / attended",
        ],
        bold=True,
    )
    for row in summary.survey:
        out.write(
            [
                titles.get(row.webinar, row.webinar),
                row.invited,
                row.not_started,
                row.started,
                row.completed,
                row.absent,
                row.response_rate,
                row.completed_per_attended,
            ]
        )
    out.write([RESPONSE_RATE_NOTE])
    out.skip()


def _ratings_table(summary: Summary, out: _Sheet, titles: Mapping[str, str]) -> None:
    """The average of every rating question (1-5), per webinar, with the answers counted."""
    out.write(
        ["Average ratings (1-5)", "question key", "question", "answers", "average"], bold=True
    )
    for row in summary.ratings:
        out.write(
            [titles.get(row.webinar, row.webinar), row.key, row.text, row.answers, row.average]
        )
    out.skip()

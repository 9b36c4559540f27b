"""XLSX exports: a Summary sheet of counts, then one sheet of rows per webinar.

XlsxWriter in `constant_memory` mode writes each row to disk as soon as the next one starts,
so a workbook of any size is built in bounded memory. Text cells are written as text (never
formulas) and neutralised like CSV; numbers stay numbers.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

from bot.reporting.export_rows import COLUMNS, ExportContext, Progress, neutralise, sections
from bot.reporting.statistics import DIMENSIONS, Summary, summarise
from storage.report_queries import ReportQueries

SHEET_MAX: Final = 31
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
    """Writes rows to one worksheet: text as text, numbers as numbers, blanks skipped."""

    def __init__(self, sheet: Worksheet, bold: Any) -> None:
        self.sheet, self.bold, self.row = sheet, bold, 0

    def write(self, values: Iterable[Any], bold: bool = False) -> None:
        """Write one row of values."""
        sheet, row = self.sheet, self.row
        for col, value in enumerate(values):
            if value is None:
                continue
            if type(value) is str:
                sheet.write_string(row, col, value, self.bold if bold else None)
            elif isinstance(value, int | float):
                sheet.write_number(row, col, value, self.bold if bold else None)
            else:
                sheet.write_string(row, col, neutralise(str(value)) or "")
        self.row += 1

    def skip(self) -> None:
        """Leave one row blank."""
        self.row += 1


def write_xlsx(
    queries: ReportQueries,
    ctx: ExportContext,
    kind: str,
    webinars: list[str],
    path: Path,
    filtered: bool,
    progress: Progress | None = None,
) -> int:
    """Write the Summary sheet and a sheet per webinar; return the data rows written."""
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
        used: set[str] = set()
        summary = _Sheet(workbook.add_worksheet(sheet_name("Summary", used)), bold)
        summary.sheet.set_column(0, 0, 34)
        summary.sheet.set_column(1, 12, 14)
        write_summary(queries, ctx, summary, webinars)
        headers = [header for _, header in COLUMNS[kind]]
        written = 0
        for title, rows in sections(queries, ctx, kind, webinars, neutralise, True, filtered):
            sheet = _Sheet(workbook.add_worksheet(sheet_name(title, used)), bold)
            sheet.sheet.set_column(0, len(headers) - 1, 18)
            sheet.sheet.freeze_panes(1, 0)
            sheet.write(headers, bold=True)
            count = 0
            for row in rows:
                sheet.write(row)
                count += 1
                if progress is not None and count % 2000 == 0:
                    progress(2000)
            if progress is not None and count % 2000:
                progress(count % 2000)
            written += count
    finally:
        workbook.close()
    return written


def write_summary(
    queries: ReportQueries, ctx: ExportContext, out: _Sheet, webinars: list[str]
) -> None:
    """People by country, sex and institution; attendance; response rates; average ratings."""
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
                [f"{verb} participants by {words[column]}", *webinars, "All (unique people)"],
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
    _attendance_table(summary, ctx, out)
    _survey_table(summary, out)
    _ratings_table(summary, ctx, out)


def _attendance_table(summary: Summary, ctx: ExportContext, out: _Sheet) -> None:
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
                row.webinar,
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


def _survey_table(summary: Summary, out: _Sheet) -> None:
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
                row.webinar,
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


def _ratings_table(summary: Summary, ctx: ExportContext, out: _Sheet) -> None:
    """The average of every rating question (1-5), per webinar, with the answers counted."""
    out.write(
        ["Average ratings (1-5)", "question key", "question", "answers", "average"], bold=True
    )
    for row in summary.ratings:
        out.write([row.webinar, row.key, neutralise(row.text), row.answers, row.average])
    out.skip()

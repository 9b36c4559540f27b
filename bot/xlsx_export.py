"""XLSX exports: a Summary sheet of counts, then one sheet of rows per webinar.

XlsxWriter in `constant_memory` mode writes each row to disk as soon as the next one starts,
so a workbook of any size is built in bounded memory. Text cells are written as text (never
formulas) and neutralised like CSV; numbers stay numbers.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Final

from xlsxwriter import Workbook
from xlsxwriter.worksheet import Worksheet

from bot.exports import COLUMNS, ExportContext, Progress, neutralise, sections

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
        name = base[:SHEET_MAX - len(suffix)] + suffix
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


def write_xlsx(conn: sqlite3.Connection, ctx: ExportContext, kind: str, webinars: list[str],
               path: Path, filtered: bool, progress: Progress | None = None) -> int:
    """Write the Summary sheet and a sheet per webinar; return the data rows written."""
    workbook = Workbook(str(path), {"constant_memory": True, "strings_to_formulas": False,
                                    "strings_to_urls": False, "strings_to_numbers": False})
    try:
        bold = workbook.add_format({"bold": True})
        used: set[str] = set()
        summary = _Sheet(workbook.add_worksheet(sheet_name("Summary", used)), bold)
        summary.sheet.set_column(0, 0, 34)
        summary.sheet.set_column(1, 12, 14)
        write_summary(conn, ctx, summary, webinars)
        headers = [header for _, header in COLUMNS[kind]]
        written = 0
        for title, rows in sections(conn, ctx, kind, webinars, neutralise, True, filtered):
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


def _placeholders(values: list[str]) -> str:
    """'?, ?, ?' for a list of values (NULL when empty)."""
    return ", ".join("?" * len(values)) or "NULL"


def _ratio(numerator: int, denominator: int) -> float | None:
    """A ratio rounded to 4 places, or None when the denominator is 0."""
    return round(numerator / denominator, 4) if denominator else None


def write_summary(conn: sqlite3.Connection, ctx: ExportContext, out: _Sheet,
                  webinars: list[str]) -> None:
    """People by country, sex and institution; attendance; response rates; average ratings."""
    marks = _placeholders(webinars)
    out.write(["Summary"], bold=True)
    out.write([ERASED_NOTE])
    out.skip()
    dimensions = (("country", "Registered participants by country", ctx.countries),
                  ("sex", "Registered participants by sex", ctx.sexes),
                  ("institution", "Registered participants by institution type",
                   ctx.institutions))
    for column, title, names in dimensions:
        per_webinar: dict[tuple[str, str], int] = {
            (w, v): n for w, v, n in conn.execute(
                f"SELECT r.webinar_id, p.{column}, COUNT(*) FROM registrations r"
                f" JOIN participants p ON p.id = r.participant_id"
                f" WHERE r.webinar_id IN ({marks}) GROUP BY 1, 2", webinars)}
        unique: dict[str, int] = dict(conn.execute(
            f"SELECT p.{column}, COUNT(*) FROM participants p WHERE EXISTS (SELECT 1"
            f" FROM registrations r WHERE r.participant_id = p.id AND r.webinar_id IN ({marks}))"
            " GROUP BY 1", webinars).fetchall())
        codes = [c for c in names if c in unique] + sorted(c for c in unique if c not in names)
        out.write([title, *webinars, "All (unique people)"], bold=True)
        for code in codes:
            out.write([names.get(code, code), *(per_webinar.get((w, code), 0) for w in webinars),
                       unique[code]])
        out.write(["Total", *(sum(n for (w, _), n in per_webinar.items() if w == webinar)
                              for webinar in webinars), sum(unique.values())], bold=True)
        out.skip()
    _attendance_table(conn, ctx, out, webinars)
    _survey_table(conn, out, webinars)
    _ratings_table(conn, ctx, out, webinars)


def _attendance_table(conn: sqlite3.Connection, ctx: ExportContext, out: _Sheet,
                      webinars: list[str]) -> None:
    """Registered, attended (by sex), recorded absent, and the attendance rate per webinar."""
    sexes = list(ctx.sexes)
    out.write(["Attendance per webinar", "registered", "attended",
               *(f"attended: {ctx.sexes[s]}" for s in sexes), "recorded not attending",
               "attendance rate (attended / registered)"], bold=True)
    for webinar in webinars:
        registered = conn.execute("SELECT COUNT(*) FROM registrations WHERE webinar_id = ?",
                                  (webinar,)).fetchone()[0]
        by_sex: dict[tuple[int, str], int] = {
            (attended, sex): n for attended, sex, n in conn.execute(
                "SELECT a.attended, p.sex, COUNT(*) FROM attendance a"
                " JOIN participants p ON p.id = a.participant_id WHERE a.webinar_id = ?"
                " GROUP BY 1, 2", (webinar,))}
        attended = sum(n for (flag, _), n in by_sex.items() if flag)
        absent = sum(n for (flag, _), n in by_sex.items() if not flag)
        out.write([webinar, registered, attended, *(by_sex.get((1, s), 0) for s in sexes),
                   absent, _ratio(attended, registered)])
    out.skip()


def _survey_table(conn: sqlite3.Connection, out: _Sheet, webinars: list[str]) -> None:
    """Invited, started, completed, absent and the response rates per webinar."""
    out.write(["Survey per webinar", "invited", "not started", "started, not finished",
               "completed", "said they did not attend", "response rate",
               "completed / attended"], bold=True)
    for webinar in webinars:
        status = dict(conn.execute("SELECT status, COUNT(*) FROM responses WHERE webinar_id = ?"
                                   " GROUP BY 1", (webinar,)).fetchall())
        attended = conn.execute("SELECT COUNT(*) FROM attendance WHERE webinar_id = ?"
                                " AND attended = 1", (webinar,)).fetchone()[0]
        invited = sum(status.values())
        completed, absent = status.get("completed", 0), status.get("absent", 0)
        out.write([webinar, invited, status.get("invited", 0), status.get("open", 0), completed,
                   absent, _ratio(completed, invited - absent), _ratio(completed, attended)])
    out.write([RESPONSE_RATE_NOTE])
    out.skip()


def _ratings_table(conn: sqlite3.Connection, ctx: ExportContext, out: _Sheet,
                   webinars: list[str]) -> None:
    """The average of every rating question (1-5), per webinar, with the answers counted."""
    out.write(["Average ratings (1-5)", "question key", "question", "answers", "average"],
              bold=True)
    for webinar in webinars:
        questions = ctx.questions.get(webinar, {})
        averages = {key: (n, avg) for key, n, avg in conn.execute(
            "SELECT a.question_key, COUNT(*), AVG(CAST(a.value AS INTEGER)) FROM answers a"
            " JOIN responses r ON r.id = a.response_id WHERE r.webinar_id = ?"
            " AND a.value GLOB '[1-5]' GROUP BY 1", (webinar,))}
        ratings = sorted((info.order, key) for key, info in questions.items()
                         if info.kind == "rating")
        for _, key in ratings:
            n, avg = averages.get(key, (0, None))
            text = questions[key].text if key in questions else None
            out.write([webinar, key, neutralise(text), n,
                       None if avg is None else round(avg, 2)])
    out.skip()

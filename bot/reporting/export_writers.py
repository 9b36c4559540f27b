"""Writing exports: CSV (with a fast path for feedback), JSON, and the export command's core.

The rows come from bot.reporting.export_rows; XLSX is in bot.reporting.xlsx_writer.
Output goes to a hidden temporary
file that is moved into place, so a failed export leaves no half-written file.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from itertools import islice
from typing import IO, TYPE_CHECKING, Any, TextIO

from bot.reporting.export_rows import (
    COLUMNS,
    FORMATS,
    KINDS,
    QUOTE_NEEDED,
    ExportContext,
    ExportError,
    Progress,
    Row,
    answer_rows,
    answer_value,
    connect_readonly,
    count_rows,
    export_counts,
    identity_cells,
    neutralise,
    sections,
    unchanged,
    webinar_ids,
)
from storage.report_queries import CHUNK, ReportQueries

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable, Iterator
    from pathlib import Path

    from bot.domain.series import Series


def csv_field(value: object) -> str:
    """One CSV field as csv.writer writes it (quoted only when needed)."""
    if value is None:
        return ""
    text = value if type(value) is str else str(value)
    if QUOTE_NEEDED(text):
        return '"' + text.replace('"', '""') + '"'
    return text


def _csv_prefix(
    ctx: ExportContext, webinar: str, person: Row, places: dict[tuple[str, str, str], str]
) -> bytes:
    """The first seven feedback columns as CSV, country to sex encoded once per combination."""
    rid, pid, erased, name, country, country_other, institution, institution_other, sex = person
    webinar = csv_field(neutralise(webinar))
    place: str | None
    if erased:
        return f"{webinar},{rid},,,,,,".encode()
    if country_other or institution_other:
        place = ",".join(map(csv_field, identity_cells(ctx, webinar, person, neutralise)[4:]))
    elif (place := places.get((country, institution, sex))) is None:
        place = places[(country, institution, sex)] = ",".join(
            map(
                csv_field,
                (
                    neutralise(ctx.country(country, None)),
                    neutralise(ctx.institution(institution, None)),
                    ctx.sexes.get(sex, sex),
                ),
            )
        )
    return f"{webinar},{rid},{pid},{csv_field(neutralise(name))},{place},".encode()


def feedback_csv(
    queries: ReportQueries, ctx: ExportContext, webinar: str
) -> Iterator[tuple[int, bytes]]:
    """feedback_rows as neutralised UTF-8 CSV, a chunk at a time: (rows, bytes).

    Built from bytes: the identity columns once per response, each question's columns and
    its rating or choice cells once per export, so a row costs a few concatenations.
    """
    questions = ctx.questions.get(webinar, {})
    parts = {
        key: f"{csv_field(key)},{csv_field(neutralise(info.text))},".encode()
        for key, info in questions.items()
    }
    fixed: dict[bytes, tuple[int, bytes]] = {}  # b"key=value": (question position, cells)
    for key, info in questions.items():
        if info.kind == "rating":
            fixed.update(
                {f"{key}={n}".encode(): (info.order, parts[key] + b"%d," % n) for n in range(1, 6)}
            )
        elif info.kind == "choice":
            fixed.update(
                {
                    f"{key}={i}".encode(): (
                        info.order,
                        parts[key] + f"{csv_field(neutralise(c))},".encode(),
                    )
                    for i, c in enumerate(info.choices)
                }
            )
    answers, people = answer_rows(queries, ctx, webinar, raw=True)
    size = len(questions)
    current, prefix = None, b""
    places: dict[tuple[str, str, str], str] = {}
    slots: list[bytes | None] = []  # the current response's lines, by question position
    extra: list[bytes] = []  # its answers to questions no longer in the series file
    for chunk in answers:
        lines: list[bytes] = []
        for rid, key_value, answered_at in chunk:
            if rid != current:
                lines.extend(filter(None, slots))
                lines.extend(extra)
                current, slots, extra = rid, [None] * size, []
                person = next(p for p in people if p[0] == rid)
                prefix = _csv_prefix(ctx, webinar, person, places)
            hit = fixed.get(key_value)
            if hit is None:  # a typed answer, a skipped question or an unknown value
                key, has_value, value = key_value.decode().partition("=")
                answer = answer_value(questions.get(key), value if has_value else None)
                hit = (
                    questions[key].order if key in questions else -1,
                    (parts.get(key) or f"{csv_field(key)},,".encode())
                    + (
                        csv_field(neutralise(answer) if type(answer) is str else answer) + ","
                    ).encode(),
                )
            if hit[0] < 0:
                extra.append(prefix + hit[1] + answered_at)
            else:
                slots[hit[0]] = prefix + hit[1] + answered_at
        if lines:
            lines.append(b"")
            yield len(lines) - 1, b"\r\n".join(lines)
    lines = [*filter(None, slots), *extra]
    if lines:
        lines.append(b"")
        yield len(lines) - 1, b"\r\n".join(lines)


def _chunks(rows: Iterable[Any], size: int = CHUNK) -> Iterator[list[Any]]:
    """Lists of up to `size` rows."""
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


def write_csv(
    queries: ReportQueries,
    ctx: ExportContext,
    kind: str,
    webinars: list[str],
    out: TextIO,
    filtered: bool,
    progress: Progress | None = None,
) -> int:
    """Write an export as CSV (header first, formulas neutralised); return the rows written."""
    writer = csv.writer(out)
    writer.writerow([header for _, header in COLUMNS[kind]])
    written = 0
    if kind == "feedback":  # the big one: built as bytes, not cell by cell
        out.flush()
        for webinar in webinars:
            for count, data in feedback_csv(queries, ctx, webinar):
                out.buffer.write(data)
                written += count
                if progress is not None:
                    progress(count)
        return written
    for _, rows in sections(queries, ctx, kind, webinars, neutralise, False, filtered):
        for chunk in _chunks(rows):
            writer.writerows(chunk)
            written += len(chunk)
            if progress is not None:
                progress(len(chunk))
    return written


def write_json(
    queries: ReportQueries,
    ctx: ExportContext,
    kind: str,
    webinars: list[str],
    out: IO[str],
    filtered: bool,
    progress: Progress | None = None,
) -> int:
    """Write an export as a JSON array of objects, one per line; return the rows written."""
    keys = [key for key, _ in COLUMNS[kind]]
    dumps = json.JSONEncoder(ensure_ascii=False).encode
    written = 0
    out.write("[")
    for _, rows in sections(queries, ctx, kind, webinars, unchanged, False, filtered):
        for chunk in _chunks(rows):
            for row in chunk:
                out.write(
                    ("\n" if not written else ",\n") + dumps(dict(zip(keys, row, strict=True)))
                )
                written += 1
            if progress is not None:
                progress(len(chunk))
    out.write("\n]\n")
    return written


def count_export(database: Path, kind: str, webinar: str | None) -> dict[str, int]:
    """The counts an export's caption gives (see export_counts), from a read-only snapshot."""
    if kind not in KINDS:
        raise ExportError(f"unknown export {kind!r}")
    with connect_readonly(database) as queries:
        webinars = webinar_ids(queries, webinar)
        return export_counts(queries, kind, webinars, webinar is not None)


@dataclass(frozen=True)
class ExportRequest:
    """What to export, in which format, and where to."""

    kind: str
    fmt: str
    webinar: str | None = None
    out: Path | None = None


def run_export(
    database: Path,
    series: Series | None,
    request: ExportRequest,
    stdout: IO[bytes] | None = None,
    on_total: Callable[[int], Progress | None] | None = None,
) -> int:
    """Make one export into request.out (or `stdout` for CSV/JSON); return the rows written."""
    if request.kind not in KINDS or request.fmt not in FORMATS:
        raise ExportError(f"unknown export {request.kind!r} or format {request.fmt!r}")
    if request.out is None and (request.fmt == "xlsx" or stdout is None):
        raise ExportError("--out: an XLSX export needs a file (--out FILE)")
    queries = connect_readonly(database)
    try:
        ctx = ExportContext.build(series)
        webinars = webinar_ids(queries, request.webinar)
        filtered = request.webinar is not None
        progress = (
            on_total(count_rows(queries, request.kind, webinars, filtered)) if on_total else None
        )
        if request.fmt == "xlsx":
            from bot.reporting.xlsx_writer import write_xlsx  # start-up cost: xlsxwriter

            assert request.out is not None
            return _to_file(
                request.out,
                lambda part: write_xlsx(
                    queries, ctx, request.kind, webinars, part, filtered, progress
                ),
            )
        writer = write_csv if request.fmt == "csv" else write_json
        if request.out is None:
            assert stdout is not None
            text = io.TextIOWrapper(stdout, encoding="utf-8", newline="")
            try:
                return writer(queries, ctx, request.kind, webinars, text, filtered, progress)
            finally:
                text.flush()
                text.detach()

        def write_text(part: Path) -> int:
            """Write the text export to `part` (CSV with a BOM so Excel reads accents)."""
            with part.open("w", encoding="utf-8", newline="") as handle:
                if request.fmt == "csv":
                    handle.write("\ufeff")
                return writer(queries, ctx, request.kind, webinars, handle, filtered, progress)

        return _to_file(request.out, write_text)
    finally:
        queries.close()


def _to_file(out: Path, write: Callable[[Path], int]) -> int:
    """Write to a temporary file beside `out`, then move it into place (no half files)."""
    part = out.with_name(f".{out.name}.part")
    try:
        written = write(part)
        part.replace(out)
    except OSError as exc:
        part.unlink(missing_ok=True)
        raise ExportError(f"--out: cannot write {out} ({exc.strerror or exc})") from None
    except BaseException:
        part.unlink(missing_ok=True)
        raise
    return written

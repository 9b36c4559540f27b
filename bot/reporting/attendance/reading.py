"""Turn a report file's bytes into rows of cells: its encoding and its separator found out.

Platforms write UTF-8 (sometimes with one BOM or more), UTF-16 little or big endian (Teams and
Webex), or Windows-1252 (a file re-saved by Excel); separated by commas, semicolons or tabs.
"""

from __future__ import annotations

import csv
import io
from typing import Final

MAX_BYTES: Final = 5 * 1024 * 1024
SEPARATORS: Final = ",;\t"


class AttendanceFileError(ValueError):
    """The file cannot be imported; str() says why in one line."""


def decode(raw: bytes) -> str:
    """The file's text, whatever the encoding and however many byte-order marks it starts with."""
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        text = raw.decode("utf-16")
    elif len(raw) >= 4 and raw[0] == 0 and raw[1] != 0 and raw[2] == 0:
        text = raw.decode("utf-16-be")
    elif len(raw) >= 4 and raw[0] != 0 and raw[1] == 0 and raw[3] == 0:
        text = raw.decode("utf-16-le")
    else:
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("cp1252", errors="replace")
    text = text.lstrip("\ufeff")
    if "\x00" in text or not text.strip():
        raise AttendanceFileError("not a text (CSV) file")
    return text


def separator(text: str) -> str:
    """The separator of the file's table part: comma, semicolon or tab."""
    lines = [line for line in text.splitlines() if line.strip()]
    sample = "\n".join(lines[len(lines) // 3 : len(lines) // 3 + 40] or lines[:40])
    try:
        return csv.Sniffer().sniff(sample, delimiters=SEPARATORS).delimiter
    except csv.Error:
        counts = {sep: sample.count(sep) for sep in SEPARATORS}
        return max(counts, key=lambda sep: counts[sep])


def read_rows(raw: bytes) -> tuple[list[list[str]], str]:
    """The file's rows of cells (Excel's ="..." quoting removed) and the separator used."""
    if len(raw) > MAX_BYTES:
        raise AttendanceFileError(f"larger than {MAX_BYTES // 1024 // 1024} MB")
    text = decode(raw)
    sep = separator(text)
    rows = [[_cell(cell) for cell in row] for row in csv.reader(io.StringIO(text), delimiter=sep)]
    if sum(1 for row in rows if len(row) > 1) < 2:
        raise AttendanceFileError("not a table: fewer than two rows with several columns")
    return rows, sep


def _cell(cell: str) -> str:
    """A cell's text without spaces around it or Excel's ="..." formula quoting."""
    cell = cell.strip()
    if cell.startswith('="') and cell.endswith('"'):
        cell = cell[2:-1]
    return cell.strip()

"""The narrative report as a Word document (python-docx), built from the HTML report.

The HTML report is the one narrative: this module walks it and writes the same headings,
paragraphs, lists, quotes, figures tables and charts into a document that uses Word's built-in
styles only (Heading 1-4, List Bullet, Quote, Caption, Table Grid), so a UN office can
paste it into its own template and have its own styles applied.
"""

from __future__ import annotations

import base64
import io
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import TYPE_CHECKING, Final

from docx import Document
from docx.shared import Cm

if TYPE_CHECKING:
    from docx.document import Document as DocumentObject

HEADINGS: Final = {"h1": 1, "h2": 2, "h3": 3}
BLOCKS: Final = {"p": None, "li": "List Bullet", "blockquote": "Quote", "figcaption": "Caption"}
SKIPPED: Final = frozenset({"head", "style", "title", "script"})
CHART_WIDTH: Final = Cm(16)
DATA_URI: Final = "data:image/png;base64,"


@dataclass
class _Table:
    """A table being read: its caption and rows of cell texts."""

    caption: str = ""
    rows: list[list[str]] = field(default_factory=list)


class _ReportReader(HTMLParser):
    """Reads the HTML report into document blocks, in order."""

    def __init__(self, document: DocumentObject) -> None:
        super().__init__(convert_charrefs=True)
        self.document = document
        self.text: list[str] = []
        self.block: str | None = None
        self.skipping = 0
        self.table: _Table | None = None
        self.level = 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a block, a table row or cell, or place a chart."""
        if tag in SKIPPED:
            self.skipping += 1
        elif tag == "table":
            self.table = _Table()
        elif tag == "tr" and self.table is not None:
            self.table.rows.append([])
        elif tag in ("th", "td", "caption") or tag in HEADINGS or tag in BLOCKS:
            self.block, self.text = tag, []
        elif tag == "img":
            source = dict(attrs).get("src") or ""
            if source.startswith(DATA_URI):
                picture = io.BytesIO(base64.b64decode(source[len(DATA_URI) :]))
                self.document.add_picture(picture, width=CHART_WIDTH)

    def handle_endtag(self, tag: str) -> None:
        """Close a block and write it, or write a finished table."""
        if tag in SKIPPED:
            self.skipping -= 1
            return
        if tag == "table" and self.table is not None:
            self._write_table(self.table)
            self.table = None
            return
        if tag != self.block:
            return
        text = " ".join("".join(self.text).split())
        self.block = None
        if self.table is not None:
            if tag == "caption":
                self.table.caption = text
            elif self.table.rows:
                self.table.rows[-1].append(text)
        elif tag in HEADINGS:
            self.level = HEADINGS[tag]
            self.document.add_heading(text, self.level)
        elif text:
            self.document.add_paragraph(text, style=BLOCKS[tag])

    def handle_data(self, data: str) -> None:
        """Collect the text of the open block."""
        if self.block is not None and not self.skipping:
            self.text.append(data)

    def _write_table(self, table: _Table) -> None:
        """A figures table: its caption as a heading one level down, then the grid."""
        if table.caption:
            self.document.add_heading(table.caption, self.level + 1)
        rows = [row for row in table.rows if row]
        if not rows:
            return
        grid = self.document.add_table(rows=len(rows), cols=max(len(r) for r in rows))
        grid.style = "Table Grid"
        for cells, row in zip(grid.rows, rows, strict=True):
            for cell, text in zip(cells.cells, row, strict=False):
                cell.text = text


def html_to_docx(html: str, title: str) -> bytes:
    """A Word document with the HTML report's content, in Word's built-in styles."""
    document = Document()
    document.core_properties.title = title
    reader = _ReportReader(document)
    reader.feed(html)
    reader.close()
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()

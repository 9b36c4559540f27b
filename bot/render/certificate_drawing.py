"""Drawing a certificate of participation with ReportLab (see bot.render.certificate_pdf).

Imported only when a certificate is drawn: ReportLab and Pillow are not loaded at the bot's
start-up.
"""

from __future__ import annotations

import io
import threading
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from babel.dates import format_date
from babel.numbers import format_decimal
from reportlab import rl_config
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.utils import ImageReader, simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from bot.domain.catalogue import locale_for

if TYPE_CHECKING:
    from pathlib import Path

    from bot.render.certificate_pdf import CertificateContent
    from bot.render.texts import Texts

REGULAR = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
_FONT_DIR = "mpl-data/fonts/ttf"
_WIDTH, _HEIGHT = landscape(A4)
_TEXT_WIDTH = _WIDTH - 2 * 72
_BLUE = Color(0.12, 0.27, 0.47)
_GREY = Color(0.33, 0.33, 0.33)
_LOCK = threading.Lock()  # ReportLab's font subsets are shared state: one document at a time


@cache
def register_fonts() -> None:
    """Load DejaVu Sans (regular and bold) from the installed matplotlib, once per process.

    Streams are written as binary, not ASCII85: a quarter smaller and faster to write.
    """
    rl_config.useA85 = 0
    folder = files("matplotlib").joinpath(_FONT_DIR)
    pdfmetrics.registerFont(TTFont(REGULAR, str(folder.joinpath(f"{REGULAR}.ttf"))))
    pdfmetrics.registerFont(TTFont(BOLD, str(folder.joinpath(f"{BOLD}.ttf"))))


@cache
def _logo(path: Path) -> ImageReader:
    """The organizer's logo, read once."""
    return ImageReader(str(path))


class _Page:
    """Writes centred paragraphs down the page."""

    def __init__(self, canvas: Canvas, top: float) -> None:
        """Start writing at height `top` (points from the bottom)."""
        self.canvas = canvas
        self.y = top

    def line(self, text: str, size: float, bold: bool = False, gap: float = 10.0) -> None:
        """One centred paragraph, wrapped to the text width, then `gap` points of space."""
        font = BOLD if bold else REGULAR
        self.canvas.setFont(font, size)
        for part in simpleSplit(text, font, size, _TEXT_WIDTH):
            self.y -= size * 1.25
            self.canvas.drawCentredString(_WIDTH / 2, self.y, part)
        self.y -= gap


def draw_certificate(texts: Texts, content: CertificateContent) -> bytes:
    """Draw the certificate and return the PDF's bytes."""
    register_fonts()
    lang = content.language

    def say(key: str, **values: str) -> str:
        """The label of this language with its placeholders filled in."""
        return texts.label(lang, f"certificate.{key}").format(**values)

    day = format_date(
        content.starts_at.astimezone(ZoneInfo(content.timezone)), "long", locale=locale_for(lang)
    )
    hours = format_decimal(content.hours, "0.#", locale=locale_for(lang))
    buffer = io.BytesIO()
    with _LOCK:
        canvas = Canvas(buffer, pagesize=(_WIDTH, _HEIGHT), pageCompression=1)
        canvas.setTitle(say("heading"))
        canvas.setAuthor(content.organizer)
        canvas.setCreator("webinar-bot")
        canvas.setStrokeColor(_BLUE)
        canvas.setLineWidth(3)
        canvas.rect(28, 28, _WIDTH - 56, _HEIGHT - 56)
        top = _HEIGHT - 70
        if content.logo is not None:
            canvas.drawImage(
                _logo(content.logo),
                (_WIDTH - 120) / 2,
                _HEIGHT - 110,
                width=120,
                height=60,
                preserveAspectRatio=True,
                mask="auto",
            )
            top = _HEIGHT - 115
        page = _Page(canvas, top)
        canvas.setFillColor(_BLUE)
        page.line(say("heading"), 30, bold=True, gap=22)
        canvas.setFillColor(Color(0, 0, 0))
        page.line(say("certify"), 15)
        page.line(content.name, 26, bold=True, gap=14)
        page.line(say("took_part"), 15)
        page.line(content.title, 19, bold=True, gap=6)
        page.line(say("of_series", series=content.series_title), 13, gap=4)
        page.line(say("on", date=day), 13, gap=18)
        page.line(say("hours", hours=hours), 14, gap=6)
        page.line(say("issued_by", organizer=content.organizer), 14)
        canvas.setFillColor(_GREY)
        bottom = _Page(canvas, 92)
        bottom.line(say("code", code=content.code), 12, bold=True, gap=2)
        bottom.line(say("verify", code=content.code), 10, gap=0)
        canvas.showPage()
        canvas.save()
    return buffer.getvalue()

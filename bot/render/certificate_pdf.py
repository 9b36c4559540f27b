"""Certificates of participation as one-page PDFs (ReportLab), in the participant's language.

The font is DejaVu Sans, shipped with matplotlib (a dependency), embedded as a subset: it has
every Latin accent, so names such as "Ñáñez-Özdemir Øye" print as registered. The page shows the
name, the webinar's title and date, the series and organizer, the hours of participation and the
verification code; never the e-mail or any other detail of the registration.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from bot.render.texts import Texts


@dataclass(frozen=True)
class CertificateContent:
    """What one certificate says."""

    language: str
    name: str
    title: str
    series_title: str
    organizer: str
    starts_at: datetime
    timezone: str
    hours: float
    code: str
    logo: Path | None = None


def file_name(texts: Texts, language: str, webinar_id: str) -> str:
    """The PDF's file name, e.g. certificate-crime-gun-strategy.pdf."""
    return f"{texts.label(language, 'certificate.file_name')}-{webinar_id}.pdf"


def render_certificate(texts: Texts, content: CertificateContent) -> bytes:
    """Draw the certificate and return the PDF's bytes."""
    # Imported here for start-up cost: ReportLab and Pillow only when a certificate is drawn.
    from bot.render.certificate_drawing import draw_certificate

    return draw_certificate(texts, content)

"""Certificates: verification codes, the series settings, and the PDF read back as text."""

from __future__ import annotations

import dataclasses
import io
from datetime import UTC, datetime
from pathlib import Path

import pytest
from PIL import Image
from pypdf import PdfReader

from bot.domain.certificates import (
    CertificateRule,
    CodeError,
    check_code,
    hours_of,
    make_code,
    normalise_code,
)
from bot.domain.series import SeriesError, load_series, parse_series
from bot.render.certificate_pdf import CertificateContent, render_certificate
from bot.render.texts import Texts

ROOT = Path(__file__).resolve().parent.parent
SECRET = "k" * 40
WEBINARS = ("crime-gun-strategy", "ballistics", "tracing")


def pdf_text(data: bytes) -> str:
    """The text of a one-page PDF, as a PDF reader extracts it."""
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    return reader.pages[0].extract_text()


def test_a_code_names_its_participant_and_webinar() -> None:
    code = make_code(SECRET, 42, "ballistics")
    assert len(code) == 19 and code.count("-") == 3
    found = check_code(SECRET, code, WEBINARS)
    assert found is not None
    assert (found.participant_id, found.webinar_id) == (42, "ballistics")


def test_codes_differ_per_participant_webinar_and_secret() -> None:
    codes = {make_code(SECRET, p, w) for p in (1, 2, 3) for w in WEBINARS}
    assert len(codes) == 9
    assert make_code("x" * 40, 1, "tracing") != make_code(SECRET, 1, "tracing")


def test_a_code_is_read_however_it_is_typed() -> None:
    code = make_code(SECRET, 7, "tracing")
    typed = f"  {code.lower().replace('-', ' ')} ".replace("0", "o").replace("1", "l")
    assert normalise_code(typed) == code
    assert check_code(SECRET, typed, WEBINARS) is not None


def test_every_changed_character_is_a_forgery() -> None:
    code = make_code(SECRET, 1234, "crime-gun-strategy")
    compact = code.replace("-", "")
    for i, ch in enumerate(compact):
        other = "Z" if ch != "Z" else "Y"
        forged = compact[:i] + other + compact[i + 1 :]
        assert check_code(SECRET, forged, WEBINARS) is None, i
    assert check_code("another secret of forty characters......", code, WEBINARS) is None
    assert check_code(SECRET, code, ("tracing",)) is None  # not a webinar of this series


@pytest.mark.parametrize(
    "text", ["", "1234", "ABCD-EFGH-JKMN-PQRSX", "ABCD-EFGH-JKMN-PQR!", "ü" * 16]
)
def test_malformed_codes_are_told_apart(text: str) -> None:
    with pytest.raises(CodeError):
        normalise_code(text)


def test_hours_of_participation() -> None:
    assert hours_of(None, 90) == 1.5  # said in the chat: the whole webinar
    assert hours_of(45, 90) == 0.8
    assert hours_of(500, 90) == 1.5  # connected before the start: capped


def test_who_earns_a_certificate_among_those_who_attended() -> None:
    attended = CertificateRule(mode="attended")
    assert attended.earned(None, completed_survey=False)
    assert attended.earned(5, completed_survey=False)
    with_survey = CertificateRule(mode="attended_and_survey")
    assert with_survey.earned(None, completed_survey=True)
    assert not with_survey.earned(None, completed_survey=False)
    minimum = CertificateRule(mode="attended", min_minutes=45)
    assert minimum.earned(45, completed_survey=False)
    assert not minimum.earned(44, completed_survey=False)
    assert not minimum.earned(None, completed_survey=True)  # a minimum needs a report's minutes


SERIES = (ROOT / "series.example.toml").read_text(encoding="utf-8")


def with_series_lines(lines: str) -> str:
    """The example series with lines added to its [series] table."""
    return SERIES.replace("[series]\n", f"[series]\n{lines}\n", 1)


def test_certificates_are_off_unless_the_series_says_so() -> None:
    assert parse_series(SERIES).certificates == CertificateRule("off", 0)
    series = parse_series(
        with_series_lines('certificates = "attended_and_survey"\ncertificate_min_minutes = 45')
    )
    assert series.certificates.enabled and series.certificates.needs_survey
    assert series.certificates.min_minutes == 45


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ('certificates = "yes"', r"series\.certificates: \"yes\" must be one of off, attended"),
        ("certificates = true", r"series\.certificates: \"True\" must be one of"),
        ('certificate_min_minutes = "45"', r"certificate_min_minutes: must be a whole number"),
        ("certificate_min_minutes = -1", r"certificate_min_minutes: must be a whole number"),
        ('certificate_logo = "logo.gif"', r"certificate_logo: \"logo.gif\" must be a \.png"),
    ],
)
def test_bad_certificate_settings_are_named(lines: str, message: str) -> None:
    with pytest.raises(SeriesError, match=message):
        parse_series(with_series_lines(lines))


def test_the_logo_is_found_beside_the_series_file(tmp_path: Path) -> None:
    path = tmp_path / "series.toml"
    path.write_text(with_series_lines('certificate_logo = "logo.png"'), encoding="utf-8")
    with pytest.raises(SeriesError, match=r"series\.certificate_logo: .*logo\.png is not a file"):
        load_series(path)
    Image.new("RGB", (200, 80), (30, 70, 120)).save(tmp_path / "logo.png")
    assert load_series(path).certificate_logo == tmp_path / "logo.png"


def content(**changes: object) -> CertificateContent:
    """A Spanish certificate with a name full of accents."""
    base = CertificateContent(
        language="es",
        name="Ñáñez-Özdemir Øye, Łucja Čapková Șerban",
        title="Construyendo una estrategia preventiva contra las armas del crimen en el Caribe",
        series_title="Serie de la Hoja de Ruta",
        organizer="UN regional centre",
        starts_at=datetime(2027, 1, 20, 14, 0, tzinfo=UTC),
        timezone="America/Port_of_Spain",
        hours=1.5,
        code=make_code(SECRET, 3, "crime-gun-strategy"),
    )
    return dataclasses.replace(base, **changes)


def test_the_pdf_shows_name_title_date_hours_and_code_in_the_language() -> None:
    data = render_certificate(Texts(), content())
    assert data.startswith(b"%PDF") and len(data) <= 100_000
    text = " ".join(pdf_text(data).split())
    assert "Certificado de participación" in text
    assert "Ñáñez-Özdemir Øye, Łucja Čapková Șerban" in text
    assert "Construyendo una estrategia preventiva contra las armas del crimen en el Caribe" in text
    assert "20 de enero de 2027" in text
    assert "Horas de participación: 1,5" in text
    assert "UN regional centre" in text
    assert content().code in text


def test_the_pdf_in_english_with_a_logo(tmp_path: Path) -> None:
    logo = tmp_path / "logo.png"
    Image.new("RGB", (300, 100), (200, 30, 30)).save(logo)
    data = render_certificate(
        Texts(), content(language="en", title="Building a Strategy", hours=2.0, logo=logo)
    )
    text = " ".join(pdf_text(data).split())
    assert "Certificate of participation" in text and "Building a Strategy" in text
    assert "20 January 2027" in text and "Hours of participation: 2" in text
    reader = PdfReader(io.BytesIO(data))
    assert list(reader.pages[0].images)  # the logo is drawn


def test_the_pdf_in_french() -> None:
    data = render_certificate(
        Texts(), content(language="fr", title="Construire une stratégie", hours=1.5)
    )
    text = " ".join(pdf_text(data).split())
    assert "Certificat de participation" in text and "Construire une stratégie" in text
    assert "a participé au webinaire" in text
    assert "20 janvier 2027" in text and "Heures de participation : 1,5" in text
    assert f"Code de vérification : {content().code}" in text

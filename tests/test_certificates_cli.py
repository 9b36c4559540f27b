"""`webinar-bot certificates WEBINAR_ID --out DIR` and `webinar-bot verify CODE`."""

from __future__ import annotations

import asyncio
import io
from datetime import timedelta
from pathlib import Path

import pytest
from pypdf import PdfReader

from bot.clock import to_iso
from bot.delivery.certificates import eligible
from bot.domain.attendance import CORRECTION, PLATFORM, replaceable_by
from bot.domain.certificates import CertificateRule, make_code
from bot.domain.series import Series, load_series
from bot.render.texts import Texts
from bot.reporting.narrative import make_report
from bot.reporting.stats_message import collect
from storage.attendance import AttendanceStore, Change
from storage.certificates import CertificateStore
from storage.database import Database
from storage.participants import ParticipantStore
from storage.schedule import ScheduleStore
from tests.support.cli import run_cli
from tests.support.settings import ROOT, START

SECRET = "cli-certificate-secret-0123456789abcdef"
WEBINAR = "crime-gun-strategy"


def series_file(tmp_path: Path, lines: str = 'certificates = "attended"') -> Path:
    """The example series with certificate settings, written into tmp_path."""
    text = (ROOT / "series.example.toml").read_text(encoding="utf-8")
    path = tmp_path / "series.toml"
    path.write_text(text.replace("[series]\n", f"[series]\n{lines}\n", 1), encoding="utf-8")
    return path


async def seed(path: Path, series: Series, names: list[str], attended: list[bool]) -> list[int]:
    """Participants registered for the first webinar, with attendance; the last one erased."""
    path.parent.mkdir(parents=True, exist_ok=True)
    ids = []
    async with Database(path) as db:
        await ScheduleStore(db).sync(series.webinars, START)
        people, attendance = ParticipantStore(db), AttendanceStore(db)
        for i, (name, present) in enumerate(zip(names, attended, strict=True)):
            participant = await people.create(
                7000 + i,
                {
                    "language": "es" if i % 2 else "en",
                    "full_name": name,
                    "country": "GY",
                    "institution": "police",
                    "position": "Officer",
                    "sex": "woman",
                    "email": f"person{i}@example.org",
                    "timezone": "America/Guyana",
                    "webinars": [WEBINAR],
                    "consent_at": to_iso(START),
                    "consent_version": "test",
                },
                START,
            )
            await attendance.record(
                WEBINAR,
                [Change(participant.id, present, 60)],
                PLATFORM,
                "import test.csv",
                START,
                replaceable_by(PLATFORM),
            )
            ids.append(participant.id)
        await people.erase(7000 + len(names) - 1, START)
    return ids


def settings(tmp_path: Path, **more: str) -> dict[str, str]:
    """The command's settings: the series file and the key."""
    return {"SERIES_FILE": str(series_file(tmp_path)), "CERTIFICATE_SECRET": SECRET, **more}


@pytest.mark.slow
def test_certificates_are_written_for_exactly_the_eligible(tmp_path: Path) -> None:
    env = settings(tmp_path)
    series = load_series(Path(env["SERIES_FILE"]))
    names = ["Zoë Ångström", "José Núñez", "Absent Person", "Erased Person"]
    ids = asyncio.run(
        seed(tmp_path / "data" / "bot.sqlite3", series, names, [True, True, False, True])
    )
    done = run_cli(tmp_path, "certificates", WEBINAR, "--out", str(tmp_path / "out"), **env)
    assert done.returncode == 0, done.stderr
    assert f"2 certificates of {WEBINAR} written" in done.stdout
    files = sorted((tmp_path / "out").iterdir())
    assert [f.name for f in files] == [
        f"{ids[0]:06d}-{make_code(SECRET, ids[0], WEBINAR)}.pdf",
        f"{ids[1]:06d}-{make_code(SECRET, ids[1], WEBINAR)}.pdf",
    ]
    for path, name, title in zip(
        files, names, (series.webinars[0].title, series.webinars[0].title_es), strict=False
    ):
        text = " ".join(PdfReader(io.BytesIO(path.read_bytes())).pages[0].extract_text().split())
        assert name in text and str(title) in text and path.stem.split("-", 1)[1] in text
        assert "@example.org" not in text

    genuine = run_cli(tmp_path, "verify", make_code(SECRET, ids[1], WEBINAR).lower(), **env)
    assert genuine.returncode == 0, genuine.stderr
    assert "genuine, for José Núñez, webinar crime-gun-strategy" in genuine.stdout
    erased = run_cli(tmp_path, "verify", make_code(SECRET, ids[3], WEBINAR), **env)
    assert erased.returncode == 0 and "has since erased their data" in erased.stdout
    code = make_code(SECRET, ids[0], WEBINAR)
    forged = run_cli(tmp_path, "verify", code[:-1] + ("Z" if code[-1] != "Z" else "Y"), **env)
    assert forged.returncode == 1 and "NOT GENUINE" in forged.stdout
    other_key = run_cli(tmp_path, "verify", code, **dict(env, CERTIFICATE_SECRET="x" * 40))
    assert other_key.returncode == 1
    malformed = run_cli(tmp_path, "verify", "12-34", **env)
    assert malformed.returncode == 2 and "16 letters and digits" in malformed.stderr


@pytest.mark.slow
def test_verify_needs_no_database(tmp_path: Path) -> None:
    env = settings(tmp_path)
    done = run_cli(tmp_path, "verify", make_code(SECRET, 12, "webinar-3"), **env)
    assert done.returncode == 0, done.stderr
    assert "genuine, for a participant not in this database, webinar webinar-3" in done.stdout
    assert not (tmp_path / "data").exists()


@pytest.mark.slow
def test_problems_are_one_line_and_exit_2(tmp_path: Path) -> None:
    env = settings(tmp_path)
    out = str(tmp_path / "out")
    no_key = run_cli(tmp_path, "verify", "0000-0000-0000-0000", SERIES_FILE=env["SERIES_FILE"])
    assert no_key.returncode == 2 and no_key.stderr.startswith("webinar-bot: CERTIFICATE_SECRET")
    unknown = run_cli(tmp_path, "certificates", "nope", "--out", out, **env)
    assert unknown.returncode == 2 and "no webinar 'nope'" in unknown.stderr
    no_db = run_cli(tmp_path, "certificates", WEBINAR, "--out", out, **env)
    assert no_db.returncode == 2 and "does not exist" in no_db.stderr
    off = run_cli(
        tmp_path,
        "certificates",
        WEBINAR,
        "--out",
        out,
        **dict(env, SERIES_FILE=str(ROOT / "series.example.toml")),
    )
    assert off.returncode == 2 and 'series.certificates is "off"' in off.stderr
    for result in (no_key, unknown, no_db, off):
        assert len(result.stderr.strip().splitlines()) == 1 and "Traceback" not in result.stderr


async def record_two(path: Path, ids: list[int]) -> None:
    """Record the first two participants' certificates as made."""
    async with Database(path) as db:
        store = CertificateStore(db)
        for participant in ids[:2]:
            code = make_code(SECRET, participant, WEBINAR)
            await store.record(participant, WEBINAR, code, 60, START)


def test_stats_and_the_report_count_certificates(tmp_path: Path) -> None:
    env = settings(tmp_path)
    series = load_series(Path(env["SERIES_FILE"]))
    path = tmp_path / "data" / "bot.sqlite3"
    ids = asyncio.run(seed(path, series, ["A One", "B Two", "C Three"], [True, True, True]))
    asyncio.run(record_two(path, ids))
    now = series.webinars[0].ends_at + timedelta(days=1)  # certificates follow a held webinar
    report = make_report(path, series, None, "md", now)
    assert "| Certificates of participation | 2 |" in report
    assert "2 certificates of participation were made for this webinar." in report
    assert "certificate" not in make_report(path, series, "webinar-2", "md", now).lower()
    text, _ = collect(path, series, Texts(), "es", now)
    assert "Certificados de participación: <b>2</b>" in text
    assert "Certificados de participación emitidos: <b>2</b>" in text


@pytest.mark.slow
def test_the_bot_and_check_refuse_certificates_without_a_key(tmp_path: Path) -> None:
    series = str(series_file(tmp_path))
    run = run_cli(tmp_path, "run", "--require-token", SERIES_FILE=series)
    assert run.returncode == 2 and run.stderr.startswith("webinar-bot: CERTIFICATE_SECRET: not set")
    check = run_cli(tmp_path, "check", SERIES_FILE=series)
    assert check.returncode == 1 and "CERTIFICATE_SECRET: not set" in check.stdout
    fine = run_cli(tmp_path, "check", SERIES_FILE=series, CERTIFICATE_SECRET=SECRET)
    assert fine.returncode == 0, fine.stdout


async def eligible_after_a_correction(path: Path, ids: list[int]) -> list[int]:
    """Who earns a certificate once an organizer corrected the second as not attending."""
    async with Database(path) as db:
        attendance = AttendanceStore(db)
        await attendance.record(
            WEBINAR,
            [Change(ids[1], False, None)],
            CORRECTION,
            "organizer 1",
            START,
            replaceable_by(CORRECTION),
        )
        found = await eligible(
            attendance, CertificateStore(db), CertificateRule(mode="attended"), WEBINAR
        )
    return [attendee.participant_id for attendee in found]


def test_eligibility_reads_attendance_as_corrected(tmp_path: Path) -> None:
    series = load_series(series_file(tmp_path))
    path = tmp_path / "data" / "bot.sqlite3"
    ids = asyncio.run(seed(path, series, ["A One", "B Two", "C Three"], [True, True, True]))
    assert asyncio.run(eligible_after_a_correction(path, ids)) == [ids[0]]  # C Three erased

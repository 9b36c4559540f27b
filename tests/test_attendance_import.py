"""Importing Zoom and Teams attendance reports: matching, minutes, bad files, the command."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.clock import to_iso
from bot.domain.series import load_series
from bot.reporting.attendance_import import AttendanceFileError, import_attendance, normalise
from storage.database import Database
from storage.participants import ParticipantStore
from storage.schedule import ScheduleStore

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2027, 1, 20, 17, 0, tzinfo=UTC)
PEOPLE = [  # telegram id, name, e-mail
    (1, "Ana María Pérez", "ana@police.gov.gy"),
    (2, "John Smith", None),
    (3, "Kim Lee", "kim@customs.gov.lc"),
    (4, "Sam Jones", None),
    (5, "Sam Jones", None),
    (6, "Erased Person", "gone@x.org"),
]


@pytest.fixture
async def database(tmp_path: Path) -> Path:
    """A database with six participants (one of them erased)."""
    path = tmp_path / "bot.sqlite3"
    db = Database(path)
    await db.open()
    series = load_series(ROOT / "series.example.toml")
    await ScheduleStore(db).sync(series.webinars, NOW)
    store = ParticipantStore(db)
    for telegram_id, name, email in PEOPLE:
        await store.create(
            telegram_id,
            {
                "language": "en",
                "full_name": name,
                "country": "GY",
                "timezone": "America/Guyana",
                "institution": "police",
                "position": "Officer",
                "sex": "woman",
                "email": email,
                "webinars": [series.webinars[0].id],
                "consent_at": to_iso(NOW),
                "consent_version": "t",
            },
            NOW,
        )
    await store.erase(6, NOW)
    await db.close()
    return path


def attendance(path: Path) -> dict[str, int | None]:
    """Recorded attendance by participant name."""
    conn = sqlite3.connect(path)
    rows = conn.execute(
        "SELECT p.full_name, a.minutes FROM attendance a JOIN participants p"
        " ON p.id = a.participant_id WHERE a.attended = 1 AND a.source = 'import'"
    ).fetchall()
    conn.close()
    return dict(rows)


ZOOM = (
    "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest\n"
    "Ana Perez (Ana María Pérez),ANA@police.gov.gy,01/20/2027 10:01,01/20/2027 11:00,59,No\n"
    "Ana Perez (Ana María Pérez),ana@police.gov.gy,01/20/2027 11:05,01/20/2027 12:00,55,No\n"
    "john  SMITH,,01/20/2027 10:00,01/20/2027 12:00,120,Yes\n"
    "Sam Jones,,01/20/2027 10:00,01/20/2027 12:00,120,Yes\n"
    "Stranger Danger,stranger@x.org,01/20/2027 10:00,01/20/2027 10:30,30,Yes\n"
    "Erased Person,gone@x.org,01/20/2027 10:00,01/20/2027 10:30,30,Yes\n"
)

TEAMS = (
    "1. Summary\n"
    "Meeting title\tBuilding a Crime Gun Preventive Strategy\n"
    "Attended participants\t2\n"
    "\n"
    "2. Participants\n"
    "Name\tFirst Join\tLast Leave\tIn-Meeting Duration\tEmail\tParticipant ID (UPN)\tRole\n"
    "Kim Lee\t1/20/27, 10:00:00 AM\t1/20/27, 12:00:00 PM\t1h 58m\tkim@customs.gov.lc\tx\tAttendee\n"
    "John Smith\t1/20/27, 10:00:00 AM\t1/20/27, 11:00:00 AM\t1h\t\ty\tAttendee\n"
    "\n"
    "3. In-Meeting Activities\n"
    "Name\tJoin Time\tLeave Time\tDuration\tEmail\n"
    "Kim Lee\t1/20/27, 10:00:00 AM\t1/20/27, 12:00:00 PM\t1h 58m\tkim@customs.gov.lc\n"
)


async def test_zoom_report_matches_by_email_then_name(database: Path, tmp_path: Path) -> None:
    report = tmp_path / "zoom.csv"
    report.write_bytes(b"\xef\xbb\xbf" + ZOOM.encode())
    result = import_attendance(database, "crime-gun-strategy", report, NOW)
    assert (result.rows, result.by_email, result.by_name) == (5, 1, 1)
    assert result.unmatched == ["Stranger Danger", "Erased Person"]
    assert result.ambiguous == ["Sam Jones"]  # two participants share the name: not guessed
    assert attendance(database) == {"Ana María Pérez": 114, "John Smith": 120}


async def test_teams_report_in_utf16_with_summary(database: Path, tmp_path: Path) -> None:
    report = tmp_path / "teams.csv"
    report.write_bytes(TEAMS.encode("utf-16"))
    result = import_attendance(database, "crime-gun-strategy", report, NOW)
    assert (result.by_email, result.by_name, result.unmatched) == (1, 1, [])
    assert attendance(database) == {"Kim Lee": 118, "John Smith": 60}


@pytest.mark.parametrize(
    "content",
    [
        b"\x00\x01\x02binary\x00",
        b"just,some,columns\n1,2,3\n",
        b"Name,Email\n",
    ],
)
async def test_bad_files_change_nothing(database: Path, tmp_path: Path, content: bytes) -> None:
    report = tmp_path / "bad.csv"
    report.write_bytes(content)
    with pytest.raises(AttendanceFileError):
        import_attendance(database, "crime-gun-strategy", report, NOW)
    assert attendance(database) == {}


async def test_unknown_webinar_changes_nothing(database: Path, tmp_path: Path) -> None:
    report = tmp_path / "zoom.csv"
    report.write_text(ZOOM)
    with pytest.raises(AttendanceFileError, match="no webinar 'nope'"):
        import_attendance(database, "nope", report, NOW)
    assert attendance(database) == {}


def test_names_compare_without_accents_case_or_zoom_suffix() -> None:
    assert normalise("Ana Perez (Ana María Pérez)") == normalise("ana  PEREZ")
    assert normalise("José-Luis O'Neil") == "jose luis o neil"


@pytest.mark.slow
async def test_the_command(database: Path, tmp_path: Path) -> None:
    report = tmp_path / "zoom.csv"
    report.write_text(ZOOM)
    env = dict(
        os.environ, DATABASE_PATH=str(database), SERIES_FILE=str(ROOT / "series.example.toml")
    )
    env.pop("BOT_TOKEN", None)
    done = subprocess.run(  # noqa: ASYNC221 - a short CLI run inside the test
        [sys.executable, "-m", "bot", "import-attendance", "crime-gun-strategy", str(report)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert "2 of 5 people in the report matched participants (1 by e-mail, 1 by name)" in (
        done.stdout
    )
    assert "  - Stranger Danger" in done.stdout
    bad = subprocess.run(  # noqa: ASYNC221 - a short CLI run inside the test
        [sys.executable, "-m", "bot", "import-attendance", "nope", str(report)],
        env=env,
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert bad.stderr.strip().count("\n") == 0

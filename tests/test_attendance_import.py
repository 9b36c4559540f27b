"""`webinar-bot import-attendance`: the summary, what is written, what is refused, and twice."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.cli.main import main
from bot.clock import to_iso
from bot.domain.series import load_series
from storage.attendance import AttendanceStore, Change
from storage.database import Database
from storage.participants import ParticipantStore
from storage.schedule import ScheduleStore
from tests.support.attendance import FIXTURES, PEOPLE

ROOT = Path(__file__).resolve().parent.parent
NOW = datetime(2026, 1, 21, 12, 0, tzinfo=UTC)
WEBINAR = "crime-gun-strategy"


def write_series(tmp_path: Path, extra: str = "") -> Path:
    """The example series with the first webinar on the fixtures' day (2026-01-20 14:00 UTC)."""
    text = (ROOT / "series.example.toml").read_text(encoding="utf-8")
    text = text.replace(
        "starts_at = 2027-01-20T10:00:00-04:00", "starts_at = 2026-01-20T10:00:00-04:00"
    )
    text = text.replace("[series]\n", f"[series]\n{extra}", 1)
    path = tmp_path / "series.toml"
    path.write_text(text, encoding="utf-8")
    return path


async def _fill(path: Path, series_file: Path) -> None:
    """The eight registrants, and Guest Visitor registered for another webinar only."""
    db = Database(path)
    await db.open()
    series = load_series(series_file)
    assert series.webinars[0].id == WEBINAR
    await ScheduleStore(db).sync(series.webinars, NOW)
    store = ParticipantStore(db)
    people = [*PEOPLE, ("Guest Visitor", None)]
    for telegram_id, (name, email) in enumerate(people, start=1):
        webinar = WEBINAR if email else series.webinars[1].id
        await store.create(
            telegram_id,
            {
                "language": "en",
                "full_name": name,
                "country": "TT",
                "timezone": "America/Port_of_Spain",
                "institution": "police",
                "position": "Officer",
                "sex": "woman",
                "email": None if name == "Renée Charles" else email,
                "webinars": [webinar],
                "consent_at": to_iso(NOW),
                "consent_version": "t",
            },
            NOW,
        )
    await db.close()


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Settings pointing at a filled database and the fixtures' series; returns the database."""
    database = tmp_path / "bot.sqlite3"
    series_file = write_series(tmp_path)
    asyncio.run(_fill(database, series_file))
    monkeypatch.setenv("DATABASE_PATH", str(database))
    monkeypatch.setenv("SERIES_FILE", str(series_file))
    monkeypatch.delenv("BOT_TOKEN", raising=False)
    monkeypatch.chdir(tmp_path)
    return database


def recorded(database: Path) -> dict[str, tuple[int, str, int | None]]:
    """Attendance on record by name: (attended, source, minutes)."""
    with sqlite3.connect(database) as conn:
        rows = conn.execute(
            "SELECT p.full_name, a.attended, a.source, a.minutes FROM attendance a"
            " JOIN participants p ON p.id = a.participant_id"
        ).fetchall()
    return {name: (attended, source, minutes) for name, attended, source, minutes in rows}


def history_size(database: Path) -> int:
    """How many attendance changes the history holds."""
    with sqlite3.connect(database) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM attendance_history").fetchone()[0])


def run(*args: str) -> int:
    """Run the command in this process."""
    return main(["import-attendance", *args])


def test_import_prints_what_it_understood_and_records_minutes(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(WEBINAR, str(FIXTURES / "zoom_meeting_with_summary.csv")) == 0
    out = capsys.readouterr().out
    assert "Format: Zoom participants report, with meeting data (comma-separated)" in out
    assert "Rows read: 11; minutes from join and leave times" in out
    assert "Matched: 6 registrants (5 by e-mail, 1 by name)" in out
    assert "  Marcus De Freitas <m.defreitas@example.gov.gy>: in the waiting room" in out
    assert "  UNLIREC Host <organizer@example.org>: host (the summary's host e-mail)" in out
    assert "  Guest Visitor: no e-mail, and the name matches no registrant" in out
    assert "Recorded: 6 changed, 0 already so." in out
    assert recorded(env) == {
        "Amelia Baptiste": (1, "import", 124),
        "Marcus De Freitas": (1, "import", 93),
        "Loki Laufeyson": (1, "import", 100),
        "Zoë Hernández-Núñez": (1, "import", 145),
        "Renée Charles": (1, "import", 100),
        "Kwame Joseph": (1, "import", 48),
    }


def test_importing_the_same_file_twice_changes_nothing(
    env: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    report = str(FIXTURES / "teams_attendance_report_v2.csv")
    assert run(WEBINAR, report) == 0
    first, changes = recorded(env), history_size(env)
    capsys.readouterr()
    assert run(WEBINAR, report) == 0
    assert "Recorded: 0 changed, 6 already so." in capsys.readouterr().out
    assert (recorded(env), history_size(env)) == (first, changes)


def test_dry_run_writes_nothing(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run(WEBINAR, str(FIXTURES / "webex_attendance_pt.csv"), "--dry-run") == 0
    out = capsys.readouterr().out
    assert "Format: Webex attendance report (tab-separated)" in out
    assert "Dry run: nothing recorded." in out
    assert recorded(env) == {}


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"Topic,Start Time\nWebinar,01/20/2026 10:00\n", "no participants table"),
        (b"Name,Email,Duration\nNobody,nobody@example.org,30\n", "no row matches a registrant"),
        (
            (FIXTURES / "zoom_meeting_no_summary.csv").read_bytes().replace(b"01/20/", b"02/24/"),
            "the file is for a meeting on 2026-02-24, not this webinar (2026-01-20)",
        ),
        (b"\x00\x01binary", "not a text (CSV) file"),
    ],
)
def test_untrustworthy_files_are_refused_in_one_line(
    env: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes, message: str
) -> None:
    report = tmp_path / "report.csv"
    report.write_bytes(content)
    assert run(WEBINAR, str(report)) == 2
    err = capsys.readouterr().err
    assert message in err and err.count("\n") == 1
    assert recorded(env) == {}


def test_unknown_webinar_and_missing_file(env: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("nope", str(FIXTURES / "zoom_meeting_with_summary.csv")) == 2
    assert "no webinar 'nope' in the series" in capsys.readouterr().err
    assert run(WEBINAR, "missing.csv") == 2
    assert "missing.csv: No such file or directory" in capsys.readouterr().err


def test_platform_report_outranks_a_self_report_not_a_correction(env: Path) -> None:
    async def self_reports() -> None:
        db = Database(env)
        await db.open()
        store = AttendanceStore(db)
        for participant, source in ((1, "survey"), (8, "correction")):  # Amelia, Kwame
            await store.record(
                WEBINAR, [Change(participant, False, None)], source, "t", NOW, (source,)
            )
        await db.close()

    asyncio.run(self_reports())
    assert run(WEBINAR, str(FIXTURES / "zoom_meeting_with_summary.csv")) == 0
    after = recorded(env)
    assert after["Amelia Baptiste"] == (1, "import", 124)
    assert after["Kwame Joseph"] == (0, "correction", None)


def test_minimum_minutes_from_the_series(
    env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("SERIES_FILE", str(write_series(tmp_path, "attendance_min_minutes = 60\n")))
    assert run(WEBINAR, str(FIXTURES / "zoom_meeting_with_summary.csv")) == 0
    assert "Attended (at least 60 minutes): 5" in capsys.readouterr().out
    assert recorded(env)["Kwame Joseph"] == (0, "import", 48)

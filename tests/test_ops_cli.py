"""`webinar-bot check`, `backup` and `restore`, and the retention job."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import dataclasses
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.app import build_application, start_polling, stop_polling
from bot.cli.ops_commands import restore
from bot.clock import ManualClock, to_iso
from bot.runtime.backup import DatabaseLock, backup_database, inspect_database, latest_schema
from bot.runtime.retention import retention_deadline, run_retention
from bot.services import SERVICES_KEY, Services
from sandbox import SandboxServer
from storage.database import Database
from storage.participants import ParticipantStore
from tests.support.cli import make_database, run_cli
from tests.support.settings import ROOT, START, TOKEN, example_series, settings_for

YESTERDAY = START - timedelta(days=1)


def count_participants(path: Path) -> int:
    """Participants in a database file."""
    with contextlib.closing(sqlite3.connect(path)) as conn:
        return int(conn.execute("SELECT COUNT(*) FROM participants").fetchone()[0])


def execute(path: Path, *statements: str) -> None:
    """Run write statements on a database file and close it."""
    with contextlib.closing(sqlite3.connect(path)) as conn, conn:
        for statement in statements:
            conn.execute(statement)


# --- check -------------------------------------------------------------------------------


@pytest.mark.slow
async def test_check_passes_on_a_good_setup(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "does not exist yet" in result.stdout
    await make_database(tmp_path / "data" / "bot.sqlite3")
    result = run_cli(tmp_path, "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"schema version {latest_schema()} of {latest_schema()}" in result.stdout
    assert "3 participants" in result.stdout and "Traceback" not in result.stderr


def fail_lines(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The FAIL lines of a check, after making sure it failed without a traceback."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stdout + result.stderr
    return [line for line in result.stdout.splitlines() if line.startswith("FAIL")]


@pytest.mark.slow
async def test_check_reports_each_broken_part(tmp_path: Path) -> None:
    lines = fail_lines(run_cli(tmp_path, "check", ADMIN_IDS="12a"))
    assert len(lines) == 1 and "ADMIN_IDS" in lines[0]

    bad_series = tmp_path / "series.toml"
    bad_series.write_text("[series]\ntitle = 3\n")
    lines = fail_lines(run_cli(tmp_path, "check", SERIES_FILE=str(bad_series)))
    assert len(lines) == 1 and "series file" in lines[0]

    lines = fail_lines(run_cli(tmp_path, "check", WEBHOOK_URL="https://bot.example.org/h"))
    assert len(lines) == 1 and "WEBHOOK_SECRET" in lines[0]

    database = tmp_path / "data" / "bot.sqlite3"
    database.parent.mkdir()
    database.write_bytes(b"this is not a database" * 100)
    lines = fail_lines(run_cli(tmp_path, "check"))
    assert len(lines) == 1 and "database" in lines[0]

    database.unlink()
    await make_database(database)
    execute(database, "INSERT INTO schema_migrations VALUES (99, '2030-01-01T00:00:00Z')")
    lines = fail_lines(run_cli(tmp_path, "check"))
    assert len(lines) == 1 and "newer than this program" in lines[0]

    execute(
        database,
        "DELETE FROM schema_migrations WHERE version = 99",
        "INSERT INTO registrations VALUES (4242, 'nowhere', '2027-01-01')",
    )
    lines = fail_lines(run_cli(tmp_path, "check"))
    assert len(lines) == 1 and "foreign keys" in lines[0]


# --- backup ------------------------------------------------------------------------------


async def test_backup_while_another_task_writes(tmp_path: Path) -> None:
    database = tmp_path / "bot.sqlite3"
    await make_database(database, participants=400, padding=2000)
    writer_db = Database(database)
    await writer_db.open()
    store = ParticipantStore(writer_db)
    done = asyncio.Event()
    started = asyncio.Event()
    written = 0

    async def write() -> None:
        nonlocal written
        while not done.is_set():
            await store.create(
                50_000 + written,
                {
                    "language": "en",
                    "full_name": "W" * 500,
                    "country": "GY",
                    "timezone": "America/Guyana",
                    "institution": "police",
                    "position": "P",
                    "sex": "man",
                    "email": None,
                    "webinars": [],
                    "consent_at": to_iso(START),
                    "consent_version": "t",
                },
                START,
            )
            written += 1
            if written >= 5:
                started.set()
            await asyncio.sleep(0)

    writer = asyncio.create_task(write())
    steps: list[tuple[int, int]] = []
    try:
        await started.wait()
        before = written
        info = await asyncio.to_thread(
            backup_database,
            database,
            tmp_path / "copy.sqlite3",
            pages=4,
            progress=lambda done_, total: steps.append((done_, total)),
        )
        during = written - before
    finally:
        done.set()
        await writer
        await writer_db.close()
    assert during > 0, "the writer kept writing while the backup ran"
    assert len(steps) > 10 and steps[-1][0] == steps[-1][1]
    copy = tmp_path / "copy.sqlite3"
    assert inspect_database(copy).problems == []
    with contextlib.closing(sqlite3.connect(copy)) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        copied = conn.execute("SELECT COUNT(*) FROM participants").fetchone()[0]
    assert 400 + before <= copied <= 400 + written
    assert info.participants == copied


@pytest.mark.slow
async def test_backup_command(tmp_path: Path) -> None:
    await make_database(tmp_path / "data" / "bot.sqlite3")
    result = run_cli(tmp_path, "backup", "copy.sqlite3")
    assert result.returncode == 0, result.stderr
    assert count_participants(tmp_path / "copy.sqlite3") == 3
    again = run_cli(tmp_path, "backup", "copy.sqlite3")
    assert again.returncode == 1 and "already exists" in again.stderr
    assert run_cli(tmp_path, "backup", "copy.sqlite3", "--force").returncode == 0
    missing = run_cli(tmp_path, "backup", "x.sqlite3", DATABASE_PATH=str(tmp_path / "no.db"))
    assert missing.returncode == 1 and "Traceback" not in missing.stderr


# --- restore -----------------------------------------------------------------------------


@pytest.mark.slow
async def test_restore_with_and_without_yes(tmp_path: Path) -> None:
    database = tmp_path / "data" / "bot.sqlite3"
    await make_database(database, participants=3)
    await make_database(tmp_path / "other.sqlite3", participants=7)

    refused = run_cli(tmp_path, "restore", "other.sqlite3")
    assert refused.returncode == 1 and "--yes" in refused.stderr
    assert count_participants(database) == 3

    with DatabaseLock(database):
        busy = run_cli(tmp_path, "restore", "other.sqlite3", "--yes")
    assert busy.returncode == 1 and "running webinar-bot" in busy.stderr
    assert count_participants(database) == 3

    done = run_cli(tmp_path, "restore", "other.sqlite3", "--yes")
    assert done.returncode == 0, done.stderr
    assert count_participants(database) == 7
    kept = list(database.parent.glob("bot.sqlite3.before-restore-*"))
    assert len(kept) == 1 and count_participants(kept[0]) == 3
    assert run_cli(tmp_path, "check").returncode == 0


async def test_restore_asks_and_refuses_bad_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    database = tmp_path / "bot.sqlite3"
    monkeypatch.setenv("DATABASE_PATH", str(database))
    await make_database(database, participants=2)
    await make_database(tmp_path / "good.sqlite3", participants=5)
    args = argparse.Namespace(env_file=str(tmp_path / "none.env"), file="good.sqlite3", yes=False)
    assert restore(args, ask=lambda _: "n", interactive=lambda: True) == 1
    assert count_participants(database) == 2
    assert restore(args, ask=lambda _: "yes", interactive=lambda: True) == 0
    assert count_participants(database) == 5

    newer = tmp_path / "newer.sqlite3"
    await make_database(newer)
    execute(newer, "INSERT INTO schema_migrations VALUES (99, '2030-01-01T00:00:00Z')")
    args = argparse.Namespace(env_file=str(tmp_path / "none.env"), file=str(newer), yes=True)
    assert restore(args) == 1
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"x" * 4096)
    args.file = str(garbage)
    assert restore(args) == 1
    assert count_participants(database) == 5


# --- retention ---------------------------------------------------------------------------


async def test_retention_erases_only_after_the_deadline(tmp_path: Path) -> None:
    settings = dataclasses.replace(
        settings_for(tmp_path, "http://127.0.0.1:9/bot"), retention_days=30
    )
    series = example_series()
    application = build_application(settings, series, TOKEN, clock=ManualClock(START))
    services: Services = application.bot_data[SERVICES_KEY]
    await make_database(settings.database_path, participants=4)
    await services.db.open()
    try:
        deadline = retention_deadline(series, 30)
        assert deadline == max(w.ends_at for w in series.webinars) + timedelta(days=30)
        assert await run_retention(services, deadline - timedelta(seconds=1)) is None
        assert (await services.participants.get(10_000)) is not None
        assert await services.db.fetchall("SELECT * FROM retention_runs") == []

        run = await run_retention(services, deadline)
        assert run is not None and run.erased == 4
        assert await services.participants.get(10_000) is None
        rows = await services.db.fetchall(
            "SELECT telegram_id, full_name, email, position, erased_at, country, sex"
            " FROM participants"
        )
        assert len(rows) == 4 and await services.participants.count() == 4
        assert all(
            r["telegram_id"] is None
            and r["full_name"] is None
            and r["email"] is None
            and r["position"] is None
            and r["erased_at"]
            for r in rows
        )
        assert {(r["country"], r["sex"]) for r in rows} == {("TT", "woman")}
        again = await run_retention(services, deadline + timedelta(days=1))
        assert again is not None and again.erased == 0
        runs = await services.db.fetchall("SELECT erased FROM retention_runs ORDER BY id")
        assert [r["erased"] for r in runs] == [4, 0]
        off = dataclasses.replace(
            services, settings=dataclasses.replace(settings, retention_days=None)
        )
        assert await run_retention(off, deadline + timedelta(days=400)) is None
    finally:
        await services.db.close()


async def test_retention_runs_at_start_up(sandbox: SandboxServer, tmp_path: Path) -> None:
    settings = dataclasses.replace(settings_for(tmp_path, sandbox.api_base_url), retention_days=1)
    series = example_series()
    await make_database(settings.database_path, participants=2)
    after = max(w.ends_at for w in series.webinars) + timedelta(days=2)
    application = build_application(
        settings, series, TOKEN, clock=ManualClock(after.astimezone(UTC))
    )
    await start_polling(application, poll_timeout=1)
    try:
        services: Services = application.bot_data[SERVICES_KEY]
        runs = await services.db.fetchall("SELECT erased FROM retention_runs")
        assert [r["erased"] for r in runs] == [2]
        assert application.job_queue is not None
        assert application.job_queue.get_jobs_by_name("retention")
    finally:
        await stop_polling(application)
    assert datetime.now(UTC) < after  # the injected clock, not the real one, decided


@pytest.mark.slow
def test_ops_help_lists_the_commands() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--help"],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=60,
    )
    for command in ("check", "backup", "restore", "healthcheck"):
        assert command in result.stdout

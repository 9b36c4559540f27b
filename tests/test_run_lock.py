"""One bot per database file, whatever path names it; health checks and start-up errors."""

from __future__ import annotations

import os
import socket
import stat
from pathlib import Path

import pytest

from bot.config import load_settings
from bot.runtime.backup import DatabaseLock, OpsError, held_by_another
from bot.runtime.sandbox_mode import run_on_sandbox, sandbox_settings
from tests.support.cli import make_database, run_cli
from tests.support.settings import ROOT, TOKEN, example_series


def test_a_symlink_meets_the_same_lock(tmp_path: Path) -> None:
    """A second bot reaching the database through a symlink is refused."""
    database = tmp_path / "bot.sqlite3"
    link = tmp_path / "elsewhere" / "link.sqlite3"
    link.parent.mkdir()
    with DatabaseLock(database):
        link.symlink_to(database)
        with pytest.raises(OpsError, match="in use"):
            DatabaseLock(link).acquire()
        assert held_by_another(link) is True
    with DatabaseLock(link):
        assert held_by_another(database) is True


def test_a_hard_link_meets_the_same_lock(tmp_path: Path) -> None:
    """A second bot reaching the database through a hard link is refused."""
    database = tmp_path / "bot.sqlite3"
    with DatabaseLock(database):
        os.link(database, tmp_path / "hard.sqlite3")
        with pytest.raises(OpsError, match="in use"):
            DatabaseLock(tmp_path / "hard.sqlite3").acquire()
    assert held_by_another(database) is False


async def test_sandbox_mode_takes_the_lock(tmp_path: Path) -> None:
    """Sandbox mode refuses to start on a database another bot holds."""
    settings = load_settings(
        environ={"DATABASE_PATH": str(tmp_path / "bot.sqlite3")}, env_file=None
    )
    with DatabaseLock(sandbox_settings(settings).database_path), pytest.raises(OpsError):
        await run_on_sandbox(settings, example_series(), "127.0.0.1", 0)


def test_run_refuses_a_second_bot_through_a_symlink(tmp_path: Path) -> None:
    """`webinar-bot run` exits 2 with one line when the database file is held elsewhere."""
    database = tmp_path / "data" / "bot.sqlite3"
    database.parent.mkdir()
    link = tmp_path / "link.sqlite3"
    link.symlink_to(database)
    with DatabaseLock(database):
        result = run_cli(
            tmp_path, "run", DATABASE_PATH=str(link), BOT_TOKEN=TOKEN, LOG_LEVEL="ERROR"
        )
    assert result.returncode == 2
    assert "in use by a running webinar-bot" in result.stderr
    assert "Traceback" not in result.stderr


def test_an_unwritable_database_folder_gives_one_line(tmp_path: Path) -> None:
    """A database where no file can be created (here /proc) is one error line, no traceback."""
    result = run_cli(tmp_path, "run", DATABASE_PATH="/proc/webinar-bot.sqlite3", BOT_TOKEN=TOKEN)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    assert "webinar-bot.sqlite3" in result.stderr


def test_healthcheck_fails_without_a_health_server(tmp_path: Path) -> None:
    """No HEALTH_PORT in polling mode: nothing can answer, so the check fails."""
    result = run_cli(tmp_path, "healthcheck", "--timeout", "1")
    assert result.returncode != 0
    assert "HEALTH_PORT" in result.stderr


def test_healthcheck_fails_when_nothing_listens(tmp_path: Path) -> None:
    """A HEALTH_PORT nobody listens on fails the check."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    result = run_cli(tmp_path, "healthcheck", "--timeout", "1", HEALTH_PORT=str(port))
    assert result.returncode != 0
    assert "no answer" in result.stderr


def test_the_image_serves_health_in_polling_mode() -> None:
    """The Dockerfile sets HEALTH_PORT, so its HEALTHCHECK has a server to ask."""
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "HEALTH_PORT=" in dockerfile
    assert "@sha256:" in dockerfile


async def test_backups_and_exports_are_private(tmp_path: Path) -> None:
    """The program's umask makes backups and exports readable by their owner only."""
    await make_database(tmp_path / "data" / "bot.sqlite3")
    result = run_cli(tmp_path, "backup", "copy.sqlite3")
    assert result.returncode == 0, result.stderr
    exported = run_cli(tmp_path, "export", "participants", "--out", "people.csv")
    assert exported.returncode == 0, exported.stderr
    for name in ("copy.sqlite3", "people.csv"):
        assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600, name


def test_the_database_file_is_created_private(tmp_path: Path) -> None:
    """The run lock creates a missing database 0600, before SQLite opens it."""
    database = tmp_path / "new.sqlite3"
    with DatabaseLock(database):
        assert stat.S_IMODE(database.stat().st_mode) == 0o600

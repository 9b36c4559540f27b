"""The `webinar-bot` command as a real process: clear errors, and a run on the local sandbox."""

from __future__ import annotations

import asyncio
import signal
import sys
from pathlib import Path

import pytest

from sandbox import SandboxClient
from tests.support.cli import run_cli
from tests.support.settings import ROOT, cli_env, free_port
from tests.support.users import SimUser


@pytest.mark.slow
def test_bad_setting_is_one_clear_line(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "run", ADMIN_IDS="12a")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("webinar-bot: ADMIN_IDS:"), lines


@pytest.mark.slow
def test_bad_token_and_missing_series_file(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "run", BOT_TOKEN="not-a-token")
    assert result.returncode == 2 and "BOT_TOKEN" in result.stderr
    assert "not-a-token" not in result.stderr or "Traceback" not in result.stderr
    result = run_cli(tmp_path, "run", SERIES_FILE=str(tmp_path / "missing.toml"))
    assert result.returncode == 2 and "SERIES_FILE" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.slow
def test_bad_series_file_names_the_field(tmp_path: Path) -> None:
    series = tmp_path / "series.toml"
    series.write_text(
        (ROOT / "series.example.toml")
        .read_text()
        .replace("starts_at = 2027-01-20T10:00:00-04:00", "starts_at = 2027-01-20T10:00:00", 1)
    )
    result = run_cli(tmp_path, "run", SERIES_FILE=str(series))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "webinars[1].starts_at" in result.stderr


@pytest.mark.slow
def test_require_token(tmp_path: Path) -> None:
    result = run_cli(tmp_path, "run", "--require-token")
    assert result.returncode == 2 and "BOT_TOKEN: not set" in result.stderr


@pytest.mark.slow
async def test_runs_on_the_local_sandbox_without_a_token(tmp_path: Path) -> None:
    port = free_port()
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "run",
        "--sandbox-port",
        str(port),
        cwd=tmp_path,
        env=cli_env(tmp_path),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        assert f"http://127.0.0.1:{port}" in line.decode()
        async with SandboxClient(f"http://127.0.0.1:{port}") as client:
            user = await SimUser(client, 42).join()
            await user.say("/start")
            await user.expect("choose your language")
        assert (tmp_path / "data" / "sandbox-bot.sqlite3").exists()
        assert not (tmp_path / "data" / "bot.sqlite3").exists()
    finally:
        process.send_signal(signal.SIGTERM)
        await asyncio.wait_for(process.wait(), 20)
    assert process.returncode == 0
    assert process.stderr is not None
    stderr = (await process.stderr.read()).decode()
    assert "BOT_TOKEN is not set" in stderr
    assert "Traceback" not in stderr, stderr[stderr.index("Traceback") - 300 :]

"""What every test bot is built from: the token, the start time, the series and the settings."""

from __future__ import annotations

import os
import socket
from datetime import UTC, datetime
from pathlib import Path

from bot.config import Settings, load_settings
from bot.domain.series import Series, parse_series

ROOT = Path(__file__).resolve().parent.parent.parent
TOKEN = "123456789:AAHsandboxTokenForTestsOnly_0123456789"
START = datetime(2027, 1, 5, 14, 0, tzinfo=UTC)
ADMIN_ID = 1000


def example_series(registration_code: str = "") -> Series:
    """The shipped example series, optionally with a registration code."""
    text = (ROOT / "series.example.toml").read_text()
    if registration_code:
        text = text.replace('registration_code = ""', f'registration_code = "{registration_code}"')
    return parse_series(text)


def settings_for(tmp_path: Path, api_base_url: str) -> Settings:
    """Settings for a bot talking to the sandbox with its database in tmp_path."""
    return load_settings(
        environ={
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api_base_url,
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "ADMIN_IDS": str(ADMIN_ID),
            "LOG_LEVEL": "DEBUG",
        },
        env_file=None,
    )


def free_port() -> int:
    """A free loopback port (each test, and so each xdist worker, asks for its own)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def cli_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """A clean environment for the `webinar-bot` command, its files in tmp_path."""
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("BOT_TOKEN", "ADMIN_IDS", "TELEGRAM_API_BASE_URL", "LOG_LEVEL")
    }
    env.update(
        {
            "SERIES_FILE": str(ROOT / "series.example.toml"),
            "DATABASE_PATH": str(tmp_path / "data" / "bot.sqlite3"),
        }
    )
    env.update(settings)
    return env

"""Tests for bot.config."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from dotenv import dotenv_values

from bot.config import (
    SETTINGS_DOC,
    ConfigError,
    Settings,
    ensure_database_dir,
    load_settings,
    require_token,
)
from tests.support.settings import ROOT

TOKEN = "123456789:AAHdqTcvCH1vGWJxfSeofSAs0K5PALDsaw0"


def load(environ: dict[str, str], env_file: Path | None = None) -> Settings:
    """Load settings from a given environment only (never the real one)."""
    return load_settings(environ=environ, env_file=env_file)


def error_for(environ: dict[str, str]) -> str:
    """Return the ConfigError message raised for an environment."""
    with pytest.raises(ConfigError) as info:
        load(environ)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_defaults() -> None:
    """With nothing set, every setting takes its documented default."""
    settings = load({})
    assert settings.bot_token is None
    assert settings.telegram_api_base_url == "https://api.telegram.org/bot"
    assert settings.admin_ids == frozenset()
    assert settings.database_path == Path("data/webinar-bot.sqlite3")
    assert settings.series_file == Path("series.toml")
    assert settings.log_level == "INFO"


def test_all_values() -> None:
    """Every setting is read and converted."""
    settings = load(
        {
            "BOT_TOKEN": f"  {TOKEN} ",
            "TELEGRAM_API_BASE_URL": "http://localhost:8081/bot",
            "ADMIN_IDS": " 12, 34 ,56,",
            "DATABASE_PATH": "/tmp/x/db.sqlite3",
            "SERIES_FILE": "conf/series.toml",
            "LOG_LEVEL": "debug",
        }
    )
    assert settings.bot_token == TOKEN
    assert settings.telegram_api_base_url == "http://localhost:8081/bot"
    assert settings.admin_ids == frozenset({12, 34, 56})
    assert settings.database_path == Path("/tmp/x/db.sqlite3")
    assert settings.series_file == Path("conf/series.toml")
    assert settings.log_level == "DEBUG"


def test_settings_frozen_and_token_hidden_from_repr() -> None:
    """Settings cannot be changed and never print the token."""
    settings = load({"BOT_TOKEN": TOKEN})
    with pytest.raises(AttributeError):
        settings.log_level = "DEBUG"  # type: ignore[misc]
    assert TOKEN not in repr(settings)


@pytest.mark.parametrize(
    "token",
    ["abc", "123456", "123:short", "abc:" + "A" * 35, "123:" + "A" * 29 + "!", "1 :" + "A" * 35],
)
def test_bad_token(token: str) -> None:
    """Malformed tokens are rejected, naming BOT_TOKEN without echoing the secret."""
    message = error_for({"BOT_TOKEN": token})
    assert message.startswith("BOT_TOKEN: ")
    assert token not in message


@pytest.mark.parametrize("url", ["ftp://example.org/bot", "api.telegram.org/bot", "https://", "x"])
def test_bad_base_url(url: str) -> None:
    """The API base URL must be http(s) with a host."""
    message = error_for({"TELEGRAM_API_BASE_URL": url})
    assert message.startswith("TELEGRAM_API_BASE_URL: ")
    assert "http(s) URL" in message


@pytest.mark.parametrize(
    ("raw", "bad"),
    [("12a", "12a"), ("1, x", "x"), ("-100123", "-100123"), ("0", "0"), ("1.5", "1.5")],
)
def test_bad_admin_ids(raw: str, bad: str) -> None:
    """Admin ids must be positive integers; the message quotes the bad item."""
    message = error_for({"ADMIN_IDS": raw})
    assert message == (
        f'ADMIN_IDS: "{bad}" is not a Telegram user id (expected comma-separated numbers)'
    )


def test_empty_admin_ids() -> None:
    """An empty or blank list of admins is allowed."""
    assert load({"ADMIN_IDS": " , "}).admin_ids == frozenset()


def test_bad_log_level() -> None:
    """Unknown log levels are rejected, naming LOG_LEVEL."""
    message = error_for({"LOG_LEVEL": "verbose"})
    assert message.startswith('LOG_LEVEL: "verbose" is not one of DEBUG, INFO')


def test_bad_path() -> None:
    """A path with a NUL byte is rejected."""
    assert error_for({"DATABASE_PATH": "a\x00b"}).startswith("DATABASE_PATH: ")


def test_env_file_is_read(tmp_path: Path) -> None:
    """Values come from the .env file when the environment lacks them."""
    env_file = tmp_path / ".env"
    env_file.write_text(f"BOT_TOKEN={TOKEN}\nLOG_LEVEL=warning\nADMIN_IDS='1, 2'\n")
    settings = load({}, env_file)
    assert settings.bot_token == TOKEN
    assert settings.log_level == "WARNING"
    assert settings.admin_ids == frozenset({1, 2})


def test_environment_wins_over_env_file(tmp_path: Path) -> None:
    """A real environment variable overrides the same key in .env."""
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=ERROR\nADMIN_IDS=1\nSERIES_FILE=from-file.toml\n")
    settings = load({"LOG_LEVEL": "debug", "SERIES_FILE": "from-env.toml"}, env_file)
    assert settings.log_level == "DEBUG"
    assert settings.series_file == Path("from-env.toml")
    assert settings.admin_ids == frozenset({1})


def test_empty_environment_value_does_not_hide_env_file(tmp_path: Path) -> None:
    """An empty environment variable counts as unset."""
    env_file = tmp_path / ".env"
    env_file.write_text("LOG_LEVEL=ERROR\n")
    assert load({"LOG_LEVEL": ""}, env_file).log_level == "ERROR"


def test_bad_value_in_env_file_names_setting(tmp_path: Path) -> None:
    """Errors from the .env file name the variable too."""
    env_file = tmp_path / ".env"
    env_file.write_text("ADMIN_IDS=12a\n")
    with pytest.raises(ConfigError, match=r'^ADMIN_IDS: "12a" is not a Telegram user id'):
        load({}, env_file)


def test_missing_env_file_is_fine(tmp_path: Path) -> None:
    """A missing .env file is simply ignored."""
    assert load({}, tmp_path / "nope.env").log_level == "INFO"


def test_env_file_folder_is_an_error(tmp_path: Path) -> None:
    """A .env path that is a folder gives a one-line ConfigError."""
    with pytest.raises(ConfigError, match="cannot read"):
        load({}, tmp_path)


def test_environ_defaults_to_os_environ(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Without an explicit mapping, os.environ is read and not modified."""
    monkeypatch.setenv("LOG_LEVEL", "critical")
    env_file = tmp_path / ".env"
    env_file.write_text("SERIES_FILE=other.toml\n")
    before = dict(os.environ)
    settings = load_settings(env_file=env_file)
    assert settings.log_level == "CRITICAL"
    assert dict(os.environ) == before


def test_require_token() -> None:
    """require_token returns the token or explains how to get one."""
    assert require_token(load({"BOT_TOKEN": TOKEN})) == TOKEN
    with pytest.raises(ConfigError) as info:
        require_token(load({}))
    assert str(info.value) == "BOT_TOKEN: not set; get one from @BotFather (see README)"


def test_ensure_database_dir_creates_parent(tmp_path: Path) -> None:
    """The database folder is created, nested as needed."""
    settings = load({"DATABASE_PATH": str(tmp_path / "a" / "b" / "bot.sqlite3")})
    ensure_database_dir(settings)
    assert (tmp_path / "a" / "b").is_dir()
    ensure_database_dir(settings)


def test_ensure_database_dir_fails_cleanly(tmp_path: Path) -> None:
    """A parent that is a file gives a ConfigError naming DATABASE_PATH."""
    (tmp_path / "file").write_text("x")
    settings = load({"DATABASE_PATH": str(tmp_path / "file" / "bot.sqlite3")})
    with pytest.raises(ConfigError, match=r"^DATABASE_PATH: cannot create folder"):
        ensure_database_dir(settings)


def test_ensure_database_dir_rejects_folder(tmp_path: Path) -> None:
    """A database path that is an existing folder is refused."""
    with pytest.raises(ConfigError, match=r"^DATABASE_PATH: .* is a folder"):
        ensure_database_dir(load({"DATABASE_PATH": str(tmp_path)}))


def test_settings_doc_is_complete() -> None:
    """SETTINGS_DOC lists each variable once with a one-line description."""
    assert list(SETTINGS_DOC) == [
        "BOT_TOKEN",
        "TELEGRAM_API_BASE_URL",
        "ADMIN_IDS",
        "DATABASE_PATH",
        "SERIES_FILE",
        "LOG_LEVEL",
        "SEND_RATE",
        "WEBHOOK_URL",
        "WEBHOOK_SECRET",
        "WEBHOOK_LISTEN",
        "WEBHOOK_PORT",
        "HEALTH_PORT",
        "CALENDAR_URL",
        "RETENTION_DAYS",
        "CERTIFICATE_SECRET",
    ]
    for name, doc in SETTINGS_DOC.items():
        assert doc.strip() and "\n" not in doc, name


def test_env_example_lists_every_setting() -> None:
    """.env.example mentions every setting, and its values load as valid settings."""
    path = ROOT / ".env.example"
    values = dotenv_values(path)
    missing = [name for name in SETTINGS_DOC if name not in values]
    assert not missing, f".env.example lacks {missing}"
    defaults = load({})
    assert load({}, path) == defaults


def test_operators_guide_documents_every_setting() -> None:
    """docs/operators.md has a row for every setting in its settings table."""
    guide = ROOT / "docs" / "operators.md"
    assert guide.is_file(), "docs/operators.md is missing"
    text = guide.read_text(encoding="utf-8")
    missing = [name for name in SETTINGS_DOC if f"| `{name}` |" not in text]
    assert not missing, f"docs/operators.md lacks {missing}"


def test_send_rate() -> None:
    """SEND_RATE is a number of messages per second, 30 unless set."""
    assert load_settings(environ={}, env_file=None).send_rate == 30.0
    assert load_settings(environ={"SEND_RATE": "100"}, env_file=None).send_rate == 100.0
    for bad in ("0", "-5", "fast", "1e9", "nan"):
        with pytest.raises(ConfigError, match="^SEND_RATE: "):
            load_settings(environ={"SEND_RATE": bad}, env_file=None)

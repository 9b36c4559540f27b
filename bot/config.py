"""Settings read from environment variables and an optional .env file.

Every setting is declared exactly once, as a field of `Settings` built with `_setting(...)`:
the environment variable name, its one-line description, its default and its parser live
together there, and `SETTINGS_DOC`, `load_settings` and the docs are derived from them.
"""

from __future__ import annotations

import ipaddress
import os
import re
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import urlsplit

from dotenv import dotenv_values

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

LOG_LEVELS: Final = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
_TOKEN_RE: Final = re.compile(r"\d+:[A-Za-z0-9_-]{30,}", re.ASCII)
_USER_ID_RE: Final = re.compile(r"\d+", re.ASCII)
_SECRET_RE: Final = re.compile(r"[A-Za-z0-9_-]{1,256}", re.ASCII)
_MAX_USER_ID: Final = 2**63 - 1


class ConfigError(Exception):
    """A setting is missing or invalid; str() is one line naming the setting."""


def _show(value: str) -> str:
    """Quote a raw value for an error message, shortened and kept on one line."""
    shown = value if len(value) <= 60 else value[:57] + "..."
    return '"' + shown.encode("unicode_escape").decode("ascii").replace('"', '\\"') + '"'


def _parse_token(name: str, raw: str) -> str:
    """Validate a bot token without ever echoing it back (it is a secret)."""
    if not _TOKEN_RE.fullmatch(raw):
        raise ConfigError(
            f"{name}: does not look like a bot token (expected digits, a colon and at least "
            "30 letters, digits, _ or -, as given by @BotFather)"
        )
    return raw


def _parse_http_url(name: str, raw: str) -> str:
    """Accept an http(s) URL with a host and no whitespace."""
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.netloc or any(c.isspace() for c in raw):
        raise ConfigError(f"{name}: {_show(raw)} is not an http(s) URL")
    return raw


def _parse_admin_ids(name: str, raw: str) -> frozenset[int]:
    """Parse comma-separated positive Telegram user ids; an empty value means no admins."""
    ids: set[int] = set()
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        if not _USER_ID_RE.fullmatch(item) or not 0 < int(item) <= _MAX_USER_ID:
            raise ConfigError(
                f"{name}: {_show(item)} is not a Telegram user id "
                "(expected comma-separated numbers)"
            )
        ids.add(int(item))
    return frozenset(ids)


def _parse_path(name: str, raw: str) -> Path:
    """Turn a value into a Path, expanding a leading ~."""
    if "\x00" in raw:
        raise ConfigError(f"{name}: {_show(raw)} is not a valid path")
    return Path(raw).expanduser()


def _parse_log_level(name: str, raw: str) -> str:
    """Accept a standard logging level name in any case and return it upper-case."""
    level = raw.upper()
    if level not in LOG_LEVELS:
        raise ConfigError(f"{name}: {_show(raw)} is not one of {', '.join(LOG_LEVELS)}")
    return level


def _parse_send_rate(name: str, raw: str) -> float:
    """Accept a positive number of messages per second (at most 1000)."""
    try:
        rate = float(raw)
    except ValueError:
        rate = -1.0
    if not 1 <= rate <= 1000:
        raise ConfigError(
            f"{name}: {_show(raw)} is not a number of messages per second "
            "from 1 to 1000 (Telegram's bulk limit is 30)"
        )
    return rate


def _parse_webhook_url(name: str, raw: str) -> str:
    """Accept an https URL (http only for a loopback host, such as the sandbox)."""
    url = _parse_http_url(name, raw)
    parts = urlsplit(url)
    host = parts.hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    if parts.scheme != "https" and not loopback:
        raise ConfigError(f"{name}: {_show(raw)} must be an https URL (http only for loopback)")
    return url


def _parse_webhook_secret(name: str, raw: str) -> str:
    """Accept 1-256 characters of A-Z a-z 0-9 _ - (never echoed back: it is a secret)."""
    if not _SECRET_RE.fullmatch(raw):
        raise ConfigError(f"{name}: must be 1-256 characters of A-Z, a-z, 0-9, _ or -")
    return raw


def _parse_host(name: str, raw: str) -> str:
    """Accept a host name or IP address to listen on."""
    if not re.fullmatch(r"[A-Za-z0-9.:_-]{1,253}", raw):
        raise ConfigError(f"{name}: {_show(raw)} is not a host name or IP address")
    return raw


def _parse_port(name: str, raw: str) -> int:
    """Accept a TCP port number from 1 to 65535."""
    if not raw.isdigit() or not 1 <= int(raw) <= 65535:
        raise ConfigError(f"{name}: {_show(raw)} is not a port number from 1 to 65535")
    return int(raw)


def _parse_days(name: str, raw: str) -> int:
    """Accept a whole number of days from 1 to 36500."""
    if not raw.isdigit() or not 1 <= int(raw) <= 36500:
        raise ConfigError(f"{name}: {_show(raw)} is not a number of days from 1 to 36500")
    return int(raw)


def _parse_certificate_secret(name: str, raw: str) -> str:
    """Accept 32-256 characters without spaces (never echoed back: it is a secret)."""
    if not 32 <= len(raw) <= 256 or any(ch.isspace() or not ch.isprintable() for ch in raw):
        raise ConfigError(
            f"{name}: must be 32-256 characters without spaces, e.g. `openssl rand -hex 32`"
        )
    return raw


def _setting(
    env: str,
    doc: str,
    parse: Callable[[str, str], Any],
    default: str | None = None,
    *,
    secret: bool = False,
) -> Any:
    """Declare a settings field: variable name, description, parser and raw default."""
    metadata = {"env": env, "doc": doc, "parse": parse, "default": default}
    return field(repr=not secret, metadata=metadata)


@dataclass(frozen=True)
class Settings:
    """Validated runtime settings of the bot."""

    bot_token: str | None = _setting(
        "BOT_TOKEN",
        "Bot token from @BotFather (required to run the bot; keep it secret).",
        _parse_token,
        secret=True,
    )
    telegram_api_base_url: str = _setting(
        "TELEGRAM_API_BASE_URL",
        "Bot API base URL; the token is appended to it (change only for a local or test server).",
        _parse_http_url,
        "https://api.telegram.org/bot",
    )
    admin_ids: frozenset[int] = _setting(
        "ADMIN_IDS",
        "Comma-separated Telegram user ids allowed to use admin commands (may be empty).",
        _parse_admin_ids,
        "",
    )
    database_path: Path = _setting(
        "DATABASE_PATH",
        "SQLite database file; its folder is created when missing.",
        _parse_path,
        "data/webinar-bot.sqlite3",
    )
    series_file: Path = _setting(
        "SERIES_FILE",
        "TOML file describing the webinar series (see series.example.toml).",
        _parse_path,
        "series.toml",
    )
    log_level: str = _setting(
        "LOG_LEVEL",
        "Logging level: DEBUG, INFO, WARNING, ERROR or CRITICAL.",
        _parse_log_level,
        "INFO",
    )
    send_rate: float = _setting(
        "SEND_RATE",
        "Messages per second the bot sends at most (Telegram's published bulk limit is 30).",
        _parse_send_rate,
        "30",
    )
    webhook_url: str | None = _setting(
        "WEBHOOK_URL",
        "Public https URL Telegram posts updates to; when set, the bot runs in webhook mode.",
        _parse_webhook_url,
    )
    webhook_secret: str | None = _setting(
        "WEBHOOK_SECRET",
        "Secret Telegram sends in each webhook request (1-256 of A-Z a-z 0-9 _ -; required "
        "in webhook mode).",
        _parse_webhook_secret,
        secret=True,
    )
    webhook_listen: str = _setting(
        "WEBHOOK_LISTEN",
        "Address the webhook and health server listens on (behind a TLS reverse proxy).",
        _parse_host,
        "127.0.0.1",
    )
    webhook_port: int = _setting(
        "WEBHOOK_PORT",
        "Port the webhook server listens on (it also serves GET /healthz).",
        _parse_port,
        "8443",
    )
    health_port: int | None = _setting(
        "HEALTH_PORT",
        "In polling mode, serve GET /healthz on this port (on WEBHOOK_LISTEN); empty: off.",
        _parse_port,
    )
    calendar_url: str | None = _setting(
        "CALENDAR_URL",
        "Public https base URL of the participants' calendar feeds (served by the bot's web "
        "server under this path); empty: no calendar subscriptions.",
        _parse_webhook_url,
    )
    retention_days: int | None = _setting(
        "RETENTION_DAYS",
        "Erase participants' personal data this many days after the last webinar ends; "
        "empty: keep.",
        _parse_days,
    )
    certificate_secret: str | None = _setting(
        "CERTIFICATE_SECRET",
        "Key of the certificates' verification codes (32-256 characters, no spaces); required "
        "when the series gives certificates. Changing it voids every code already issued.",
        _parse_certificate_secret,
        secret=True,
    )


SETTINGS_DOC: Final[dict[str, str]] = {
    f.metadata["env"]: f.metadata["doc"] for f in fields(Settings)
}


def setting_defaults() -> dict[str, str | None]:
    """Return each setting's environment variable name with its raw default (None: unset)."""
    return {f.metadata["env"]: f.metadata["default"] for f in fields(Settings)}


def _read_env_file(env_file: Path | None) -> dict[str, str]:
    """Read KEY=VALUE pairs from a .env file; a missing file yields nothing."""
    if env_file is None or not env_file.exists():
        return {}
    if env_file.is_dir():
        raise ConfigError(f"{env_file}: cannot read the settings file (it is a folder)")
    try:
        values = dotenv_values(env_file)
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{env_file}: cannot read the settings file ({exc})") from None
    return {key: value for key, value in values.items() if value is not None}


def load_settings(
    environ: Mapping[str, str] | None = None, env_file: Path | None = Path(".env")
) -> Settings:
    """Build Settings from the environment (which wins) and the .env file, validating each.

    Values are stripped; an empty value counts as unset, so the default applies and an
    empty environment variable does not hide a value from the .env file.
    """
    env = os.environ if environ is None else environ
    file_values = _read_env_file(env_file)
    values: dict[str, Any] = {}
    for f in fields(Settings):
        name: str = f.metadata["env"]
        raw = (env.get(name) or "").strip() or (file_values.get(name) or "").strip()
        if not raw:
            raw = f.metadata["default"]
        values[f.name] = None if raw is None else f.metadata["parse"](name, raw)
    return Settings(**values)


def require_token(settings: Settings) -> str:
    """Return the bot token or raise ConfigError explaining how to get one."""
    if not settings.bot_token:
        raise ConfigError("BOT_TOKEN: not set; get one from @BotFather (see README)")
    return settings.bot_token


def require_certificate_secret(settings: Settings) -> str:
    """Return the certificates' key or raise ConfigError explaining how to make one."""
    if not settings.certificate_secret:
        raise ConfigError(
            "CERTIFICATE_SECRET: not set; the series gives certificates, so set it to 32 or more "
            "random characters, e.g. `openssl rand -hex 32`, and keep it"
        )
    return settings.certificate_secret


def ensure_database_dir(settings: Settings) -> None:
    """Create the folder that will hold the database file, raising ConfigError if impossible."""
    path = settings.database_path
    if path.is_dir():
        raise ConfigError(f"DATABASE_PATH: {path} is a folder; give a file path")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise ConfigError(f"DATABASE_PATH: cannot create folder {path.parent} ({reason})") from None

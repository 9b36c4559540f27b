"""Operations commands: `webinar-bot check`, `backup FILE`, `restore FILE` and `healthcheck`.

Each prints what it found or did and exits non-zero on any problem, with one line per problem
and never a traceback.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import ConfigError, Settings, load_settings
from bot.domain.series import SeriesError, load_series
from bot.runtime.backup import (
    DatabaseLock,
    OpsError,
    backup_database,
    held_by_another,
    inspect_database,
    restore_database,
    stderr_progress,
)

if TYPE_CHECKING:
    import argparse
    from collections.abc import Callable

EXIT_OK = 0
EXIT_PROBLEM = 1


def _say(status: str, text: str) -> None:
    """One result line on stdout: 'ok', 'note' or 'FAIL', then what."""
    print(f"{status:<5}{text}", flush=True)


def _fail(text: str) -> int:
    """One error line on stderr; the problem exit code."""
    print(f"webinar-bot: {text}", file=sys.stderr, flush=True)
    return EXIT_PROBLEM


def _settings(args: argparse.Namespace) -> Settings:
    """Settings from the environment and the --env-file."""
    return load_settings(env_file=Path(args.env_file))


def check(args: argparse.Namespace) -> int:
    """Validate the settings, the series file and the database; exit 1 on any problem."""
    try:
        return _check(args)
    except Exception as exc:
        _say("FAIL", f"unexpected error: {type(exc).__name__}: {exc}".splitlines()[0])
        return EXIT_PROBLEM


def _check(args: argparse.Namespace) -> int:
    """The checks of `webinar-bot check`, in order."""
    # Imported here for start-up cost: the webhook server brings aiohttp and telegram.
    from bot.runtime.webhook_server import check_webhook_settings, webhook_mode

    problems = 0
    try:
        settings = _settings(args)
    except ConfigError as exc:
        _say("FAIL", f"settings: {exc}")
        return EXIT_PROBLEM
    mode = "webhook" if webhook_mode(settings, args.webhook) else "long polling"
    _say("ok", f"settings ({mode})")
    if mode == "webhook":
        try:
            check_webhook_settings(settings)
            _say(
                "ok",
                f"webhook: {settings.webhook_url} (listening on "
                f"{settings.webhook_listen}:{settings.webhook_port})",
            )
        except ConfigError as exc:
            _say("FAIL", f"settings: {exc}")
            problems += 1
    if not settings.bot_token:
        _say(
            "note",
            "BOT_TOKEN is not set: `run` uses the local sandbox, "
            "`run --require-token` refuses to start",
        )
    try:
        series = load_series(settings.series_file)
        _say("ok", f"series file {settings.series_file}: {len(series.webinars)} webinars")
        if series.certificates.enabled and not settings.certificate_secret:
            _say("FAIL", "settings: CERTIFICATE_SECRET: not set; the series gives certificates")
            problems += 1
    except SeriesError as exc:
        _say("FAIL", f"series file: {exc}")
        problems += 1
    path = settings.database_path
    if not path.exists():
        _say("ok", f"database {path}: does not exist yet (created at start-up)")
    elif not path.is_file():
        _say("FAIL", f"database {path}: not a file")
        problems += 1
    else:
        info = inspect_database(path)
        for problem in info.problems:
            _say("FAIL", f"database {problem}")
        problems += len(info.problems)
        if not info.problems:
            pending = info.latest - info.schema_version
            later = f"; {pending} migrations will be applied at start-up" if pending else ""
            _say(
                "ok",
                f"database {path}: schema version {info.schema_version} of "
                f"{info.latest}{later}, {info.participants or 0} participants, "
                "integrity and foreign keys ok",
            )
        held = held_by_another(path)
        running = "unknown" if held is None else ("yes" if held else "no")
        _say("note", f"a bot is running on this database: {running}")
    if problems:
        print(f"webinar-bot: check found {problems} problem(s)", file=sys.stderr)
        return EXIT_PROBLEM
    return EXIT_OK


def backup(args: argparse.Namespace) -> int:
    """Copy the live database to FILE with SQLite's online backup API, then check the copy."""
    try:
        settings = _settings(args)
        target = Path(args.file)
        info = backup_database(
            settings.database_path,
            target,
            pages=args.pages,
            progress=stderr_progress("backup"),
            overwrite=args.force,
        )
    except (ConfigError, OpsError) as exc:
        return _fail(str(exc))
    _say(
        "ok",
        f"backup of {settings.database_path} written to {target}: schema version "
        f"{info.schema_version}, {info.participants or 0} participants, integrity ok",
    )
    return EXIT_OK


def _confirmed(question: str, ask: Callable[[str], str] = input) -> bool:
    """Ask a yes/no question on the terminal."""
    try:
        return ask(f"{question} [y/N] ").strip().lower() in ("y", "yes")
    except EOFError:
        return False


def restore(
    args: argparse.Namespace,
    ask: Callable[[str], str] = input,
    interactive: Callable[[], bool] | None = None,
) -> int:
    """Replace the database with FILE after checks and a confirmation; keep the old one."""
    try:
        settings = _settings(args)
    except ConfigError as exc:
        return _fail(str(exc))
    source, database = Path(args.file), settings.database_path
    if not source.is_file():
        return _fail(f"{source}: no such file")
    info = inspect_database(source)
    if info.problems:
        return _fail(f"not restored: {info.problems[0]}")
    _say(
        "ok",
        f"{source}: schema version {info.schema_version}, "
        f"{info.participants or 0} participants, integrity ok",
    )
    if not args.yes:
        is_tty = interactive or sys.stdin.isatty
        if not is_tty():
            return _fail("not restored: confirm with --yes (stdin is not a terminal)")
        if not _confirmed(f"Replace {database} with {source}?", ask):
            return _fail("not restored")
    try:
        with DatabaseLock(database):
            kept = restore_database(database, source, progress=stderr_progress("restore"))
    except OpsError as exc:
        return _fail(f"not restored: {exc}")
    except OSError as exc:
        return _fail(f"not restored: {exc.strerror or exc}")
    _say("ok", f"restored {database} from {source}")
    if kept is not None:
        _say("note", f"the previous database is kept as {kept}")
    return EXIT_OK


def healthcheck(args: argparse.Namespace) -> int:
    """GET /healthz of the running bot (for Docker HEALTHCHECK); 0 only when it answers healthy."""
    # Imported here for start-up cost: the webhook server brings aiohttp and telegram; urllib's
    # HTTP client is needed by this command only.
    import urllib.error
    import urllib.request

    from bot.runtime.webhook_server import webhook_mode

    try:
        settings = _settings(args)
    except ConfigError as exc:
        return _fail(str(exc))
    port = settings.webhook_port if webhook_mode(settings) else settings.health_port
    if port is None:
        return _fail("no health server to ask (long polling without HEALTH_PORT): set HEALTH_PORT")
    host = settings.webhook_listen
    host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104 - asks loopback
    url = f"http://{'[' + host + ']' if ':' in host else host}:{port}/healthz"
    try:
        with urllib.request.urlopen(url, timeout=args.timeout) as response:
            body: Any = json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return _fail(f"unhealthy ({exc.code}): {exc.read().decode(errors='replace')[:300]}")
    except (OSError, ValueError) as exc:
        return _fail(f"no answer from {url}: {exc}")
    _say("ok", f"healthy: {json.dumps(body, sort_keys=True)}")
    return EXIT_OK


def add_ops_commands(sub: Any) -> None:
    """Register check, backup, restore and healthcheck on the main parser's subparsers."""

    def common(parser: argparse.ArgumentParser) -> None:
        parser.add_argument("--env-file", default=".env", help="settings file (default .env)")

    p = sub.add_parser("check", help="check the settings, the series file and the database")
    common(p)
    p.add_argument("--webhook", action="store_true", help="check webhook mode's settings too")
    p.set_defaults(func=check)
    p = sub.add_parser("backup", help="copy the database (also while the bot runs)")
    common(p)
    p.add_argument("file", help="where to write the copy")
    p.add_argument("--force", action="store_true", help="replace FILE if it exists")
    p.add_argument("--pages", type=int, default=1024, help="pages copied per step")
    p.set_defaults(func=backup)
    p = sub.add_parser("restore", help="replace the database with a backup (bot stopped)")
    common(p)
    p.add_argument("file", help="the backup to restore")
    p.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    p.set_defaults(func=restore)
    p = sub.add_parser("healthcheck", help="ask the running bot's /healthz (exit 0 if healthy)")
    common(p)
    p.add_argument("--timeout", type=float, default=5.0)
    p.set_defaults(func=healthcheck)

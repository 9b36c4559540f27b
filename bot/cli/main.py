"""The `webinar-bot` command: run the bot, or run the local sandbox Bot API."""

from __future__ import annotations

import argparse
import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.cli.attendance_command import add_attendance_parser
from bot.cli.certificates_command import add_certificate_parsers
from bot.cli.export_command import add_export_parser
from bot.cli.ops_commands import add_ops_commands
from bot.cli.report_command import add_report_parser
from bot.config import (
    ConfigError,
    Settings,
    ensure_database_dir,
    load_settings,
    require_certificate_secret,
    require_token,
)
from bot.domain.series import Series, SeriesError, load_series
from bot.runtime.backup import OpsError
from demo.cli import add_demo_parser

if TYPE_CHECKING:
    from collections.abc import Sequence

log = logging.getLogger("bot")


def run(args: argparse.Namespace) -> int:
    """Start the bot with long polling until interrupted (on the sandbox without a token)."""
    # Imported here for start-up cost: the whole app (telegram, aiohttp) only when it runs.
    from bot.app import build_application
    from bot.runtime.logs import configure_logging
    from bot.runtime.serve import run_bot
    from bot.runtime.webhook_server import check_webhook_settings, webhook_mode

    try:
        settings = load_settings(env_file=Path(args.env_file))
        series = load_series(settings.series_file)
        if series.certificates.enabled:
            require_certificate_secret(settings)
        webhook = webhook_mode(settings, args.webhook)
        if webhook:
            check_webhook_settings(settings)
        if settings.bot_token is None and not args.require_token and not webhook:
            return run_local(settings, series, args)
        token = require_token(settings)
        ensure_database_dir(settings)
    except (ConfigError, SeriesError) as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level, secrets=(token, settings.webhook_secret))
    application = build_application(settings, series, token)
    try:
        return run_bot(application, settings, webhook)
    except OpsError as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return 2


def run_local(settings: Settings, series: Series, args: argparse.Namespace) -> int:
    """Without BOT_TOKEN: explain, then run the bot against the local sandbox Bot API."""
    # Imported here for start-up cost: the whole app and the sandbox only when they run.
    import asyncio

    from bot.runtime.logs import configure_logging
    from bot.runtime.sandbox_mode import run_on_sandbox, sandbox_settings

    print(
        "webinar-bot: BOT_TOKEN is not set, so the bot runs against the local sandbox Bot API\n"
        "  (no Telegram account needed; nothing leaves this machine). To run it on Telegram,\n"
        "  get a token from @BotFather and put BOT_TOKEN=... in .env (see README).\n"
        "  To chat with the bot in your browser instead, run `make demo`\n"
        "  (or `webinar-bot demo`) and open http://127.0.0.1:8080.",
        file=sys.stderr,
    )
    try:
        ensure_database_dir(sandbox_settings(settings))
    except ConfigError as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    try:
        asyncio.run(run_on_sandbox(settings, series, args.sandbox_host, args.sandbox_port))
    except OpsError as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"webinar-bot: cannot start the sandbox on port {args.sandbox_port}: {exc.strerror}",
            file=sys.stderr,
        )
        return 2
    return 0


def sandbox(args: argparse.Namespace) -> int:
    """Run the local stand-in for Telegram's Bot API server."""
    from sandbox.__main__ import main as sandbox_main  # start-up cost: aiohttp only when it runs

    sandbox_main(["--host", args.host, "--port", str(args.port)])
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    parser = argparse.ArgumentParser(prog="webinar-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="run the bot (long polling)")
    run_parser.add_argument("--env-file", default=".env", help="settings file (default .env)")
    run_parser.add_argument(
        "--require-token",
        action="store_true",
        help="fail instead of using the local sandbox when BOT_TOKEN is unset",
    )
    run_parser.add_argument(
        "--sandbox-host",
        default="127.0.0.1",
        help="without a token: the sandbox's loopback address",
    )
    run_parser.add_argument(
        "--sandbox-port",
        type=int,
        default=8081,
        help="without a token: the sandbox's port (default 8081)",
    )
    run_parser.add_argument(
        "--webhook",
        action="store_true",
        help="receive updates by webhook (WEBHOOK_URL; also when it is set)",
    )
    run_parser.set_defaults(func=run)
    sandbox_parser = sub.add_parser("sandbox", help="run the local sandbox Bot API server")
    sandbox_parser.add_argument("--host", default="127.0.0.1")
    sandbox_parser.add_argument("--port", type=int, default=8081)
    sandbox_parser.set_defaults(func=sandbox)
    add_ops_commands(sub)
    add_export_parser(sub)
    add_report_parser(sub)
    add_demo_parser(sub)
    add_attendance_parser(sub)
    add_certificate_parsers(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and run the chosen command."""
    args = build_parser().parse_args(argv)
    os.umask(0o077)  # the database, its WAL, backups and exports: readable by the owner only
    return int(args.func(args))

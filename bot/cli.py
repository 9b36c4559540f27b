"""The `webinar-bot` command: run the bot, or run the local sandbox Bot API."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, Settings, ensure_database_dir, load_settings, require_token
from bot.series import Series, SeriesError, load_series

log = logging.getLogger("bot")


def configure_logging(level: str) -> None:
    """Log to stderr; keep the HTTP client quiet because its request lines contain the token."""
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def run(args: argparse.Namespace) -> int:
    """Start the bot with long polling until interrupted (on the sandbox without a token)."""
    from telegram import Update

    from bot.app import build_application

    try:
        settings = load_settings(env_file=Path(args.env_file))
        series = load_series(settings.series_file)
        if settings.bot_token is None and not args.require_token:
            return run_local(settings, series, args)
        token = require_token(settings)
    except (ConfigError, SeriesError) as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    application = build_application(settings, series, token)
    log.info("starting with long polling against %s", settings.telegram_api_base_url)
    # 20 ms between polls lets updates that arrive together come in one getUpdates.
    application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False,
                            poll_interval=0.02)
    return 0


def run_local(settings: Settings, series: Series, args: argparse.Namespace) -> int:
    """Without BOT_TOKEN: explain, then run the bot against the local sandbox Bot API."""
    import asyncio

    from bot.local import run_on_sandbox, sandbox_settings

    print(
        "webinar-bot: BOT_TOKEN is not set, so the bot runs against the local sandbox Bot API\n"
        "  (no Telegram account needed; nothing leaves this machine). To run it on Telegram,\n"
        "  get a token from @BotFather and put BOT_TOKEN=... in .env (see README).",
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
    except OSError as exc:
        print(f"webinar-bot: cannot start the sandbox on port {args.sandbox_port}: "
              f"{exc.strerror}", file=sys.stderr)
        return 2
    return 0


def sandbox(args: argparse.Namespace) -> int:
    """Run the local stand-in for Telegram's Bot API server."""
    from sandbox.__main__ import main as sandbox_main

    sandbox_main(["--host", args.host, "--port", str(args.port)])
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    parser = argparse.ArgumentParser(prog="webinar-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="run the bot (long polling)")
    run_parser.add_argument("--env-file", default=".env", help="settings file (default .env)")
    run_parser.add_argument("--require-token", action="store_true",
                            help="fail instead of using the local sandbox when BOT_TOKEN is unset")
    run_parser.add_argument("--sandbox-host", default="127.0.0.1",
                            help="without a token: the sandbox's loopback address")
    run_parser.add_argument("--sandbox-port", type=int, default=8081,
                            help="without a token: the sandbox's port (default 8081)")
    run_parser.set_defaults(func=run)
    sandbox_parser = sub.add_parser("sandbox", help="run the local sandbox Bot API server")
    sandbox_parser.add_argument("--host", default="127.0.0.1")
    sandbox_parser.add_argument("--port", type=int, default=8081)
    sandbox_parser.set_defaults(func=sandbox)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Parse the arguments and run the chosen command."""
    args = build_parser().parse_args(argv)
    return int(args.func(args))

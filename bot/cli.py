"""The `webinar-bot` command: run the bot, or run the local sandbox Bot API."""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Sequence
from pathlib import Path

from bot.config import ConfigError, load_settings, require_token
from bot.series import SeriesError, load_series

log = logging.getLogger("bot")


def configure_logging(level: str) -> None:
    """Log to stderr; keep the HTTP client quiet because its request lines contain the token."""
    logging.basicConfig(
        level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s", stream=sys.stderr
    )
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("httpcore").setLevel(logging.WARNING)


def run(args: argparse.Namespace) -> int:
    """Start the bot with long polling until interrupted."""
    from telegram import Update

    from bot.app import build_application

    try:
        settings = load_settings(env_file=Path(args.env_file))
        series = load_series(settings.series_file)
        token = require_token(settings)
    except (ConfigError, SeriesError) as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return 2
    configure_logging(settings.log_level)
    application = build_application(settings, series, token)
    log.info("starting with long polling against %s", _without_token(
        settings.telegram_api_base_url))
    application.run_polling(allowed_updates=Update.ALL_TYPES, drop_pending_updates=False)
    return 0


def sandbox(args: argparse.Namespace) -> int:
    """Run the local stand-in for Telegram's Bot API server."""
    from sandbox.__main__ import main as sandbox_main

    argv = ["--host", args.host, "--port", str(args.port)]
    return sandbox_main(argv) or 0


def _without_token(url: str) -> str:
    """The base URL as it can be logged (it never contains the token itself)."""
    return url


def build_parser() -> argparse.ArgumentParser:
    """The command-line parser."""
    parser = argparse.ArgumentParser(prog="webinar-bot", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    run_parser = sub.add_parser("run", help="run the bot (long polling)")
    run_parser.add_argument("--env-file", default=".env", help="settings file (default .env)")
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

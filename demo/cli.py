"""`webinar-bot demo`: the whole bot on this machine with a chat page in the browser."""

from __future__ import annotations

import argparse
import dataclasses
import os
import sys
from pathlib import Path
from typing import Any

from bot.domain.durations import parse_duration
from demo.series import DemoTiming

DEFAULT_PORT = 8080


def _port(text: str) -> int:
    """A TCP port number (0 picks a free one)."""
    if not text.isdigit() or not 0 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number from 0 to 65535")
    return int(text)


def _default_port() -> int:
    """DEMO_PORT when it is set to a valid port, else 8080."""
    raw = os.environ.get("DEMO_PORT", "").strip()
    try:
        return _port(raw) if raw else DEFAULT_PORT
    except argparse.ArgumentTypeError:
        return DEFAULT_PORT


def add_demo_parser(sub: Any) -> None:
    """Register the `demo` subcommand on the CLI's subparsers."""
    parser = sub.add_parser(
        "demo",
        help="run the demo: the bot on a local sandbox, chat in the browser",
        description="Start the sandbox Bot API, the real bot against it and a chat page in "
        "the browser. Uses its own database (recreated at each launch) and a "
        "demo series whose first webinar starts a few minutes after launch.",
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=None,
        help=f"port of the page (default DEMO_PORT or {DEFAULT_PORT})",
    )
    parser.add_argument("--host", default="127.0.0.1", help="loopback address (default 127.0.0.1)")
    parser.add_argument(
        "--sandbox-port",
        type=_port,
        default=0,
        help="port of the sandbox Bot API (default: any free port)",
    )
    parser.add_argument(
        "--data-dir",
        type=Path,
        default=Path("data"),
        help="folder of demo.sqlite3 and demo-series.toml (default data)",
    )
    parser.add_argument(
        "--starts-in",
        default="4m",
        metavar="DURATION",
        help='when the demo webinar starts after launch (default "4m")',
    )
    parser.set_defaults(func=demo)


def demo(args: argparse.Namespace) -> int:
    """Run the demo until Ctrl-C."""
    # Imported here for start-up cost: the whole app, the sandbox and the page only for a demo.
    import asyncio

    from bot.runtime.logs import configure_logging
    from demo.run import DemoConfig, serve_demo
    from sandbox.addresses import is_loopback

    try:
        starts_in = parse_duration(args.starts_in)
    except ValueError as exc:
        print(f"webinar-bot demo: --starts-in: {exc}", file=sys.stderr)
        return 2
    if not is_loopback(args.host):
        print("webinar-bot demo: --host must be a loopback address", file=sys.stderr)
        return 2
    port = _default_port() if args.port is None else args.port
    configure_logging("INFO")
    timing = dataclasses.replace(DemoTiming(), starts_in=starts_in)
    config = DemoConfig(
        host=args.host,
        port=port,
        sandbox_port=args.sandbox_port,
        data_dir=args.data_dir,
        timing=timing,
    )
    try:
        asyncio.run(serve_demo(config))
    except OSError as exc:
        print(
            f"webinar-bot demo: cannot listen on {args.host}:{port} "
            f"({exc.strerror or exc}); try --port or DEMO_PORT",
            file=sys.stderr,
        )
        return 2
    except KeyboardInterrupt:
        return 0
    return 0

"""CLI: python -m sandbox --host 127.0.0.1 --port 8081 --send-rate 30 --latency 0."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import signal

from sandbox.addresses import is_loopback
from sandbox.limits import SandboxConfig
from sandbox.server import SandboxServer


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    """Command-line options."""
    parser = argparse.ArgumentParser(prog="python -m sandbox", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1", help="loopback address to listen on")
    parser.add_argument("--port", type=int, default=8081, help="port (0 = any free port)")
    parser.add_argument("--send-rate", default="30", help="global sends per second, or 'none'")
    parser.add_argument("--per-chat-rate", default="none", help="sends per second per chat")
    parser.add_argument("--latency", type=float, default=0.0, help="seconds added per request")
    parser.add_argument("--callback-query-ttl", type=float, default=15.0)
    parser.add_argument("--bot-username", default="webinar_sandbox_bot")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)
    if not is_loopback(args.host):
        parser.error(f"refusing non-loopback host {args.host!r}")
    return args


def _rate(value: str) -> float | None:
    """'none' -> None, else a float."""
    return None if value.strip().lower() in ("none", "off", "") else float(value)


async def serve(args: argparse.Namespace) -> None:
    """Run until cancelled."""
    config = SandboxConfig(
        send_rate=_rate(args.send_rate),
        per_chat_rate=_rate(args.per_chat_rate),
        latency=args.latency,
        callback_query_ttl=args.callback_query_ttl,
        bot_username=args.bot_username,
        seed=args.seed,
    )
    server = SandboxServer(config)
    await server.start(args.host, args.port)
    print(f"sandbox Bot API base url: {server.api_base_url}", flush=True)
    print(f"sandbox control url: {server.url}/control", flush=True)
    stop = asyncio.Event()
    with contextlib.suppress(NotImplementedError):
        asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    try:
        await stop.wait()
    finally:
        await server.stop()


def main(argv: list[str] | None = None) -> None:
    """Entry point."""
    args = parse_args(argv)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(serve(args))


if __name__ == "__main__":
    main()

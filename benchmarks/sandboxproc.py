"""Sandbox subprocess for the outbox benchmarks: a rate-limited, slow Bot API in its own process.

``python -m benchmarks.sandboxproc --send-rate 100 --latency 0.05`` runs the sandbox Bot API
server so that the bot process under test is measured alone. Like ``benchmarks.loadgen`` it
speaks JSON lines: it prints ``{"api_base_url": ..., "url": ...}`` once started, then answers
each command read from stdin:

- ``{"cmd": "add_users", "first_id": F, "count": N}``: create N users (no HTTP round trips);
- ``{"cmd": "reset"}``: forget users, messages, stats and the arrival times below;
- ``{"cmd": "snapshot"}``: cheap counters (requests per method, messages sent, 429s, and the
  wall-clock arrival time of the first request of each method);
- ``{"cmd": "fan_out", "first_id": F, "count": N}``: the fan-out analysis (send times on the
  wall clock, messages per chat, the busiest one-second window);
- ``{"cmd": "quit"}``.

Clocks: the sandbox stamps accepted sends with ``time.monotonic()``, whose reference point is
only meaningful inside one process. Each stamp is turned into wall-clock time here, in the
same process, with an offset ``time.time() - time.monotonic()`` read at one instant (and read
again at the end, to report any drift), so the parent can compare it with the due time of
the reminder, which is wall-clock time (the bot's SystemClock). Arrival times of requests are
read with ``time.time()`` directly, when the request reaches the handler, before the
simulated latency.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import json
import logging
import sys
import time
from collections import Counter
from typing import TYPE_CHECKING, Any

from sandbox import SandboxConfig, SandboxServer
from sandbox.state import User

if TYPE_CHECKING:
    from aiohttp import web


class RecordingServer(SandboxServer):
    """The sandbox server, also noting when the first request of each method arrived."""

    def __init__(self, config: SandboxConfig) -> None:
        super().__init__(config)
        self.first_arrival: dict[str, float] = {}

    async def _bot_api(self, request: web.Request) -> web.StreamResponse:
        """Record the wall-clock arrival of the first request per method, then serve it."""
        method = request.match_info.get("method", "")
        if method not in self.first_arrival:
            self.first_arrival[method] = time.time()
        return await super()._bot_api(request)


def clock_offset() -> float:
    """time.time() - time.monotonic(), read as close together as possible."""
    best: tuple[float, float] | None = None
    for _ in range(5):
        before = time.monotonic()
        wall = time.time()
        after = time.monotonic()
        if best is None or after - before < best[0]:
            best = (after - before, wall - (before + after) / 2)
    assert best is not None
    return best[1]


def busiest_window(times: list[float], period: float = 1.0) -> int:
    """The largest number of stamps within any `period` seconds (times sorted)."""
    most, start = 0, 0
    for end, moment in enumerate(times):
        while moment - times[start] >= period:
            start += 1
        most = max(most, end - start + 1)
    return most


class Controller:
    """Answers the commands of the parent process."""

    def __init__(self, server: RecordingServer) -> None:
        self.server = server
        self.offset = clock_offset()

    def add_users(self, first_id: int, count: int) -> dict[str, Any]:
        """Create users first_id .. first_id + count - 1."""
        state = self.server.core.state
        for user_id in range(first_id, first_id + count):
            state.add_user(User(id=user_id, first_name="Bench", language_code="en"))
        return {"users": len(state.users)}

    def reset(self) -> dict[str, Any]:
        """Forget everything (the config stays as started)."""
        self.server.core.reset()
        self.server.first_arrival.clear()
        self.offset = clock_offset()
        return {}

    def snapshot(self) -> dict[str, Any]:
        """Counters cheap enough to poll."""
        stats = self.server.core.stats
        return {
            "requests": dict(stats.requests),
            "messages_sent": stats.messages_sent,
            "rate_limited": stats.rate_limited,
            "errors": {str(k): v for k, v in stats.errors.items()},
            "first_arrival": dict(self.server.first_arrival),
            "now": time.time(),
            "cpu": time.process_time(),
        }

    def fan_out(self, first_id: int, count: int) -> dict[str, Any]:
        """Send times (wall clock), messages per chat and the busiest second."""
        core = self.server.core
        stamps = sorted(core.stats.send_timestamps)
        end_offset = clock_offset()
        per_chat: Counter[int] = Counter()
        for user_id in range(first_id, first_id + count):
            messages = core.state.messages.get(user_id, {})
            per_chat[sum(1 for m in messages.values() if m.from_bot)] += 1
        return {
            **self.snapshot(),
            "send_wall_first": stamps[0] + self.offset if stamps else None,
            "send_wall_last": stamps[-1] + self.offset if stamps else None,
            "sends_recorded": len(stamps),
            "busiest_second": busiest_window(stamps),
            "clock_drift_s": end_offset - self.offset,
            "chats_by_messages": {str(k): v for k, v in sorted(per_chat.items())},
            "users": len(core.state.users),
        }


def _reply(data: dict[str, Any]) -> None:
    """Write one JSON line to stdout."""
    sys.stdout.write(json.dumps(data) + "\n")
    sys.stdout.flush()


async def serve(send_rate: float | None, latency: float) -> None:
    """Start the sandbox, announce its URLs and answer commands until "quit" or EOF."""
    server = RecordingServer(SandboxConfig(send_rate=send_rate, latency=latency))
    await server.start("127.0.0.1", 0)
    controller = Controller(server)
    _reply({"api_base_url": server.api_base_url, "url": server.url})
    try:
        for _ in itertools.count():
            line = await asyncio.to_thread(sys.stdin.readline)
            if not line or not line.strip():
                break
            command = json.loads(line)
            name = command.pop("cmd")
            if name == "quit":
                break
            try:
                result = getattr(controller, name)(**command)
            except Exception as exc:  # reported to the parent, which stops the benchmark
                _reply({"ok": False, "error": f"{type(exc).__name__}: {exc}"})
            else:
                _reply({"ok": True, **result})
    finally:
        await server.stop()


def main() -> None:
    """Entry point of the subprocess."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.sandboxproc")
    parser.add_argument("--send-rate", type=float, default=100.0)
    parser.add_argument("--latency", type=float, default=0.05)
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, stream=sys.stderr)
    asyncio.run(serve(args.send_rate, args.latency))


if __name__ == "__main__":
    main()

"""Fairness under a flood: `python -m benchmarks.fairness [--users 50] [--flood 1500] [--rate 200]`.

Fifty participants register (every step timed from the tap or message to the bot's answer)
twice, side by side in one run: once alone, once while another user sends 1,500 messages
at 200 a second. The bot is the real application at the default SEND_RATE, against the
sandbox in this process. Target: the registering participants' p95 reply time with the
flood stays within 2x of the run without it. Results go to benchmarks/results/fairness.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from benchmarks.harness import TOKEN
from benchmarks.loadgen import Driver
from benchmarks.registration import START, bot_settings, example_series
from bot.app import build_application, start_polling, stop_polling
from bot.clock import ManualClock
from bot.runtime.update_processor import PerUserUpdateProcessor
from sandbox import SandboxConfig, SandboxServer

RESULTS = Path(__file__).resolve().parent / "results" / "fairness.json"
FLOODER = 9_000_000
TARGET_RATIO = 2.0


class TimedDriver(Driver):
    """The load generator's simulated users, timing each step to the bot's answer."""

    def __init__(self, server: SandboxServer) -> None:
        """Drive users through this sandbox."""
        super().__init__(server)
        self.latencies: list[float] = []
        self._sent: dict[int, float] = {}

    def say(self, user_id: int, text: str) -> None:
        """Send a text and note when (the flooder's are not timed)."""
        if user_id != FLOODER:
            self._sent[user_id] = time.perf_counter()
        super().say(user_id, text)

    def press(self, user_id: int, message: dict[str, Any], label: str) -> None:
        """Press a button and note when."""
        self._sent[user_id] = time.perf_counter()
        super().press(user_id, message, label)

    async def expect(self, user_id: int, fragment: str) -> dict[str, Any]:
        """Wait for the answer and keep how long it took."""
        message = await super().expect(user_id, fragment)
        sent = self._sent.pop(user_id, None)
        if sent is not None:
            self.latencies.append(time.perf_counter() - sent)
        return message


async def flood(driver: TimedDriver, count: int, rate: float) -> float:
    """One user sends `count` messages at `rate` a second; returns the seconds it took."""
    driver.join(FLOODER)
    started = time.perf_counter()
    for index in range(count):
        driver.say(FLOODER, f"flood {index}")
        delay = started + (index + 1) / rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
    return time.perf_counter() - started


def p(values: list[float], cut: int) -> float:
    """The cut-th percentile in milliseconds."""
    if len(values) < 2:
        return 1000 * (values[0] if values else 0.0)
    return 1000 * statistics.quantiles(values, n=100, method="inclusive")[cut - 1]


async def one_run(
    label: str, folder: Path, users: int, flood_count: int, rate: float
) -> dict[str, Any]:
    """Register `users` participants at once, with or without the flood; the figures."""
    server = SandboxServer(SandboxConfig(send_rate=None, latency=0.0))
    await server.start("127.0.0.1", 0)
    driver = TimedDriver(server)
    processor = PerUserUpdateProcessor(256)
    application = build_application(
        bot_settings(folder / f"{label}.sqlite3", server.api_base_url),
        example_series(),
        TOKEN,
        clock=ManualClock(START),
        update_processor=processor,
    )
    await start_polling(application, poll_timeout=1)
    try:
        flooding = asyncio.create_task(flood(driver, flood_count, rate)) if flood_count else None
        started = time.perf_counter()
        await driver.run("register", 1_000_000, users, users)
        wall = time.perf_counter() - started
        flood_seconds = await flooding if flooding is not None else 0.0
    finally:
        await stop_polling(application)
        await server.stop()
    latencies = driver.latencies
    return {
        "label": label,
        "participants": users,
        "steps": len(latencies),
        "wall_s": round(wall, 3),
        "p50_ms": round(p(latencies, 50), 1),
        "p95_ms": round(p(latencies, 95), 1),
        "max_ms": round(1000 * max(latencies), 1),
        "flood_messages": flood_count,
        "flood_seconds": round(flood_seconds, 2),
        "flood_dropped": processor.dropped,
    }


async def main_async(args: argparse.Namespace) -> dict[str, Any]:
    """Both runs, alone then flooded, and their ratio."""
    with tempfile.TemporaryDirectory(prefix="fairness-") as tmp:
        alone = await one_run("alone", Path(tmp), args.users, 0, args.rate)
        flooded = await one_run("flooded", Path(tmp), args.users, args.flood, args.rate)
    ratio = flooded["p95_ms"] / alone["p95_ms"] if alone["p95_ms"] else float("inf")
    return {
        "alone": alone,
        "flooded": flooded,
        "p95_ratio": round(ratio, 2),
        "target_ratio": TARGET_RATIO,
        "met": ratio <= TARGET_RATIO,
    }


def main(argv: list[str] | None = None) -> int:
    """Run, print a summary and write the JSON; exit 1 when the target is missed."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks.fairness", description=__doc__)
    parser.add_argument("--users", type=int, default=50, help="participants registering")
    parser.add_argument("--flood", type=int, default=1500, help="messages the flooder sends")
    parser.add_argument("--rate", type=float, default=200.0, help="flood messages per second")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    result = asyncio.run(main_async(args))
    for run in (result["alone"], result["flooded"]):
        print(
            f"{run['label']:8} {run['participants']} registrations, {run['steps']} steps: "
            f"p50 {run['p50_ms']} ms, p95 {run['p95_ms']} ms, max {run['max_ms']} ms, "
            f"wall {run['wall_s']} s; flood {run['flood_messages']} in "
            f"{run['flood_seconds']} s, {run['flood_dropped']} dropped"
        )
    print(f"p95 flooded / alone: {result['p95_ratio']} (target <= {TARGET_RATIO})")
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    return 0 if result["met"] else 1


if __name__ == "__main__":
    sys.exit(main())

"""Shared plumbing: the load-generator subprocess and one measured run of a bot against it."""

from __future__ import annotations

import asyncio
import json
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

ROOT = Path(__file__).resolve().parent.parent
TOKEN = "123456789:AAHsandboxTokenForBenchmarksOnly_012345"


class LoadGenError(RuntimeError):
    """The load generator failed or answered with an error."""


class LoadGen:
    """The `python -m benchmarks.loadgen` subprocess: sandbox server plus simulated users."""

    def __init__(self) -> None:
        self.process: asyncio.subprocess.Process | None = None
        self.api_base_url = ""
        self.url = ""

    async def start(self) -> None:
        """Spawn the subprocess and read the sandbox's URLs."""
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.loadgen",
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        hello = await self._read(30.0)
        self.api_base_url, self.url = hello["api_base_url"], hello["url"]

    async def _read(self, timeout: float) -> dict[str, Any]:
        """Read one JSON line from the subprocess."""
        assert self.process is not None and self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            raise LoadGenError("load generator exited unexpectedly")
        return dict(json.loads(line))

    async def run(
        self, scenario: str, first_id: int, users: int, concurrency: int
    ) -> dict[str, Any]:
        """Drive `users` simulated users through `scenario` ("register" or "echo")."""
        assert self.process is not None and self.process.stdin is not None
        command = {
            "cmd": "run",
            "scenario": scenario,
            "first_id": first_id,
            "users": users,
            "concurrency": concurrency,
        }
        self.process.stdin.write((json.dumps(command) + "\n").encode())
        await self.process.stdin.drain()
        answer = await self._read(600.0)
        if not answer.get("ok"):
            raise LoadGenError(f"{scenario} run failed: {answer.get('error')}")
        return answer

    async def close(self) -> None:
        """Ask the subprocess to quit and wait for it (killing it if it hangs)."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.stdin is not None and process.returncode is None:
            process.stdin.write(b'{"cmd": "quit"}\n')
            process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10.0)
        except TimeoutError:
            process.kill()
            await process.wait()


@dataclass
class RunResult:
    """One measured run of a bot: updates, wall time and CPU seconds of both processes."""

    label: str
    updates: int
    wall: float
    bot_cpu: float
    loadgen_cpu: float
    requests: dict[str, int] = field(default_factory=dict)
    rate_limited: int = 0

    @property
    def updates_per_s(self) -> float:
        """Updates handled per second of wall time."""
        return self.updates / self.wall if self.wall > 0 else 0.0

    @property
    def bot_cpu_ms_per_update(self) -> float:
        """Milliseconds of the bot process's CPU per update."""
        return 1000.0 * self.bot_cpu / self.updates if self.updates else 0.0

    def as_dict(self) -> dict[str, Any]:
        """JSON-ready figures."""
        return {
            "label": self.label,
            "updates": self.updates,
            "wall_s": round(self.wall, 4),
            "updates_per_s": round(self.updates_per_s, 2),
            "bot_cpu_s": round(self.bot_cpu, 4),
            "loadgen_cpu_s": round(self.loadgen_cpu, 4),
            "bot_cpu_ms_per_update": round(self.bot_cpu_ms_per_update, 4),
            "bot_cpu_utilisation": round(self.bot_cpu / self.wall, 3) if self.wall else 0.0,
            "loadgen_cpu_utilisation": round(self.loadgen_cpu / self.wall, 3) if self.wall else 0.0,
            "sandbox_requests": self.requests,
            "rate_limited": self.rate_limited,
        }


async def measure(
    label: str,
    loadgen: LoadGen,
    scenario: str,
    first_id: int,
    users: int,
    concurrency: int,
    start: Callable[[], Awaitable[None]],
    stop: Callable[[], Awaitable[None]],
    settle: Callable[[], Awaitable[None]] | None = None,
) -> RunResult:
    """Start a bot, drive the load through it, stop it; CPU is counted over the load only.

    `settle` waits for work the load left behind (outbox rows such as the calendar files
    sent after the last "You are registered"): its CPU is counted too.
    """
    await start()
    try:
        cpu = time.process_time()
        answer = await loadgen.run(scenario, first_id, users, concurrency)
        if settle is not None:
            await settle()
        bot_cpu = time.process_time() - cpu
    finally:
        await stop()
    return RunResult(
        label=label,
        updates=int(answer["updates"]),
        wall=float(answer["wall"]),
        bot_cpu=bot_cpu,
        loadgen_cpu=float(answer["cpu"]),
        requests=dict(answer["requests"]),
        rate_limited=int(answer["rate_limited"]),
    )

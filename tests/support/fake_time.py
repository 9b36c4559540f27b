"""A monotonic clock the test moves by hand, for the rate limiter (its `clock` argument)."""

from __future__ import annotations

import asyncio
from typing import Any


class FakeTime:
    """Monotonic time that moves only when the test says; sleepers wake when it passes them."""

    def __init__(self) -> None:
        """Time zero, nobody asleep."""
        self.now = 0.0
        self.sleepers: list[tuple[float, asyncio.Future[None]]] = []

    def monotonic(self) -> float:
        """The fake monotonic clock."""
        return self.now

    async def sleep(self, delay: float) -> None:
        """Sleep until the test has moved the clock `delay` seconds on."""
        if delay <= 0:
            await asyncio.sleep(0)
            return
        waiter: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        entry = (self.now + delay, waiter)
        self.sleepers.append(entry)
        try:
            await waiter
        finally:
            if entry in self.sleepers:
                self.sleepers.remove(entry)

    async def advance(self, seconds: float) -> None:
        """Move the clock on, wake the sleepers it passes, and let them run."""
        self.now += seconds
        for wake_at, waiter in list(self.sleepers):
            if wake_at <= self.now and not waiter.done():
                waiter.set_result(None)
                self.sleepers.remove((wake_at, waiter))
        await run_ready()

    async def run_until_done(self, *tasks: asyncio.Task[Any], step: float = 0.01) -> None:
        """Move the clock on in small steps until every task has finished (at most 1000)."""
        for _ in range(1000):
            if all(task.done() for task in tasks):
                return
            await self.advance(step)
        raise TimeoutError("the tasks did not finish within 1000 steps of the fake clock")


async def run_ready() -> None:
    """Let every task that can run do so (the limiter does no I/O: a few loop turns suffice)."""
    for _ in range(50):
        await asyncio.sleep(0)

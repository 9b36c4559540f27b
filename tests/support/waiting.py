"""Waiting for an observable outcome, and failing with a description when it never comes."""

from __future__ import annotations

import asyncio
import inspect
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

T = TypeVar("T")

INTERVAL = 0.02


async def eventually(
    predicate: Callable[[], T | Awaitable[T]],
    timeout: float,
    description: str,
    interval: float = INTERVAL,
) -> T:
    """Call `predicate` (plain or async) until it returns something truthy, and return that.

    Raises TimeoutError naming `description` and the last value seen when `timeout` seconds
    pass first; an exception from the predicate propagates at once.
    """
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        value = predicate()
        if inspect.isawaitable(value):
            value = await value
        if value:
            return value  # type: ignore[return-value]
        if loop.time() >= deadline:
            raise TimeoutError(f"not within {timeout}s: {description} (last seen: {value!r})")
        await asyncio.sleep(interval)

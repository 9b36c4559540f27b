"""Our bot under load: complete registrations through the real application."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from benchmarks.harness import ROOT, TOKEN, LoadGen, RunResult, measure
from bot.app import build_application, start_polling, stop_polling
from bot.clock import ManualClock
from bot.config import Settings, load_settings
from bot.domain.series import Series, parse_series
from bot.runtime.update_processor import PerUserUpdateProcessor
from bot.services import SERVICES_KEY

if TYPE_CHECKING:
    from pathlib import Path

    from bot.services import Services

START = datetime(2027, 1, 5, 14, 0, tzinfo=UTC)
POLL_TIMEOUT = 1
UNLIMITED_SEND_RATE = 100_000.0


def example_series() -> Series:
    """The shipped example series (three webinars)."""
    return parse_series((ROOT / "series.example.toml").read_text(encoding="utf-8"))


def bot_settings(database: Path, api_base_url: str) -> Settings:
    """Settings for our bot talking to the sandbox with its database at `database`."""
    return load_settings(
        environ={
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api_base_url,
            "DATABASE_PATH": str(database),
            "ADMIN_IDS": "1000",
            "LOG_LEVEL": "WARNING",
        },
        env_file=None,
    )


async def run_registrations(
    loadgen: LoadGen,
    database: Path,
    first_id: int,
    users: int,
    concurrency: int,
    timings: list[float] | None = None,
    label: str = "bot",
) -> RunResult:
    """Measure our bot (own send limit out of the way) with `users` complete registrations."""
    application = build_application(
        bot_settings(database, loadgen.api_base_url),
        example_series(),
        TOKEN,
        clock=ManualClock(START),
        send_rate=UNLIMITED_SEND_RATE,
        update_processor=PerUserUpdateProcessor(256, timings=timings),
    )

    async def start() -> None:
        """Open the database and start polling."""
        await start_polling(application, poll_timeout=POLL_TIMEOUT)

    async def stop() -> None:
        """Stop polling and close the database."""
        await stop_polling(application)

    async def settle() -> None:
        """Wait for the outbox (the calendar files after registration) to be sent."""
        services: Services = application.bot_data[SERVICES_KEY]
        assert services.sender is not None
        services.sender.wake()
        await services.sender.wait_idle(timeout=60.0)

    return await measure(
        label, loadgen, "register", first_id, users, concurrency, start, stop, settle
    )


def percentiles_ms(timings: list[float]) -> dict[str, Any]:
    """p50, p90, p99 and max of handler times, in milliseconds."""
    if not timings:
        return {"count": 0, "p50_ms": None, "p90_ms": None, "p99_ms": None, "max_ms": None}
    ordered = sorted(timings)
    cuts = (
        statistics.quantiles(ordered, n=100, method="inclusive")
        if len(ordered) > 1
        else (ordered * 99)
    )
    return {
        "count": len(ordered),
        "p50_ms": round(1000 * cuts[49], 3),
        "p90_ms": round(1000 * cuts[89], 3),
        "p99_ms": round(1000 * cuts[98], 3),
        "max_ms": round(1000 * ordered[-1], 3),
    }

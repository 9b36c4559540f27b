"""Idle cost (issue 10): CPU seconds per hour and database statements per minute with nothing due.

The bot runs in this process against the sandbox Bot API in its own process, over a database
of registered participants whose next reminder is a day away. Once the outbox sender has
settled, the bot is left alone for `seconds`: the process CPU (every thread, including
aiosqlite's) and the SQL statements run on the bot's connection (counted by sqlite3's trace
callback) over that span are reported per hour and per minute. Long polling stays on, as in
production, so the CPU figure includes PTB's getUpdates every 10 s.

It runs with the outbox benchmarks: `python -m benchmarks --only outbox [--idle-seconds 60]`.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from benchmarks.harness import TOKEN
from benchmarks.seed import seed_database
from bot.app import build_application, start_polling, stop_polling
from bot.config import load_settings
from bot.domain.series import parse_series
from bot.services import SERVICES_KEY

if TYPE_CHECKING:
    from pathlib import Path

QUERIES_TARGET = 0.0

SERIES = """[series]
title = "Idle benchmark series"
organizer = "UN regional centre"
timezone = "America/Port_of_Spain"
reminders = ["1d", "1h"]
feedback_after = "15m"

[[webinars]]
id = "idle"
title = "Idle benchmark webinar"
starts_at = {starts_at}
duration = "2h"
join_url = "https://example.org/join/idle"
topics = ["Capacity"]
"""


class StatementCounter:
    """Counts the SQL statements SQLite runs on one connection (its trace callback)."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self, _statement: str) -> None:
        """Called by sqlite3 for each statement (in aiosqlite's thread)."""
        self.count += 1


async def measure_idle(api_base_url: str, tmp: Path, seconds: float, participants: int) -> dict:
    """Start the bot, let it settle, then measure `seconds` of idleness; return the figures."""
    starts_at = (datetime.now(UTC) + timedelta(days=2)).replace(microsecond=0)
    text = SERIES.format(starts_at=starts_at.strftime("%Y-%m-%dT%H:%M:%SZ"))
    series = parse_series(text)
    database = tmp / "idle.sqlite3"
    await seed_database(database, series, participants, registered_from=datetime.now(UTC))
    settings = load_settings(
        environ={
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": api_base_url,
            "DATABASE_PATH": str(database),
            "LOG_LEVEL": "WARNING",
        },
        env_file=None,
    )
    application = build_application(settings, series, TOKEN)
    await start_polling(application)
    try:
        services = application.bot_data[SERVICES_KEY]
        counter = StatementCounter()
        await services.db.conn.set_trace_callback(counter)
        wait_idle = getattr(services.sender, "wait_idle", None)
        if wait_idle is not None:
            await wait_idle(timeout=30.0)
        else:
            await asyncio.sleep(2.0)  # a sender without wait_idle(): let start-up settle
        cpu0, statements0, wall0 = time.process_time(), counter.count, time.monotonic()
        await asyncio.sleep(seconds)
        cpu = time.process_time() - cpu0
        statements = counter.count - statements0
        wall = time.monotonic() - wall0
    finally:
        await stop_polling(application)
    per_minute = statements / wall * 60
    return {
        "seconds": round(wall, 1),
        "participants": participants,
        "cpu_s": round(cpu, 4),
        "cpu_s_per_hour": round(cpu / wall * 3600, 2),
        "statements": statements,
        "statements_per_minute": round(per_minute, 1),
        "check": {
            "value": round(per_minute, 1),
            "target": f"<= {QUERIES_TARGET:g} per idle minute",
            "pass": per_minute <= QUERIES_TARGET,
        },
    }


def table_rows(idle: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Rows for the results table: measure, value, target, verdict."""
    check = idle["check"]
    return [
        (
            f"idle {idle['seconds']:g} s: database statements per minute",
            f"{idle['statements_per_minute']:g} ({idle['statements']} in all)",
            check["target"],
            "PASS" if check["pass"] else "FAIL",
        ),
        ("  idle CPU seconds per hour", f"{idle['cpu_s_per_hour']:.2f} s", "info", ""),
    ]

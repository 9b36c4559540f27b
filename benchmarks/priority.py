"""Replies ahead of bulk (issue 13): `/help` answer time during a 10,000-recipient fan-out.

The bot runs as its own process (`python -m bot run`) with SEND_RATE=30 against the sandbox
process, whose bulk limit is also 30 messages a second (50 ms of latency per request). A
1-hour reminder to `fan_out` registrants falls due a few seconds after the spawn; while it is
being sent, probe users (not registered) send `/help` one after another, each one waiting for
the answer, and the time from sending to the answer's arrival at the sandbox is recorded.
The same probes before the reminder falls due give the quiet figure for comparison.

Run with `python -m benchmarks --only priority`.
"""

from __future__ import annotations

import asyncio
import contextlib
import math
import sqlite3
import statistics
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from benchmarks.outbox import SandboxProc, outbox_counts, series_text, start_bot, wait_ready
from benchmarks.report import mark
from benchmarks.seed import FIRST_TELEGRAM_ID, seed_database
from bot.clock import to_iso
from bot.domain.series import parse_series
from sandbox import SandboxClient

if TYPE_CHECKING:
    from pathlib import Path

SEND_RATE = 30.0
LATENCY = 0.05
P95_TARGET_S = 0.5
PROBE_FIRST_ID = 5_000_000
PROBES = 20  # distinct users, so that none exceeds Telegram's one message a second per chat


def percentile(values: list[float], share: float) -> float | None:
    """The nearest-rank percentile of `values` (None when empty)."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, math.ceil(share * len(ordered)) - 1)]


async def ask_help(client: SandboxClient, user_id: int, timeout: float = 30.0) -> float:
    """Send /help as `user_id` and return the seconds until the bot's answer arrived."""
    after = await client.last_seq(user_id)
    began = time.monotonic()
    await client.send_text(user_id, "/help")
    deadline = began + timeout
    while True:
        events = await client.wait_for_event(
            user_id, after_seq=after, timeout=max(0.1, deadline - time.monotonic())
        )
        if any(e["kind"] == "message" for e in events):
            return time.monotonic() - began
        after = max(e["seq"] for e in events)


async def probe(client: SandboxClient, span: float, gap: float, first_round: int) -> list[float]:
    """Ask /help every `gap` seconds for `span` seconds, rotating over the probe users."""
    times: list[float] = []
    stop = time.monotonic() + span
    number = first_round
    while time.monotonic() < stop:
        user_id = PROBE_FIRST_ID + number % PROBES
        number += 1
        began = time.monotonic()
        times.append(await ask_help(client, user_id))
        await asyncio.sleep(max(0.0, gap - (time.monotonic() - began)))
    return times


def summary_of(times: list[float]) -> dict[str, Any]:
    """Count, median, p95 and max of reply times, in seconds."""
    return {
        "count": len(times),
        "p50_s": round(statistics.median(times), 3) if times else None,
        "p95_s": round(percentile(times, 0.95) or 0.0, 3) if times else None,
        "max_s": round(max(times), 3) if times else None,
    }


async def run_priority(
    tmp: Path, fan_out: int = 10_000, span: float = 60.0, lead: float = 8.0
) -> dict[str, Any]:
    """Quiet /help probes, then probes during the fan-out; return the figures."""
    sandbox = SandboxProc(send_rate=SEND_RATE, latency=LATENCY)
    await sandbox.start()
    try:
        database, series_file = tmp / "priority.sqlite3", tmp / "priority.toml"
        now = datetime.now(UTC)
        provisional = parse_series(series_text([("busy", now + timedelta(hours=2))], ("1h",)))
        await seed_database(
            database,
            provisional,
            fan_out,
            registered_from=now - timedelta(hours=36),
            spread=timedelta(hours=24),
        )
        await sandbox.call("add_users", first_id=FIRST_TELEGRAM_ID + 1, count=fan_out)
        await sandbox.call("add_users", first_id=PROBE_FIRST_ID, count=PROBES)
        due_wall = math.ceil(time.time() + lead)
        starts_at = datetime.fromtimestamp(due_wall, UTC) + timedelta(hours=1)
        series_file.write_text(series_text([("busy", starts_at)], ("1h",)), encoding="utf-8")
        with contextlib.closing(sqlite3.connect(database)) as conn, conn:
            conn.execute(
                "UPDATE webinars SET starts_at = ?, ends_at = ? WHERE id = 'busy'",
                (to_iso(starts_at), to_iso(starts_at + timedelta(hours=2))),
            )
        bot = await start_bot(
            tmp, sandbox.api_base_url, database, series_file, "priority", SEND_RATE
        )
        try:
            await wait_ready(sandbox, bot)
            async with SandboxClient(sandbox.url) as client:
                quiet = await probe(client, max(0.0, due_wall - time.time() - 1.0), 0.5, 0)
                await asyncio.sleep(max(0.0, due_wall + 2.0 - time.time()))
                sent_before = int((await sandbox.call("snapshot"))["messages_sent"])
                began = time.monotonic()
                busy = await probe(client, span, 0.5, len(quiet))
                elapsed = time.monotonic() - began
                sent_after = int((await sandbox.call("snapshot"))["messages_sent"])
        finally:
            await bot.stop()
        counts = outbox_counts(database)
    finally:
        await sandbox.close()
    bulk_rate = (sent_after - sent_before - len(busy)) / elapsed if elapsed > 0 else 0.0
    during = summary_of(busy)
    p95 = during["p95_s"]
    return {
        "settings": {
            "send_rate": SEND_RATE,
            "latency_s": LATENCY,
            "fan_out": fan_out,
            "span_s": span,
            "probe_users": PROBES,
        },
        "quiet": summary_of(quiet),
        "during_fan_out": during,
        "bulk_sends_per_s_while_probing": round(bulk_rate, 1),
        "outbox_after_stop": counts,
        "check": {
            "value": p95,
            "target": f"<= {P95_TARGET_S:g} s",
            "pass": p95 is not None and p95 <= P95_TARGET_S,
        },
    }


def table_rows(result: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """Rows for the results table: measure, value, target, verdict."""
    during, quiet, check = result["during_fan_out"], result["quiet"], result["check"]
    fan_out = result["settings"]["fan_out"]
    return [
        (
            f"/help p95 during a {fan_out:,} fan-out",
            f"{during['p95_s']} s ({during['count']} asked)",
            check["target"],
            mark(check["pass"]),
        ),
        (
            "  /help median / max during the fan-out",
            f"{during['p50_s']} / {during['max_s']} s",
            "info",
            "",
        ),
        (
            "  /help p95 before the fan-out",
            f"{quiet['p95_s']} s ({quiet['count']} asked)",
            "info",
            "",
        ),
        (
            "  bulk sends per s while asking",
            f"{result['bulk_sends_per_s_while_probing']}",
            "info",
            "",
        ),
    ]

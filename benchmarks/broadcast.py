"""Broadcast benchmark: /broadcast to N participants at 100 messages/s with 50 ms latency.

The bot runs as its own process (`python -m bot run`, SEND_RATE=100, an organizer in
ADMIN_IDS) against the sandbox process of the outbox benchmarks (`benchmarks.sandboxproc`,
limit 100 messages/s, 50 ms per request). The organizer walks the real dialogue through the
sandbox's control API (text, "Everyone", no Spanish text, "Send now", Confirm). Measured at the
sandbox from the Confirm on: the delivery rate from the first to the last participant's
message against the limit, 429 answers per send, messages per chat (exactly one each) and the
outbox (every row 'sent'), and the progress message's edits: the most in any one-second window
(at most 1), their number, and that it ends as the final report.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from benchmarks.harness import ROOT, TOKEN, LoadGenError
from benchmarks.outbox import (
    LATENCY,
    SEND_RATE,
    BotProcess,
    SandboxProc,
    bot_command,
    outbox_counts,
    series_text,
    wait_ready,
)
from benchmarks.report import mark
from benchmarks.sandboxproc import busiest_window
from benchmarks.seed import FIRST_TELEGRAM_ID, seed_database
from bot.config import setting_defaults
from bot.domain.series import parse_series
from sandbox.client import SandboxClient

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

RESULTS = ROOT / "benchmarks" / "results" / "broadcast.json"
ORGANIZER = 777
RATE_TARGET = 0.95
RATE_LIMITED_TARGET = 0.005
EDITS_TARGET = 1


class BroadcastSandbox(SandboxProc):
    """The sandbox process, also keeping the URL of its control API."""

    url = ""

    async def start(self) -> None:
        """Spawn it and read both URLs."""
        self.process = await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "benchmarks.sandboxproc",
            "--send-rate",
            str(self.send_rate),
            "--latency",
            str(self.latency),
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        hello = await self._read(30.0)
        self.api_base_url, self.url = hello["api_base_url"], hello["url"]


async def start_bot(
    workdir: Path, api_base_url: str, database: Path, series_file: Path
) -> BotProcess:
    """Spawn `python -m bot run` with the organizer in ADMIN_IDS, logging to broadcast.log."""
    import psutil

    env = {k: v for k, v in os.environ.items() if k not in setting_defaults()}
    env.update(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api_base_url,
        DATABASE_PATH=str(database),
        SERIES_FILE=str(series_file),
        SEND_RATE=f"{SEND_RATE:g}",
        LOG_LEVEL="INFO",
        ADMIN_IDS=str(ORGANIZER),
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    log = workdir / "broadcast.log"
    with log.open("wb") as out:
        spawned = time.time()
        process = await asyncio.create_subprocess_exec(
            *bot_command(workdir / "no.env"),
            cwd=workdir,
            env=env,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=out,
            stderr=out,
        )
    return BotProcess(process, psutil.Process(process.pid), spawned, log)


class Organizer:
    """The organizer's side of the chat, read through the control API's events."""

    def __init__(self, client: SandboxClient) -> None:
        self.client = client
        self.seq = 0

    async def expect(self, fragment: str, timeout: float = 30.0) -> dict[str, Any]:
        """The next new message containing `fragment` (earlier events are skipped)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            events = await self.client.wait_for_event(
                ORGANIZER, self.seq, deadline - time.monotonic()
            )
            for event in events:
                self.seq = max(self.seq, event["seq"])
                if event["kind"] == "message" and fragment in (event["text"] or ""):
                    return event
        raise LoadGenError(f"the bot never said {fragment!r}")

    async def press(self, message: dict[str, Any], label: str) -> None:
        """Press the button whose text contains `label`."""
        for row in (message.get("reply_markup") or {}).get("inline_keyboard", []):
            for button in row:
                if label in button["text"]:
                    await self.client.press(
                        ORGANIZER, message["message_id"], button["callback_data"]
                    )
                    return
        raise LoadGenError(f"no button {label!r}")


async def _dialogue(client: SandboxClient) -> tuple[Organizer, dict[str, Any]]:
    """/broadcast to everyone, now; return the organizer and the summary (with Confirm)."""
    organizer = Organizer(client)
    await client.add_user(ORGANIZER, first_name="Rosa")
    await client.send_text(ORGANIZER, "/broadcast")
    await organizer.expect("New broadcast")
    text = "Benchmark broadcast: the agenda of the next webinar is online."
    await client.send_rich(
        ORGANIZER, text=text, entities=[{"type": "bold", "offset": 0, "length": 9}]
    )
    await organizer.press(await organizer.expect("Who should get it?"), "Everyone")
    await organizer.press(await organizer.expect("Spanish"), "Skip")
    await organizer.press(await organizer.expect("When should it go out?"), "Send now")
    return organizer, await organizer.expect("Ready to send", timeout=120)


async def _wait_done(
    client: SandboxClient, database: Path, bot: BotProcess, progress_id: int, count: int
) -> tuple[float, str]:
    """Wait for every row to settle and the report; return the wait and the report text."""
    started, last_change, last = time.monotonic(), time.monotonic(), None
    while True:
        counts = outbox_counts(database)
        if counts != last:
            last, last_change = counts, time.monotonic()
        report = (
            next(
                (
                    m["text"]
                    for m in await client.transcript(ORGANIZER)
                    if m["message_id"] == progress_id
                ),
                "",
            )
            or ""
        )
        if "finished" in report and not counts.get("pending") and not counts.get("sending"):
            return time.monotonic() - started, report
        if time.monotonic() - last_change > 30 or bot.process.returncode is not None:
            raise LoadGenError(f"broadcast stalled at {counts}:\n{bot.log_tail()}")
        await asyncio.sleep(0.5)


async def run_broadcast(
    count: int, tmp: Path, progress: Callable[[str], None] = print
) -> dict[str, Any]:
    """Seed, start the sandbox and the bot, broadcast to `count`, measure, stop."""
    database, series_file = tmp / "broadcast.sqlite3", tmp / "broadcast.toml"
    text = series_text([("bench", datetime.now(UTC) + timedelta(days=30))], ("1h",))
    series_file.write_text(text, encoding="utf-8")
    seeded = await seed_database(database, parse_series(text), count)
    sandbox = BroadcastSandbox()
    await sandbox.start()
    try:
        await sandbox.call("add_users", first_id=FIRST_TELEGRAM_ID + 1, count=count)
        bot = await start_bot(tmp, sandbox.api_base_url, database, series_file)
        try:
            await wait_ready(sandbox, bot)
            async with SandboxClient(sandbox.url) as client:
                organizer, summary = await _dialogue(client)
                before = await client.stats()
                await organizer.press(summary, "Confirm")
                confirmed = time.monotonic()
                progress_message = await organizer.expect("broadcast")
                progress(f"  confirmed: {count:,} recipients; sending ...")
                waited, report = await _wait_done(
                    client, database, bot, progress_message["message_id"], count
                )
                after = await client.stats()
                final = await sandbox.call("fan_out", first_id=FIRST_TELEGRAM_ID + 1, count=count)
        finally:
            code = await bot.stop()
    finally:
        await sandbox.close()
    sends = after["send_timestamps"][len(before["send_timestamps"]) :]
    sends = sends[1:]  # the first one after Confirm is the progress message itself
    edits = sorted(after["edit_timestamps"][len(before["edit_timestamps"]) :])
    span = sends[-1] - sends[0] if len(sends) > 1 else 0.0
    rate = count / span if span > 0 else 0.0
    rate_limited = after["rate_limited"] - before["rate_limited"]
    counts = outbox_counts(database)
    chats = final["chats_by_messages"]
    gaps = [b - a for a, b in itertools.pairwise(edits)]
    return {
        "recipients": count,
        "seed": seeded,
        "bot_exit_code": code,
        "delivered": len(sends),
        "send_span_s": round(span, 3),
        "rate_per_s": round(rate, 2),
        "rate_ratio": round(rate / SEND_RATE, 4),
        "busiest_second": busiest_window(sorted(sends)),
        "rate_limited": rate_limited,
        "rate_limited_share": round(rate_limited / len(sends), 5) if sends else None,
        "lost": {
            "chats_by_messages": chats,
            "exactly_one_each": chats == {"1": count},
            "outbox_statuses": counts,
            "all_rows_sent": counts == {"sent": count},
        },
        "edits": {
            "count": len(edits),
            "max_in_any_second": busiest_window(edits),
            "min_gap_s": round(min(gaps), 3) if gaps else None,
            "report_shown": "finished" in report,
        },
        "confirm_to_report_s": round(time.monotonic() - confirmed, 2),
        "wait_s": round(waited, 2),
    }


def summarise(command: str, quick: bool, result: dict[str, Any]) -> dict[str, Any]:
    """Figures with their targets and verdicts."""
    lost, edits = result["lost"], result["edits"]
    share = result["rate_limited_share"]
    checks = {
        "rate": {
            "value": result["rate_ratio"],
            "target": f">= {RATE_TARGET}",
            "pass": result["rate_ratio"] >= RATE_TARGET,
        },
        "rate_limited": {
            "value": share,
            "target": f"<= {RATE_LIMITED_TARGET:.1%}",
            "pass": share is not None and share <= RATE_LIMITED_TARGET,
        },
        "nothing_lost": {
            "value": lost["exactly_one_each"] and lost["all_rows_sent"],
            "target": "every chat 1, all sent",
            "pass": lost["exactly_one_each"] and lost["all_rows_sent"],
        },
        "edits_per_second": {
            "value": edits["max_in_any_second"],
            "target": f"<= {EDITS_TARGET}",
            "pass": edits["max_in_any_second"] <= EDITS_TARGET and edits["report_shown"],
        },
    }
    return {
        "command": command,
        "settings": {
            "send_rate": SEND_RATE,
            "latency_s": LATENCY,
            "quick": quick,
            "recipients": result["recipients"],
            "cpus": os.cpu_count(),
        },
        "checks": checks,
        "broadcast": result,
    }


def table_rows(summary: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The broadcast rows of the results table: measure, value, target, verdict."""
    c, b = summary["checks"], summary["broadcast"]
    share = b["rate_limited_share"]
    return [
        (
            f"broadcast {b['recipients']:,}: delivery rate / {SEND_RATE:g} per s",
            f"{b['rate_ratio']:.3f} ({b['rate_per_s']:.1f}/s)",
            c["rate"]["target"],
            mark(c["rate"]["pass"]),
        ),
        (
            "  429 answers / sends",
            f"{share:.2%} ({b['rate_limited']})" if share is not None else "n/a",
            c["rate_limited"]["target"],
            mark(c["rate_limited"]["pass"]),
        ),
        (
            "  nothing lost (1 message per chat, rows sent)",
            f"{b['lost']['chats_by_messages']} {b['lost']['outbox_statuses']}",
            c["nothing_lost"]["target"],
            mark(c["nothing_lost"]["pass"]),
        ),
        (
            "  progress edits in any 1-s window",
            str(b["edits"]["max_in_any_second"]),
            c["edits_per_second"]["target"],
            mark(c["edits_per_second"]["pass"]),
        ),
        (
            "  progress edits, shortest gap",
            f"{b['edits']['count']} edits, {b['edits']['min_gap_s']} s",
            "info",
            "",
        ),
        ("  Confirm to final report", f"{b['confirm_to_report_s']:.1f} s", "info", ""),
    ]


async def run_broadcast_benchmark(
    quick: bool, count: int | None, command: str, tmp: Path, progress: Callable[[str], None] = print
) -> dict[str, Any]:
    """The whole benchmark: 10,000 recipients (1,000 with --quick) unless `count` is given."""
    count = count or (1_000 if quick else 10_000)
    progress(
        f"broadcast: /broadcast to {count:,} participants at {SEND_RATE:g}/s,"
        f" {LATENCY * 1000:g} ms latency (about {count / SEND_RATE:.0f} s)"
    )
    result = await run_broadcast(count, tmp, progress)
    progress(
        f"  delivered {result['delivered']:,} in {result['send_span_s']:.1f} s"
        f" ({result['rate_per_s']:.1f}/s), {result['rate_limited']} x 429,"
        f" {result['edits']['count']} progress edits,"
        f" at most {result['edits']['max_in_any_second']} in any second"
    )
    return summarise(command, quick, result)

"""Outbox benchmarks (issue 3): reminder fan-out, CPU per delivered message, start-up.

The bot runs as its own process, exactly as in production (`python -m bot run`, settings from
the environment), so psutil can measure its CPU and memory alone. The sandbox Bot API runs in
another process (`benchmarks.sandboxproc`) with Telegram's bulk limit lowered to the bot's
SEND_RATE (100 messages/s) and 50 ms of latency per request.

1. Fan-out: N participants (registered yesterday) of one webinar whose 1-hour reminder falls
   due a few seconds after the bot process starts. Measured at the sandbox: delivery rate
   from the first to the last accepted send, 429 answers, messages per chat; at the database
   afterwards: every outbox row 'sent'; the first send against the due time (wall clock).
2. CPU per delivered message: the bot process's user+sys CPU from the due time until the
   outbox has settled, per message, over the bare PTB echo bot's CPU per reply (in-process,
   `benchmarks.echo` against `benchmarks.loadgen`, measured with time.process_time()).
3. Start-up: 100,000 participants x 3 webinars x 4 reminder offsets, seeded by SQL; the time
   from spawning the process to its first getUpdates at the sandbox, and its peak RSS (the
   kernel's high-water mark VmHWM, cross-checked by psutil sampling every 10 ms), next to the
   same bot starting with an empty database (the fixed cost of Python, PTB and the schema).
4. Idle (issue 10, benchmarks/idle.py): CPU seconds per hour and database statements per
   minute while nothing is due (target: no statement at all).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import os
import shutil
import signal
import sqlite3
import statistics
import sys
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import psutil

from benchmarks.echo import run_echo
from benchmarks.harness import ROOT, TOKEN, LoadGen, LoadGenError, RunResult
from benchmarks.idle import measure_idle
from benchmarks.idle import table_rows as idle_rows
from benchmarks.report import mark
from benchmarks.seed import FIRST_TELEGRAM_ID, seed_database
from bot.clock import to_iso
from bot.config import setting_defaults
from bot.domain.series import parse_series

if TYPE_CHECKING:
    from collections.abc import Callable

SEND_RATE = 100.0
LATENCY = 0.05
RATE_TARGET = 0.95
RATE_LIMITED_TARGET = 0.005
FIRST_SEND_TARGET_S = 1.0
CPU_RATIO_TARGET = 1.5
STARTUP_TARGET_S = 2.0
RSS_TARGET_MB = 200.0
MB = 1024 * 1024

STARTUP_OFFSETS = ("7d", "1d", "1h", "0m")


@dataclass
class OutboxOptions:
    """What to run and how big."""

    fan_out: int = 10_000
    startup: int = 100_000
    startup_runs: int = 3
    echo_users: int = 200
    echo_rounds: int = 4
    concurrency: int = 50
    lead: float = 4.0
    idle_seconds: float = 60.0
    idle_participants: int = 1_000
    py_spy: Path | None = None
    output: Path = ROOT / "benchmarks" / "results" / "outbox.json"

    @classmethod
    def make(cls, quick: bool, **overrides: Any) -> OutboxOptions:
        """Defaults for a full or a --quick run, with explicit overrides (None: default)."""
        base = (
            cls(
                fan_out=1_000,
                startup=10_000,
                startup_runs=2,
                echo_users=40,
                echo_rounds=2,
                idle_seconds=20.0,
            )
            if quick
            else cls()
        )
        for name, value in overrides.items():
            if value is not None:
                setattr(base, name, value)
        return base


# --- the sandbox process -------------------------------------------------------------------


class SandboxProc:
    """The `python -m benchmarks.sandboxproc` subprocess, spoken to in JSON lines."""

    def __init__(self, send_rate: float = SEND_RATE, latency: float = LATENCY) -> None:
        self.send_rate, self.latency = send_rate, latency
        self.process: asyncio.subprocess.Process | None = None
        self.api_base_url = ""
        self.url = ""  # the sandbox's control API (SandboxClient)
        self._lock = asyncio.Lock()

    async def start(self) -> None:
        """Spawn it and read its URLs."""
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
        self.api_base_url = hello["api_base_url"]
        self.url = hello.get("url", "")

    async def _read(self, timeout: float) -> dict[str, Any]:
        assert self.process is not None and self.process.stdout is not None
        line = await asyncio.wait_for(self.process.stdout.readline(), timeout)
        if not line:
            raise LoadGenError("sandbox process exited unexpectedly")
        return dict(json.loads(line))

    async def call(self, cmd: str, **params: Any) -> dict[str, Any]:
        """Send one command and return its answer (raising LoadGenError on failure)."""
        assert self.process is not None and self.process.stdin is not None
        async with self._lock:
            self.process.stdin.write((json.dumps({"cmd": cmd, **params}) + "\n").encode())
            await self.process.stdin.drain()
            answer = await self._read(120.0)
        if not answer.pop("ok", False):
            raise LoadGenError(f"sandbox {cmd} failed: {answer.get('error')}")
        return answer

    async def close(self) -> None:
        """Ask it to quit; kill it if it hangs."""
        process, self.process = self.process, None
        if process is None:
            return
        if process.stdin is not None and process.returncode is None:
            with contextlib.suppress(ConnectionError):
                process.stdin.write(b'{"cmd": "quit"}\n')
                process.stdin.close()
        try:
            await asyncio.wait_for(process.wait(), 10.0)
        except TimeoutError:
            process.kill()
            await process.wait()


# --- the bot process -----------------------------------------------------------------------


def send_rate_setting_exists() -> bool:
    """Whether the bot reads SEND_RATE from its settings (bot/config.py)."""
    return "SEND_RATE" in setting_defaults()


def bot_command(env_file: Path) -> list[str]:
    """The production entry point, or a stand-in passing send_rate when SEND_RATE is unknown."""
    if send_rate_setting_exists():
        return [sys.executable, "-m", "bot", "run", "--require-token", "--env-file", str(env_file)]
    return [sys.executable, "-m", "benchmarks.botrun"]


@dataclass
class BotProcess:
    """A running `python -m bot run` and how to watch it."""

    process: asyncio.subprocess.Process
    ps: psutil.Process
    spawned: float  # time.time() just before the spawn
    log: Path
    rss_samples: list[int] = field(default_factory=list)
    _sampler: asyncio.Task[None] | None = None

    @property
    def pid(self) -> int:
        """The process id."""
        return self.process.pid

    def cpu(self) -> float:
        """User + system CPU seconds of the process so far (all its threads)."""
        times = self.ps.cpu_times()
        return float(times.user + times.system)

    def peak_rss(self) -> int | None:
        """The kernel's high-water mark of the resident set (VmHWM), in bytes (Linux)."""
        try:
            text = Path(f"/proc/{self.pid}/status").read_text()
        except OSError:
            return None
        for line in text.splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) * 1024
        return None

    def sample_rss(self, interval: float = 0.01) -> None:
        """Sample the resident set size every `interval` seconds until stopped."""

        async def sampler() -> None:
            while True:
                with contextlib.suppress(psutil.Error):
                    self.rss_samples.append(self.ps.memory_info().rss)
                await asyncio.sleep(interval)

        self._sampler = asyncio.create_task(sampler())

    def log_tail(self, lines: int = 15) -> str:
        """The last lines the bot logged."""
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    async def stop(self) -> int:
        """SIGTERM (as a service manager would), wait, kill if needed; return the exit code."""
        if self._sampler is not None:
            self._sampler.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sampler
            self._sampler = None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                await asyncio.wait_for(self.process.wait(), 30.0)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        return int(self.process.returncode or 0)


async def start_bot(
    workdir: Path,
    api_base_url: str,
    database: Path,
    series_file: Path,
    name: str,
    send_rate: float = SEND_RATE,
) -> BotProcess:
    """Spawn the bot with its settings in the environment, logging to workdir/name.log."""
    env = {k: v for k, v in os.environ.items() if k not in setting_defaults()}
    env.update(
        BOT_TOKEN=TOKEN,
        TELEGRAM_API_BASE_URL=api_base_url,
        DATABASE_PATH=str(database),
        SERIES_FILE=str(series_file),
        SEND_RATE=f"{send_rate:g}",
        LOG_LEVEL="INFO",
        PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")])),
    )
    log = workdir / f"{name}.log"
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


async def wait_ready(
    sandbox: SandboxProc, bot: BotProcess, timeout: float = 60.0
) -> dict[str, Any]:
    """Poll the sandbox until the bot's first getUpdates has arrived; return the snapshot."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        snap = await sandbox.call("snapshot")
        if "getUpdates" in snap["first_arrival"]:
            return snap
        if bot.process.returncode is not None:
            break
        await asyncio.sleep(0.02)
    raise LoadGenError(
        f"the bot did not start polling (exit code {bot.process.returncode}):\n{bot.log_tail()}"
    )


# --- py-spy (optional) ---------------------------------------------------------------------


class PySpy:
    """`py-spy record --pid` on the bot while a phase runs (with --py-spy DIR)."""

    def __init__(self, directory: Path | None) -> None:
        self.directory = directory
        self.process: asyncio.subprocess.Process | None = None
        self.output: Path | None = None

    async def attach(self, pid: int, name: str) -> None:
        """Start sampling the process (100 Hz, with native frames off, idle off)."""
        if self.directory is None:
            return
        exe = shutil.which("py-spy") or str(Path(sys.executable).with_name("py-spy"))
        self.directory.mkdir(parents=True, exist_ok=True)
        self.output = self.directory / f"{name}.txt"
        self.process = await asyncio.create_subprocess_exec(
            exe,
            "record",
            "--pid",
            str(pid),
            "--rate",
            "200",
            "--format",
            "raw",
            "--output",
            str(self.output),
            "--nonblocking",
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )

    async def detach(self) -> str | None:
        """Stop sampling (SIGINT makes py-spy write its file); return the file name."""
        if self.process is None:
            return None
        if self.process.returncode is None:
            self.process.send_signal(signal.SIGINT)
            try:
                await asyncio.wait_for(self.process.wait(), 30.0)
            except TimeoutError:
                self.process.kill()
                await self.process.wait()
        self.process = None
        return str(self.output)


# --- series files --------------------------------------------------------------------------


def _stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def series_text(webinars: list[tuple[str, datetime]], reminders: tuple[str, ...]) -> str:
    """A series file with these (id, start) webinars and reminder offsets."""
    listed = ", ".join(f'"{r}"' for r in reminders)
    parts = [
        f"""[series]
title = "Benchmark series"
organizer = "UN regional centre"
timezone = "America/Port_of_Spain"
reminders = [{listed}]
feedback_after = "15m"
"""
    ]
    for number, (webinar_id, starts_at) in enumerate(webinars, 1):
        parts.append(f"""
[[webinars]]
id = "{webinar_id}"
title = "Benchmark webinar {number}"
starts_at = {_stamp(starts_at)}
duration = "2h"
join_url = "https://example.org/join/{webinar_id}"
topics = ["Capacity"]
""")
    return "".join(parts)


# --- 1 + 2: fan-out and CPU per message ----------------------------------------------------


def outbox_counts(database: Path) -> dict[str, int]:
    """Outbox rows per status, read from the bot's database (WAL: safe while it runs)."""
    with contextlib.closing(
        sqlite3.connect(f"file:{database}?mode=ro", uri=True, timeout=10)
    ) as conn:
        return dict(conn.execute("SELECT status, COUNT(*) FROM outbox GROUP BY status"))


async def fan_out(
    sandbox: SandboxProc, tmp: Path, count: int, lead: float, spy: PySpy
) -> dict[str, Any]:
    """One 1-hour reminder to `count` registrants, due `lead` s after the bot is spawned."""
    await sandbox.call("reset")
    database, series_file = tmp / "fanout.sqlite3", tmp / "fanout.toml"
    now = datetime.now(UTC)
    provisional = parse_series(series_text([("fan-out", now + timedelta(hours=2))], ("1h",)))
    seeded = await seed_database(
        database,
        provisional,
        count,
        registered_from=now - timedelta(hours=36),
        spread=timedelta(hours=24),
    )
    await sandbox.call("add_users", first_id=FIRST_TELEGRAM_ID + 1, count=count)
    # The webinar's start is fixed only now, so that the reminder falls due `lead` seconds
    # after the spawn; the seeded row gets the same start, or the bot would see a change.
    due_wall = math.ceil(time.time() + lead)
    due = datetime.fromtimestamp(due_wall, UTC)
    starts_at = due + timedelta(hours=1)
    series_file.write_text(series_text([("fan-out", starts_at)], ("1h",)), encoding="utf-8")
    with contextlib.closing(sqlite3.connect(database)) as conn, conn:
        conn.execute(
            "UPDATE webinars SET starts_at = ?, ends_at = ? WHERE id = 'fan-out'",
            (to_iso(starts_at), to_iso(starts_at + timedelta(hours=2))),
        )
    bot = await start_bot(tmp, sandbox.api_base_url, database, series_file, "fanout")
    try:
        ready = await wait_ready(sandbox, bot)
        ready_s = ready["first_arrival"]["getUpdates"] - bot.spawned
        await asyncio.sleep(max(0.0, due_wall - 0.05 - time.time()))
        await spy.attach(bot.pid, "fanout")
        cpu0, sandbox_cpu0, wall0 = bot.cpu(), (await sandbox.call("snapshot"))["cpu"], time.time()
        progress = await _wait_delivered(sandbox, bot, database, count)
        cpu1, wall1 = bot.cpu(), time.time()
        profile = await spy.detach()
        result = await sandbox.call("fan_out", first_id=FIRST_TELEGRAM_ID + 1, count=count)
        peak = bot.peak_rss()
    finally:
        code = await bot.stop()
        await spy.detach()
    counts = outbox_counts(database)
    delivered = int(result["messages_sent"])
    first, last = result["send_wall_first"], result["send_wall_last"]
    span = (last - first) if first is not None and last is not None else 0.0
    rate = delivered / span if span > 0 else 0.0
    first_arrival = result["first_arrival"].get("sendMessage")
    chats = result["chats_by_messages"]
    lost = {
        "chats_by_messages": chats,
        "exactly_one_each": chats == {"1": count},
        "outbox_statuses": counts,
        "all_rows_sent": counts == {"sent": count},
    }
    return {
        "participants": count,
        "seed": seeded,
        "due_at": to_iso(due),
        "bot_exit_code": code,
        "ready_after_spawn_s": round(ready_s, 3),
        "ready_before_due": ready["first_arrival"]["getUpdates"] < due_wall,
        "delivered": delivered,
        "send_span_s": round(span, 3),
        "rate_per_s": round(rate, 2),
        "rate_ratio": round(rate / SEND_RATE, 4),
        "busiest_second": result["busiest_second"],
        "rate_limited": result["rate_limited"],
        "rate_limited_share": round(result["rate_limited"] / delivered, 5) if delivered else None,
        "send_requests": result["requests"].get("sendMessage", 0),
        "requests": result["requests"],
        "sandbox_errors": result["errors"],
        "first_send_after_due_s": round(first - due_wall, 3) if first is not None else None,
        "first_request_after_due_s": (
            round(first_arrival - due_wall, 3) if first_arrival is not None else None
        ),
        "last_send_after_due_s": round(last - due_wall, 3) if last is not None else None,
        "sandbox_clock_drift_s": round(result["clock_drift_s"], 6),
        "lost": lost,
        "cpu": {
            "bot_cpu_s": round(cpu1 - cpu0, 3),
            "wall_s": round(wall1 - wall0, 3),
            "bot_cpu_utilisation": round((cpu1 - cpu0) / (wall1 - wall0), 3),
            "bot_cpu_ms_per_message": round(1000 * (cpu1 - cpu0) / delivered, 4)
            if delivered
            else None,
            "sandbox_cpu_s": round(result["cpu"] - sandbox_cpu0, 3),
        },
        "peak_rss_mb": round(peak / MB, 1) if peak else None,
        "progress": progress,
        "py_spy": profile,
    }


async def _wait_delivered(
    sandbox: SandboxProc, bot: BotProcess, database: Path, count: int
) -> list[tuple[float, int]]:
    """Wait until `count` messages arrived and the outbox settled (or progress stalls)."""
    progress: list[tuple[float, int]] = []
    started = time.monotonic()
    last_change, last_sent = started, -1
    while True:
        sent = int((await sandbox.call("snapshot"))["messages_sent"])
        now = time.monotonic()
        if sent != last_sent:
            last_change, last_sent = now, sent
            progress.append((round(now - started, 2), sent))
        if sent >= count or now - last_change > 20 or bot.process.returncode is not None:
            break
        await asyncio.sleep(0.5)
    for _ in range(100):  # the last answers are being recorded
        counts = outbox_counts(database)
        if not counts.get("pending") and not counts.get("sending"):
            break
        await asyncio.sleep(0.05)
    return progress


async def echo_baseline(options: OutboxOptions, rounds: int, first: int) -> list[RunResult]:
    """The bare PTB echo bot's CPU per reply (a warm-up, then `rounds` measured runs)."""
    loadgen = LoadGen()
    await loadgen.start()
    try:
        await run_echo(loadgen, first, 10, 10)
        runs = []
        for number in range(rounds):
            runs.append(
                await run_echo(
                    loadgen, first + 100_000 * (number + 1), options.echo_users, options.concurrency
                )
            )
        return runs
    finally:
        await loadgen.close()


# --- 3: start-up ---------------------------------------------------------------------------


async def startup(
    sandbox: SandboxProc, tmp: Path, count: int, runs: int, spy: PySpy
) -> dict[str, Any]:
    """Time to the first getUpdates and peak RSS, with `count` participants and with none."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    webinars = [(f"startup-{n}", now + timedelta(days=10 + 7 * n, hours=14)) for n in range(3)]
    text = series_text(webinars, STARTUP_OFFSETS)
    series_file = tmp / "startup.toml"
    series_file.write_text(text, encoding="utf-8")
    series = parse_series(text)
    seeds = {}
    for label, size in (("empty", 0), ("full", count)):
        seeds[label] = await seed_database(
            tmp / f"startup-{label}.sqlite3",
            series,
            size,
            registered_from=now - timedelta(days=30),
            spread=timedelta(days=29),
            every_webinar=True,
        )
        print(
            f"  seeded {label}: {seeds[label]['participants']:,} participants,"
            f" {seeds[label]['registrations']:,} registrations"
            f" in {seeds[label]['seconds']:.1f} s",
            flush=True,
        )
    results: dict[str, list[dict[str, Any]]] = {"empty": [], "full": []}
    for number in range(runs):
        for label in ("empty", "full"):
            database = tmp / f"startup-run-{label}-{number}.sqlite3"
            shutil.copyfile(tmp / f"startup-{label}.sqlite3", database)
            profile = spy if (label == "full" and number == 0) else PySpy(None)
            results[label].append(
                await _one_start(
                    sandbox, tmp, database, series_file, f"startup-{label}-{number}", profile
                )
            )
            run = results[label][-1]
            print(
                f"  start-up {label:5} #{number + 1}: ready {run['ready_s']:.3f} s,"
                f" peak RSS {run['peak_rss_mb']} MB",
                flush=True,
            )
    planned = count * len(webinars) * len(STARTUP_OFFSETS)

    def summary(label: str) -> dict[str, Any]:
        rows = results[label]
        peaks = [r["peak_rss_mb"] for r in rows if r["peak_rss_mb"] is not None]
        return {
            "participants": seeds[label]["participants"],
            "registrations": seeds[label]["registrations"],
            "ready_s_median": round(statistics.median(r["ready_s"] for r in rows), 3),
            "ready_s": [r["ready_s"] for r in rows],
            "peak_rss_mb_max": max(peaks) if peaks else None,
            "runs": rows,
        }

    return {
        "webinars": len(webinars),
        "offsets": list(STARTUP_OFFSETS),
        "planned_reminders": planned,
        "empty": summary("empty"),
        "full": summary("full"),
    }


async def _one_start(
    sandbox: SandboxProc, tmp: Path, database: Path, series_file: Path, name: str, spy: PySpy
) -> dict[str, Any]:
    """Spawn, wait for the first getUpdates, idle one second, read the peak RSS, stop."""
    await sandbox.call("reset")
    bot = await start_bot(tmp, sandbox.api_base_url, database, series_file, name)
    bot.sample_rss()
    await spy.attach(bot.pid, name)
    try:
        snap = await wait_ready(sandbox, bot)
        arrivals = snap["first_arrival"]
        ready_s = arrivals["getUpdates"] - bot.spawned
        await asyncio.sleep(1.0)  # the sweeper's first passes run alongside polling
        peak = bot.peak_rss()
        cpu = bot.cpu()
    finally:
        profile = await spy.detach()
        await bot.stop()
    sampled = max(bot.rss_samples, default=0)
    return {
        "ready_s": round(ready_s, 3),
        "first_request_s": round(min(arrivals.values()) - bot.spawned, 3),
        "requests_before_ready": {k: v for k, v in snap["requests"].items()},
        "peak_rss_mb": round(peak / MB, 1) if peak else round(sampled / MB, 1),
        "sampled_peak_rss_mb": round(sampled / MB, 1),
        "rss_samples": len(bot.rss_samples),
        "cpu_s_until_ready_plus_1s": round(cpu, 3),
        "py_spy": profile,
    }


# --- the whole suite -----------------------------------------------------------------------


async def run_outbox(
    options: OutboxOptions, tmp: Path, progress: Callable[[str], None] = print
) -> dict[str, Any]:
    """Echo baseline, fan-out, start-up, idle cost; return the JSON-ready summary."""
    if not send_rate_setting_exists():
        progress(
            "  note: bot/config.py has no SEND_RATE setting; the bot runs through"
            " benchmarks.botrun with build_application(send_rate=100)"
        )
    # Echo rounds before and after the fan-out, so that drift in a shared machine's speed
    # affects both sides of the ratio alike; the median of all rounds is the baseline.
    before = (options.echo_rounds + 1) // 2
    progress(
        f"echo baseline: {before} round(s) of {options.echo_users} users x 11 texts,"
        f" {options.concurrency} concurrent (and {options.echo_rounds - before} after"
        " the fan-out)"
    )
    echoes = await echo_baseline(options, before, 9_000_000)
    progress(
        "  echo bot CPU per reply: "
        + ", ".join(f"{r.bot_cpu_ms_per_update:.3f}" for r in echoes)
        + " ms"
    )
    sandbox = SandboxProc()
    await sandbox.start()
    spy = PySpy(options.py_spy)
    try:
        progress(
            f"fan-out: one reminder to {options.fan_out:,} participants at"
            f" {SEND_RATE:g}/s, {LATENCY * 1000:g} ms latency"
            f" (about {options.fan_out / SEND_RATE:.0f} s)"
        )
        fan = await fan_out(sandbox, tmp, options.fan_out, options.lead, spy)
        progress(
            f"  delivered {fan['delivered']:,} in {fan['send_span_s']:.1f} s"
            f" ({fan['rate_per_s']:.1f}/s), {fan['rate_limited']} x 429,"
            f" first send {fan['first_send_after_due_s']:+.3f} s after due,"
            f" {fan['cpu']['bot_cpu_ms_per_message']} ms CPU per message"
        )
        if options.echo_rounds > before:
            after = await echo_baseline(options, options.echo_rounds - before, 8_000_000)
            progress(
                "  echo bot CPU per reply after the fan-out: "
                + ", ".join(f"{r.bot_cpu_ms_per_update:.3f}" for r in after)
                + " ms"
            )
            echoes += after
        progress(
            f"start-up: {options.startup:,} participants x 3 webinars x"
            f" {len(STARTUP_OFFSETS)} offsets, {options.startup_runs} run(s) each"
        )
        start = await startup(sandbox, tmp, options.startup, options.startup_runs, spy)
        progress(
            f"idle: {options.idle_participants:,} participants, next reminder a day away,"
            f" {options.idle_seconds:g} s alone"
        )
        await sandbox.call("reset")
        await sandbox.call(
            "add_users", first_id=FIRST_TELEGRAM_ID + 1, count=options.idle_participants
        )
        idle = await measure_idle(
            sandbox.api_base_url, tmp, options.idle_seconds, options.idle_participants
        )
        progress(
            f"  {idle['statements']} database statements in {idle['seconds']:g} s,"
            f" {idle['cpu_s_per_hour']:.2f} CPU s per hour"
        )
    finally:
        await sandbox.close()
    echo_ms = statistics.median(r.bot_cpu_ms_per_update for r in echoes)
    summary = summarise(options, echoes, echo_ms, fan, start)
    summary["idle"] = idle
    summary["checks"]["idle_statements"] = idle["check"]
    return summary


def summarise(
    options: OutboxOptions,
    echoes: list[RunResult],
    echo_ms: float,
    fan: dict[str, Any],
    start: dict[str, Any],
) -> dict[str, Any]:
    """Figures with their targets and verdicts."""
    ours_ms = fan["cpu"]["bot_cpu_ms_per_message"]
    cpu_ratio = ours_ms / echo_ms if ours_ms is not None and echo_ms > 0 else None
    first = fan["first_send_after_due_s"]
    full, empty = start["full"], start["empty"]
    checks = {
        "rate": {
            "value": fan["rate_ratio"],
            "target": f">= {RATE_TARGET}",
            "pass": fan["rate_ratio"] >= RATE_TARGET,
        },
        "rate_limited": {
            "value": fan["rate_limited_share"],
            "target": f"<= {RATE_LIMITED_TARGET:.1%}",
            "pass": fan["rate_limited_share"] is not None
            and fan["rate_limited_share"] <= RATE_LIMITED_TARGET,
        },
        "nothing_lost": {
            "value": fan["lost"]["exactly_one_each"] and fan["lost"]["all_rows_sent"],
            "target": "every chat 1, all sent",
            "pass": fan["lost"]["exactly_one_each"] and fan["lost"]["all_rows_sent"],
        },
        "first_send": {
            "value": first,
            "target": f"<= {FIRST_SEND_TARGET_S:g} s",
            "pass": first is not None and first <= FIRST_SEND_TARGET_S,
        },
        "cpu_ratio": {
            "value": round(cpu_ratio, 3) if cpu_ratio is not None else None,
            "target": f"<= {CPU_RATIO_TARGET}",
            "pass": cpu_ratio is not None and cpu_ratio <= CPU_RATIO_TARGET,
        },
        "startup": {
            "value": full["ready_s_median"],
            "target": f"<= {STARTUP_TARGET_S:g} s",
            "pass": full["ready_s_median"] <= STARTUP_TARGET_S,
        },
        "startup_rss": {
            "value": full["peak_rss_mb_max"],
            "target": f"<= {RSS_TARGET_MB:g} MB",
            "pass": full["peak_rss_mb_max"] is not None
            and full["peak_rss_mb_max"] <= RSS_TARGET_MB,
        },
    }
    return {
        "settings": {
            "send_rate": SEND_RATE,
            "latency_s": LATENCY,
            "fan_out": options.fan_out,
            "startup_participants": options.startup,
            "startup_runs": options.startup_runs,
            "echo_users": options.echo_users,
            "echo_rounds": options.echo_rounds,
            "lead_s": options.lead,
            "cpus": os.cpu_count(),
            "send_rate_setting": send_rate_setting_exists(),
        },
        "checks": checks,
        "fan_out": fan,
        "cpu_per_message": {
            "ours_ms": ours_ms,
            "echo_ms": round(echo_ms, 4),
            "ratio": checks["cpu_ratio"]["value"],
            "echo_runs": [r.as_dict() for r in echoes],
        },
        "startup": {
            **start,
            "data_cost_s": round(full["ready_s_median"] - empty["ready_s_median"], 3),
        },
    }


def table_rows(summary: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The outbox rows of the results table: measure, value, target, verdict."""
    c, fan, cpu, st = (
        summary["checks"],
        summary["fan_out"],
        summary["cpu_per_message"],
        summary["startup"],
    )
    full, empty = st["full"], st["empty"]
    n = fan["participants"]
    share = fan["rate_limited_share"]
    return [
        (
            f"fan-out {n:,}: delivery rate / {SEND_RATE:g} per s",
            f"{fan['rate_ratio']:.3f} ({fan['rate_per_s']:.1f}/s)",
            c["rate"]["target"],
            mark(c["rate"]["pass"]),
        ),
        ("  busiest 1-s window at the sandbox", f"{fan['busiest_second']} sends", "info", ""),
        (
            "  429 answers / sends",
            f"{share:.2%} ({fan['rate_limited']})" if share is not None else "n/a",
            c["rate_limited"]["target"],
            mark(c["rate_limited"]["pass"]),
        ),
        (
            "  nothing lost (1 message per chat, rows sent)",
            f"{fan['lost']['chats_by_messages']} {fan['lost']['outbox_statuses']}",
            c["nothing_lost"]["target"],
            mark(c["nothing_lost"]["pass"]),
        ),
        (
            "  first send after due time",
            _seconds(fan["first_send_after_due_s"]),
            c["first_send"]["target"],
            mark(c["first_send"]["pass"]),
        ),
        (
            "  first sendMessage request after due",
            _seconds(fan["first_request_after_due_s"]),
            "info",
            "",
        ),
        (
            "  bot ready after spawn (due at +lead)",
            f"{fan['ready_after_spawn_s']:.2f} s",
            "info",
            "",
        ),
        (
            "CPU per message ours / echo reply",
            _num(c["cpu_ratio"]["value"]),
            c["cpu_ratio"]["target"],
            mark(c["cpu_ratio"]["pass"]),
        ),
        (
            "  ours / echo CPU ms per message",
            f"{_num(cpu['ours_ms'])} / {cpu['echo_ms']:.3f}",
            "info",
            "",
        ),
        (
            "  echo CPU ms per reply, each round",
            ", ".join(f"{r['bot_cpu_ms_per_update']:.2f}" for r in cpu["echo_runs"]),
            "info",
            "",
        ),
        (
            "  bot CPU utilisation during fan-out",
            f"{fan['cpu']['bot_cpu_utilisation']:.0%}",
            "info",
            "",
        ),
        (
            f"start-up {full['participants']:,} participants ({st['planned_reminders']:,}"
            " reminders)",
            f"{full['ready_s_median']:.3f} s",
            c["startup"]["target"],
            mark(c["startup"]["pass"]),
        ),
        ("  start-up, empty database", f"{empty['ready_s_median']:.3f} s", "info", ""),
        (
            "  per run, full / empty",
            ", ".join(f"{v:.2f}" for v in full["ready_s"])
            + " / "
            + ", ".join(f"{v:.2f}" for v in empty["ready_s"]),
            "info",
            "",
        ),
        (
            f"peak RSS at start-up, {full['participants']:,} participants",
            f"{_num(full['peak_rss_mb_max'])} MB",
            c["startup_rss"]["target"],
            mark(c["startup_rss"]["pass"]),
        ),
        ("  peak RSS, empty database", f"{_num(empty['peak_rss_mb_max'])} MB", "info", ""),
        ("  peak RSS during the fan-out", f"{_num(fan['peak_rss_mb'])} MB", "info", ""),
        *(idle_rows(summary["idle"]) if "idle" in summary else []),
    ]


def _seconds(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.3f} s"


def _num(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.3f}" if value < 10 else f"{value:.1f}"

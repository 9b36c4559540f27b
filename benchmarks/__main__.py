"""Run the benchmarks: `python -m benchmarks [--quick] [--only NAME]`.

registration: our bot against the bare PTB echo bot on complete registrations, and handler
latency over a seeded database. outbox (issue 3): a reminder fan-out at 100 messages/s, the
bot's CPU per delivered message against the echo bot's per reply, start-up with 100,000
participants, and the idle cost (see benchmarks/outbox.py and benchmarks/idle.py). export:
the feedback CSV of 300,000 answers against the sqlite3 shell's, and the XLSX (see
benchmarks/export.py). priority: /help answer time during a 10,000-recipient fan-out at
SEND_RATE=30 (benchmarks/priority.py). attendance: importing a Zoom report of 5,000
connection rows for 3,000 registrants (benchmarks/attendance.py). stats: /stats with 10,000
participants and 3 webinars (benchmarks/stats.py). certificates: 1,000 certificates of
participation as PDFs (benchmarks/certificates.py). All run by default; their tables are
printed together at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import logging
import os
import pstats
import shlex
import statistics
import sys
import tempfile
from pathlib import Path
from typing import Any

from benchmarks.attendance import run_attendance_benchmark
from benchmarks.attendance import table_rows as attendance_rows
from benchmarks.broadcast import RESULTS as BROADCAST_RESULTS
from benchmarks.broadcast import run_broadcast_benchmark
from benchmarks.broadcast import table_rows as broadcast_rows
from benchmarks.certificates import run_certificates_benchmark
from benchmarks.certificates import table_rows as certificate_rows
from benchmarks.echo import run_echo
from benchmarks.export import run_export_benchmark
from benchmarks.export import table_rows as export_table_rows
from benchmarks.harness import LoadGen, LoadGenError, RunResult
from benchmarks.outbox import OutboxOptions, run_outbox, table_rows
from benchmarks.priority import run_priority
from benchmarks.priority import table_rows as priority_rows
from benchmarks.registration import example_series, percentiles_ms, run_registrations
from benchmarks.report import print_rows, print_table, write_json
from benchmarks.seed import seed_database
from benchmarks.stats import RESULTS as STATS_RESULTS
from benchmarks.stats import run_stats_benchmark
from benchmarks.stats import table_rows as stats_rows

RATIO_TARGET = 0.6
P99_TARGET_MS = 20.0
RESULTS = Path(__file__).resolve().parent / "results" / "registration.json"
OUTBOX_RESULTS = Path(__file__).resolve().parent / "results" / "outbox.json"
PRIORITY_RESULTS = Path(__file__).resolve().parent / "results" / "priority.json"
EXPORT_RESULTS = Path(__file__).resolve().parent / "results" / "export.json"
ATTENDANCE_RESULTS = Path(__file__).resolve().parent / "results" / "attendance.json"
CERTIFICATE_RESULTS = Path(__file__).resolve().parent / "results" / "certificates.json"


def parse_args(argv: list[str]) -> argparse.Namespace:
    """Command-line options (--quick shrinks the defaults)."""
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__)
    parser.add_argument(
        "--quick",
        action="store_true",
        help="small run: 40 users, 1,000 seeded; outbox: 1,000 fan-out, 10,000 at start-up",
    )
    parser.add_argument(
        "--only",
        choices=(
            "registration",
            "outbox",
            "export",
            "broadcast",
            "priority",
            "attendance",
            "stats",
            "certificates",
        ),
        help="run one benchmark suite (default: all)",
    )
    parser.add_argument("--participants", type=int, help="registrations per run (default 200)")
    parser.add_argument("--concurrency", type=int, default=50, help="simultaneous users")
    parser.add_argument("--rounds", type=int, help="echo/bot pairs for the ratio (default 2)")
    parser.add_argument("--seeded", type=int, help="participants stored for the latency run")
    parser.add_argument(
        "--latency-concurrency",
        type=int,
        default=1,
        help="simultaneous users in the latency run (1: service time, no queueing)",
    )
    parser.add_argument("--output", type=Path, default=RESULTS, help="JSON results file")
    parser.add_argument("--profile", type=Path, help="cProfile our bot's runs into this file")
    outbox = parser.add_argument_group("outbox")
    outbox.add_argument("--fan-out", type=int, help="reminder recipients (default 10,000)")
    outbox.add_argument(
        "--startup-participants",
        type=int,
        help="participants stored for the start-up run (default 100,000)",
    )
    outbox.add_argument("--startup-runs", type=int, help="start-ups of each kind (default 3)")
    outbox.add_argument(
        "--idle-seconds", type=float, help="idle span measured (default 60; --quick 20)"
    )
    outbox.add_argument(
        "--py-spy",
        type=Path,
        metavar="DIR",
        help="record py-spy profiles of the bot process into DIR",
    )
    outbox.add_argument(
        "--outbox-output",
        type=Path,
        default=OUTBOX_RESULTS,
        help="JSON results file of the outbox benchmarks",
    )
    args = parser.parse_args(argv)
    args.participants = args.participants or (40 if args.quick else 200)
    args.seeded = args.seeded if args.seeded is not None else (1_000 if args.quick else 10_000)
    args.rounds = args.rounds or (1 if args.quick else 2)
    if min(args.participants, args.concurrency, args.rounds, args.latency_concurrency) < 1:
        parser.error("counts must be positive")
    if min(args.fan_out or 1, args.startup_participants or 1, args.startup_runs or 1) < 1:
        parser.error("counts must be positive")
    return args


def quiet_logging() -> None:
    """Warnings only; httpx and PTB would otherwise log every request."""
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
    for name in ("httpx", "httpcore", "telegram", "apscheduler", "aiosqlite"):
        logging.getLogger(name).setLevel(logging.WARNING)


class IdBlocks:
    """Hands out disjoint ranges of simulated user ids, one per run."""

    def __init__(self) -> None:
        self.next = 100_000

    def take(self) -> int:
        """The first id of a fresh block of 100,000 ids."""
        first, self.next = self.next, self.next + 100_000
        return first


async def throughput(
    args: argparse.Namespace,
    loadgen: LoadGen,
    tmp: Path,
    ids: IdBlocks,
    profiler: cProfile.Profile | None,
) -> tuple[list[RunResult], list[RunResult]]:
    """Alternate echo and bot runs (after a small warm-up of each); return both lists."""
    warm = min(args.concurrency, 10)
    await run_echo(loadgen, ids.take(), warm, warm)
    await run_registrations(loadgen, tmp / "warmup.sqlite3", ids.take(), warm, warm)
    echoes, bots = [], []
    for number in range(args.rounds):
        echoes.append(await run_echo(loadgen, ids.take(), args.participants, args.concurrency))
        if profiler is not None:
            profiler.enable()
        try:
            bots.append(
                await run_registrations(
                    loadgen,
                    tmp / f"throughput-{number}.sqlite3",
                    ids.take(),
                    args.participants,
                    args.concurrency,
                )
            )
        finally:
            if profiler is not None:
                profiler.disable()
        print(
            f"  round {number + 1}: echo {echoes[-1].updates_per_s:8.1f} updates/s,"
            f" bot {bots[-1].updates_per_s:8.1f} updates/s",
            flush=True,
        )
    return echoes, bots


async def latency(
    args: argparse.Namespace, loadgen: LoadGen, tmp: Path, ids: IdBlocks
) -> dict[str, Any]:
    """Seed the database, then time every update of new registrations at light and full load."""
    database = tmp / "seeded.sqlite3"
    seeded = await seed_database(database, example_series(), args.seeded)
    print(
        f"  seeded {seeded['participants']:,} participants"
        f" ({seeded['registrations']:,} registrations) in {seeded['seconds']:.2f} s",
        flush=True,
    )
    light: list[float] = []
    light_run = await run_registrations(
        loadgen,
        database,
        ids.take(),
        args.participants,
        args.latency_concurrency,
        timings=light,
        label="bot (seeded, light load)",
    )
    full: list[float] = []
    full_run = await run_registrations(
        loadgen,
        database,
        ids.take(),
        args.participants,
        args.concurrency,
        timings=full,
        label="bot (seeded, full load)",
    )
    return {
        "seed": seeded,
        "light": {
            "concurrency": args.latency_concurrency,
            **percentiles_ms(light),
            "run": light_run.as_dict(),
        },
        "full": {
            "concurrency": args.concurrency,
            **percentiles_ms(full),
            "run": full_run.as_dict(),
        },
    }


def summarise(
    args: argparse.Namespace,
    command: str,
    echoes: list[RunResult],
    bots: list[RunResult],
    lat: dict[str, Any],
) -> dict[str, Any]:
    """All figures, with the ratio and verdicts, as one JSON-ready dict."""
    ratios = [b.updates_per_s / e.updates_per_s for e, b in zip(echoes, bots, strict=True)]
    cpu_ratios = [
        e.bot_cpu_ms_per_update / b.bot_cpu_ms_per_update for e, b in zip(echoes, bots, strict=True)
    ]
    ratio = statistics.median(ratios)
    p99 = lat["light"]["p99_ms"]
    return {
        "command": command,
        "settings": {
            "participants": args.participants,
            "concurrency": args.concurrency,
            "rounds": args.rounds,
            "seeded": args.seeded,
            "latency_concurrency": args.latency_concurrency,
            "updates_per_participant": 11,
            "cpus": os.cpu_count(),
        },
        "throughput": {
            "echo": [r.as_dict() for r in echoes],
            "bot": [r.as_dict() for r in bots],
            "echo_updates_per_s_median": round(
                statistics.median(r.updates_per_s for r in echoes), 2
            ),
            "bot_updates_per_s_median": round(statistics.median(r.updates_per_s for r in bots), 2),
            "ratios": [round(r, 4) for r in ratios],
            "ratio_median": round(ratio, 4),
            "cpu_cost_ratios": [round(r, 4) for r in cpu_ratios],
            "cpu_cost_ratio_median": round(statistics.median(cpu_ratios), 4),
            "target": RATIO_TARGET,
            "pass": ratio >= RATIO_TARGET,
        },
        "latency": {
            **lat,
            "target_p99_ms": P99_TARGET_MS,
            "pass": p99 is not None and p99 <= P99_TARGET_MS,
        },
    }


async def main_async(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """Run everything against one load generator and return the summary."""
    profiler = cProfile.Profile() if args.profile else None
    loadgen = LoadGen()
    await loadgen.start()
    try:
        with tempfile.TemporaryDirectory(prefix="webinar-bench-") as tmpdir:
            tmp, ids = Path(tmpdir), IdBlocks()
            print(
                f"throughput: {args.participants} participants x 11 updates,"
                f" {args.concurrency} concurrent users, {args.rounds} round(s)",
                flush=True,
            )
            echoes, bots = await throughput(args, loadgen, tmp, ids, profiler)
            print(
                f"latency: {args.participants} new registrations over {args.seeded:,}"
                " stored participants",
                flush=True,
            )
            lat = await latency(args, loadgen, tmp, ids)
    finally:
        await loadgen.close()
    if profiler is not None:
        profiler.dump_stats(args.profile)
        out = io.StringIO()
        pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(40)
        print(out.getvalue())
    return summarise(args, command, echoes, bots, lat)


async def outbox_async(args: argparse.Namespace, command: str) -> dict[str, Any]:
    """Run the outbox benchmarks and return their summary."""
    options = OutboxOptions.make(
        args.quick,
        fan_out=args.fan_out,
        startup=args.startup_participants,
        startup_runs=args.startup_runs,
        idle_seconds=args.idle_seconds,
        concurrency=args.concurrency,
        py_spy=args.py_spy,
        output=args.outbox_output,
    )
    with tempfile.TemporaryDirectory(prefix="webinar-bench-outbox-") as tmpdir:
        summary = await run_outbox(options, Path(tmpdir), lambda text: print(text, flush=True))
    return {"command": command, **summary}


def main(argv: list[str] | None = None) -> int:
    """Entry point: print the command, run, print the tables, write the JSON files."""
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(argv)
    python = os.path.relpath(sys.executable)
    python = sys.executable if python.startswith("..") else python
    command = shlex.join([python, "-m", "benchmarks", *argv])
    print(f"$ {command}", flush=True)
    quiet_logging()
    registration: dict[str, Any] | None = None
    outbox: dict[str, Any] | None = None
    export: dict[str, Any] | None = None
    broadcast: dict[str, Any] | None = None
    attendance: dict[str, Any] | None = None
    priority: dict[str, Any] | None = None
    stats: dict[str, Any] | None = None
    certificates: dict[str, Any] | None = None
    try:
        if args.only in (None, "registration"):
            registration = asyncio.run(main_async(args, command))
            write_json(registration, args.output)
        if args.only in (None, "export"):
            with tempfile.TemporaryDirectory(prefix="webinar-bench-export-") as tmpdir:
                export = {
                    "command": command,
                    **run_export_benchmark(
                        args.quick, Path(tmpdir), lambda text: print(text, flush=True)
                    ),
                }
            write_json(export, EXPORT_RESULTS)
        if args.only in (None, "outbox"):
            outbox = asyncio.run(outbox_async(args, command))
            write_json(outbox, args.outbox_output)
        if args.only in (None, "broadcast"):
            with tempfile.TemporaryDirectory(prefix="webinar-bench-broadcast-") as tmpdir:
                broadcast = asyncio.run(
                    run_broadcast_benchmark(
                        args.quick, None, command, Path(tmpdir), lambda t: print(t, flush=True)
                    )
                )
            write_json(broadcast, BROADCAST_RESULTS)
        if args.only in (None, "attendance"):
            with tempfile.TemporaryDirectory(prefix="webinar-bench-attendance-") as tmpdir:
                attendance = {
                    "command": command,
                    **run_attendance_benchmark(
                        args.quick, Path(tmpdir), lambda text: print(text, flush=True)
                    ),
                }
            write_json(attendance, ATTENDANCE_RESULTS)
        if args.only in (None, "priority"):
            with tempfile.TemporaryDirectory(prefix="webinar-bench-priority-") as tmpdir:
                fan_out = args.fan_out or (1_000 if args.quick else 10_000)
                priority = {
                    "command": command,
                    **asyncio.run(
                        run_priority(Path(tmpdir), fan_out, span=20.0 if args.quick else 60.0)
                    ),
                }
            write_json(priority, PRIORITY_RESULTS)
        if args.only in (None, "stats"):
            with tempfile.TemporaryDirectory(prefix="webinar-bench-stats-") as tmpdir:
                stats = {
                    "command": command,
                    **run_stats_benchmark(
                        args.quick, Path(tmpdir), lambda text: print(text, flush=True)
                    ),
                }
            write_json(stats, STATS_RESULTS)
        if args.only in (None, "certificates"):
            with tempfile.TemporaryDirectory(prefix="webinar-bench-certificates-") as tmpdir:
                certificates = {
                    "command": command,
                    **run_certificates_benchmark(
                        args.quick, Path(tmpdir), lambda text: print(text, flush=True)
                    ),
                }
            write_json(certificates, CERTIFICATE_RESULTS)
    except LoadGenError as exc:
        print(f"benchmark aborted: {exc}", file=sys.stderr)
        return 1
    print(f"\n$ {command}")
    if registration is not None:
        print_table(registration)
    if outbox is not None:
        s = outbox["settings"]
        print_rows(
            f"outbox: sandbox limit {s['send_rate']:g} messages/s,"
            f" {s['latency_s'] * 1000:g} ms latency, {s['cpus']} CPUs",
            table_rows(outbox),
        )
    if export is not None:
        s = export["settings"]
        print_rows(
            f"export: feedback of {s['answers']:,} answers ({s['webinars']} webinars),"
            f" baseline {s['baseline']}, {s['cpus']} CPUs",
            export_table_rows(export),
        )
    if broadcast is not None:
        s = broadcast["settings"]
        print_rows(
            f"broadcast: sandbox limit {s['send_rate']:g} messages/s,"
            f" {s['latency_s'] * 1000:g} ms latency, {s['cpus']} CPUs",
            broadcast_rows(broadcast),
        )
    if attendance is not None:
        s = attendance["settings"]
        print_rows(
            f"attendance: Zoom report of {s['rows']:,} connection rows for"
            f" {s['registrants']:,} registrants, {s['cpus']} CPUs",
            attendance_rows(attendance),
        )
    if priority is not None:
        s = priority["settings"]
        print_rows(
            f"replies ahead of bulk: SEND_RATE {s['send_rate']:g}, sandbox limit the same,"
            f" {s['latency_s'] * 1000:g} ms latency",
            priority_rows(priority),
        )
    if stats is not None:
        s = stats["settings"]
        print_rows(
            f"stats: {s['participants']:,} participants x {s['webinars']} webinars,"
            f" {s['runs']} runs, {s['cpus']} CPUs, load average {s['load_average']:.1f}",
            stats_rows(stats),
        )
    if certificates is not None:
        s = certificates["settings"]
        print_rows(
            f"certificates: {s['certificates']:,} PDFs by `webinar-bot certificates`,"
            f" {s['cpus']} CPUs, load average {s['load_average']:g} at the end",
            certificate_rows(certificates),
        )
    for path, summary in (
        (args.output, registration),
        (args.outbox_output, outbox),
        (EXPORT_RESULTS, export),
        (BROADCAST_RESULTS, broadcast),
        (ATTENDANCE_RESULTS, attendance),
        (PRIORITY_RESULTS, priority),
        (STATS_RESULTS, stats),
        (CERTIFICATE_RESULTS, certificates),
    ):
        if summary is not None:
            print(f"results written to {os.path.relpath(path)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Attendance import benchmark: a Zoom participants report of 5,000 connection rows.

A database of 3,000 registrants (85% with an e-mail; names drawn from a small list, so many
are shared) is seeded, and a Zoom report "with meeting data" is written for them: a summary
block, then one row per connection (2,000 people connect twice, overlapping or not; rows in the
waiting room; a few guests). `python -m bot import-attendance` runs on it as a subprocess,
its wall time and peak RSS measured (wait4 and VmHWM). Targets: at most 2 s and 100 MB.
"""

from __future__ import annotations

import asyncio
import os
import random
import sqlite3
import sys
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final

from benchmarks.export import run_measured
from benchmarks.report import mark
from benchmarks.seed import seed_database
from bot.domain.series import parse_series

if TYPE_CHECKING:
    from pathlib import Path

SECONDS_TARGET: Final = 2.0
MEMORY_TARGET_MB: Final = 100.0
REGISTRANTS: Final = 3000
ROWS: Final = 5000
SEED: Final = 1212
SERIES: Final = """[series]
title = "Attendance benchmark"
organizer = "UN regional centre"
timezone = "America/Port_of_Spain"
reminders = ["1d"]
feedback_after = "15m"

[[webinars]]
id = "webinar-1"
title = "Webinar 1"
starts_at = 2027-01-20T10:00:00-04:00
duration = "2h"
join_url = "https://example.org/join/1"
topics = ["Topic"]
"""


def _clock(minutes: int) -> str:
    """A Zoom time on the webinar's day, minutes after 09:30 local."""
    hour, minute = divmod(9 * 60 + 30 + minutes, 60)
    suffix = "AM" if hour < 12 else "PM"
    return f"01/20/2027 {(hour - 1) % 12 + 1:02d}:{minute:02d}:00 {suffix}"


def write_report(database: Path, path: Path, rows: int) -> int:
    """A Zoom participants report for the seeded registrants; returns its connection rows."""
    rng = random.Random(SEED)
    with sqlite3.connect(database) as conn:
        people = conn.execute("SELECT full_name, email FROM participants ORDER BY id").fetchall()
    lines = [
        "Meeting ID,Topic,Start Time,End Time,User Email,Duration (Minutes),Participants,",
        f"85123456789,Webinar 1,{_clock(0)},{_clock(160)},host@example.org,160,{len(people)},",
        "",
        "Name (Original Name),User Email,Join Time,Leave Time,Duration (Minutes),Guest,"
        "Recording Consent,In Waiting Room",
    ]
    written = 0
    while written < rows:
        name, email = people[written % len(people)]
        join = rng.randrange(0, 120)
        leave = min(160, join + rng.randrange(5, 100))
        waiting = "Yes" if rng.random() < 0.03 else "No"
        email = email or ""
        if rng.random() < 0.01:
            name, email = f"Guest {written}", ""
        lines.append(
            f"{name},{email},{_clock(join)},{_clock(leave)},{leave - join},Yes,Y,{waiting}"
        )
        written += 1
    path.write_text("\ufeff" + "\n".join(lines) + "\n", encoding="utf-8")
    return written


def run_attendance_benchmark(quick: bool, tmp: Path, say: Any, runs: int = 3) -> dict[str, Any]:
    """Seed, write the report, import it `runs` times (dry run, then for real); summarise."""
    registrants, rows = (300, 500) if quick else (REGISTRANTS, ROWS)
    series_file, database, report = tmp / "series.toml", tmp / "bot.sqlite3", tmp / "zoom.csv"
    series_file.write_text(SERIES, encoding="utf-8")
    series = parse_series(SERIES, str(series_file))
    asyncio.run(seed_database(database, series, registrants, every_webinar=True))
    written = write_report(database, report, rows)
    say(f"attendance: {registrants:,} registrants, a Zoom report of {written:,} connection rows")
    env = {
        **os.environ,
        "DATABASE_PATH": str(database),
        "SERIES_FILE": str(series_file),
        "BOT_TOKEN": "",
    }
    command = [sys.executable, "-m", "bot", "import-attendance", "webinar-1", str(report)]
    measured = []
    for run in range(runs):
        measured.append(run_measured([*command, "--dry-run"] if run else command, env=env))
        say(
            f"attendance: import {run + 1}: {measured[-1]['seconds']:.2f} s,"
            f" {measured[-1]['peak_rss_mb']:.1f} MB"
        )
    with sqlite3.connect(database) as conn:
        recorded = conn.execute("SELECT COUNT(*) FROM attendance").fetchone()[0]
    slowest = max(m["seconds"] for m in measured)
    peak = max(m["peak_rss_mb"] for m in measured)
    return {
        "settings": {
            "registrants": registrants,
            "rows": written,
            "runs": runs,
            "cpus": os.cpu_count(),
            "window": str(timedelta(minutes=150)),
        },
        "runs": measured,
        "recorded": recorded,
        "slowest_s": slowest,
        "peak_rss_mb": peak,
        "time_pass": slowest <= SECONDS_TARGET,
        "memory_pass": peak <= MEMORY_TARGET_MB,
    }


def table_rows(summary: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The attendance benchmark's (measure, value, target, verdict) rows."""
    return [
        ("attendances recorded", f"{summary['recorded']:,}", "", ""),
        (
            f"import wall time (slowest of {summary['settings']['runs']})",
            f"{summary['slowest_s']:.2f} s",
            f"<= {SECONDS_TARGET:g} s",
            mark(summary["time_pass"]),
        ),
        (
            "import peak memory (VmHWM)",
            f"{summary['peak_rss_mb']:.1f} MB",
            f"<= {MEMORY_TARGET_MB:g} MB",
            mark(summary["memory_pass"]),
        ),
    ]

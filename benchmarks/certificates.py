"""Certificates benchmark (issue 16): 1,000 certificates of participation written as PDFs.

A database of 1,000 participants (names full of Latin accents, half in Spanish) who all
attended one webinar is built with the bot's own stores. Then `python -m bot certificates
WEBINAR --out DIR` runs as a subprocess; its wall time, CPU time and peak RSS are measured with
wait4() and /proc (as the export benchmark does), and every PDF's size is read.
Targets: at most 20 s and 200 MB for the 1,000, and at most 100 KB per PDF.
"""

from __future__ import annotations

import asyncio
import os
import random
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from benchmarks.export import run_measured
from benchmarks.report import mark
from bot.clock import to_iso
from bot.domain.attendance import PLATFORM, replaceable_by
from bot.domain.series import Series, parse_series
from storage.attendance import AttendanceStore, Change
from storage.database import Database
from storage.participants import ParticipantStore
from storage.schedule import ScheduleStore

ROOT: Final = Path(__file__).resolve().parent.parent
START: Final = datetime(2027, 1, 5, 14, 0, tzinfo=UTC)
CERTIFICATES: Final = 1000
SECONDS_TARGET: Final = 20.0
MEMORY_TARGET_MB: Final = 200.0
SIZE_TARGET_KB: Final = 100.0
SECRET: Final = "benchmark-certificate-secret-0123456789"
SEED: Final = 1616
FIRST: Final = ("Zoë", "José", "Ángela", "Łucja", "Søren", "Çağla", "Ñico", "Aurélie", "Jürgen")
LAST: Final = ("Núñez", "Ångström", "Čapková", "Øye", "Güémez", "Şahin", "Dvořák", "Ó Briain")


def series_text() -> str:
    """The example series, giving certificates to attendees."""
    text = (ROOT / "series.example.toml").read_text(encoding="utf-8")
    return text.replace("[series]\n", '[series]\ncertificates = "attended"\n', 1)


async def build_database(path: Path, series: Series, count: int) -> float:
    """Participants who all attended the first webinar; return the seconds it took."""
    started = time.perf_counter()
    rng = random.Random(SEED)
    webinar = series.webinars[0].id
    async with Database(path) as db:
        await ScheduleStore(db).sync(series.webinars, START)
        people, attendance = ParticipantStore(db), AttendanceStore(db)
        for i in range(count):
            participant = await people.create(
                10_000 + i,
                {
                    "language": "es" if i % 2 else "en",
                    "full_name": f"{rng.choice(FIRST)} {rng.choice(LAST)}-{rng.choice(LAST)}",
                    "country": "GY",
                    "institution": "police",
                    "position": "Officer",
                    "sex": "woman",
                    "email": None,
                    "timezone": "America/Guyana",
                    "webinars": [webinar],
                    "consent_at": to_iso(START),
                    "consent_version": "bench",
                },
                START,
            )
            minutes = rng.choice((None, 45, 90, 120))
            await attendance.record(
                webinar,
                [Change(participant.id, True, minutes)],
                PLATFORM,
                "import bench.csv",
                START,
                replaceable_by(PLATFORM),
            )
    return time.perf_counter() - started


def run_certificates_benchmark(quick: bool, tmp: Path, say: Any) -> dict[str, Any]:
    """Build the database, write the certificates once, measure; return the summary."""
    count = CERTIFICATES // 10 if quick else CERTIFICATES
    series_file, database, out = tmp / "series.toml", tmp / "bench.sqlite3", tmp / "pdf"
    series_file.write_text(series_text(), encoding="utf-8")
    series = parse_series(series_text(), str(series_file))
    built = asyncio.run(build_database(database, series, count))
    say(f"certificates: {count:,} attendees stored in {built:.1f} s")
    env = {
        **os.environ,
        "DATABASE_PATH": str(database),
        "SERIES_FILE": str(series_file),
        "CERTIFICATE_SECRET": SECRET,
        "BOT_TOKEN": "",
        "LOG_LEVEL": "WARNING",
    }
    command = [sys.executable, "-m", "bot", "certificates", series.webinars[0].id]
    measured = run_measured([*command, "--out", str(out), "--env-file", os.devnull], env)
    sizes = [path.stat().st_size / 1024 for path in out.iterdir()]
    if len(sizes) != count:
        raise RuntimeError(f"certificates: {len(sizes)} PDFs written, {count} expected")
    seconds_target = SECONDS_TARGET * count / CERTIFICATES
    return {
        "settings": {
            "certificates": count,
            "cpus": os.cpu_count(),
            "load_average": round(os.getloadavg()[0], 2),
        },
        "seconds": measured["seconds"],
        "cpu_s": measured["cpu_s"],
        "peak_rss_mb": measured["peak_rss_mb"],
        "cpu_ms_per_certificate": round(measured["cpu_s"] / count * 1000, 2),
        "largest_kb": round(max(sizes), 1),
        "median_kb": round(statistics.median(sizes), 1),
        "seconds_target": seconds_target,
        "memory_target_mb": MEMORY_TARGET_MB,
        "size_target_kb": SIZE_TARGET_KB,
        "seconds_pass": measured["seconds"] <= seconds_target,
        "memory_pass": measured["peak_rss_mb"] <= MEMORY_TARGET_MB,
        "size_pass": max(sizes) <= SIZE_TARGET_KB,
    }


def table_rows(summary: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The certificates benchmark's (measure, value, target, verdict) rows."""
    n = summary["settings"]["certificates"]
    return [
        (
            f"{n:,} certificates, wall time",
            f"{summary['seconds']:.2f} s",
            f"<= {summary['seconds_target']:g} s",
            mark(summary["seconds_pass"]),
        ),
        (
            "  CPU time (start-up included) / per certificate",
            f"{summary['cpu_s']:.2f} s / {summary['cpu_ms_per_certificate']:.1f} ms",
            "info",
            "",
        ),
        (
            "peak RSS",
            f"{summary['peak_rss_mb']:.0f} MB",
            f"<= {summary['memory_target_mb']:g} MB",
            mark(summary["memory_pass"]),
        ),
        (
            "largest PDF (median)",
            f"{summary['largest_kb']:.1f} KB ({summary['median_kb']:.1f} KB)",
            f"<= {summary['size_target_kb']:g} KB",
            mark(summary["size_pass"]),
        ),
    ]

"""/stats benchmark: 10,000 participants and 3 webinars (1,000 with --quick).

The database of the export benchmark (every participant registered for the 3 webinars, with
attendance, a completed survey and 10 answers each) is built by SQL. Then, in this process and
as the /stats handler does it, the numbers are read from a read-only snapshot and the message
is rendered (the answer that replaces "Preparing the statistics…"), and the 5 charts are drawn
(sent after it). Each round is timed by the wall clock and by this process's CPU time; the first
round pays the import of matplotlib and is reported apart. Target: the answer within 2 s.
"""

from __future__ import annotations

import os
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from benchmarks.export import ANSWERS_PER_RESPONSE, WEBINARS, build_database, series_toml
from benchmarks.report import mark
from bot.domain.series import parse_series
from bot.render.texts import Texts
from bot.reporting.stats_message import read_summary, stats_charts, stats_text

ANSWER_TARGET_S: Final = 2.0
RESULTS: Final = Path(__file__).resolve().parent / "results" / "stats.json"
AFTER_THE_SERIES: Final = datetime(2027, 12, 1, tzinfo=UTC)


def _round(database: Path, series: Any, texts: Texts) -> dict[str, float]:
    """One /stats: seconds (wall and CPU) to the message, and to the last chart."""
    wall, cpu = time.perf_counter(), time.process_time()
    summary = read_summary(database, series)
    stats_text(summary, series, texts, "en", AFTER_THE_SERIES)
    answer_wall, answer_cpu = time.perf_counter() - wall, time.process_time() - cpu
    charts = stats_charts(summary, series, texts, "en", AFTER_THE_SERIES)
    assert len(charts) == 5
    return {
        "answer_s": answer_wall,
        "answer_cpu_s": answer_cpu,
        "total_s": time.perf_counter() - wall,
        "total_cpu_s": time.process_time() - cpu,
    }


def run_stats_benchmark(quick: bool, tmp: Path, say: Any, runs: int = 5) -> dict[str, Any]:
    """Build the database, run /stats's work `runs` times after a first round; summarise."""
    participants = 1_000 if quick else 10_000
    series = parse_series(series_toml())
    database = tmp / "stats.sqlite3"
    built = build_database(database, series, participants * WEBINARS * ANSWERS_PER_RESPONSE)
    say(
        f"stats: {built['participants']:,} participants x {WEBINARS} webinars built in"
        f" {built['seconds']:.1f} s"
    )
    texts = Texts()
    first = _round(database, series, texts)
    rounds = []
    for number in range(runs):
        rounds.append(_round(database, series, texts))
        say(
            f"  round {number + 1}: message {rounds[-1]['answer_s']:.2f} s,"
            f" with charts {rounds[-1]['total_s']:.2f} s"
        )
    median = {key: statistics.median(r[key] for r in rounds) for key in rounds[0]}
    return {
        "settings": {
            "participants": built["participants"],
            "webinars": WEBINARS,
            "runs": runs,
            "cpus": os.cpu_count(),
            "load_average": os.getloadavg()[0],
        },
        "first": first,
        "median": median,
        "target_answer_s": ANSWER_TARGET_S,
        "pass": median["answer_s"] <= ANSWER_TARGET_S,
    }


def table_rows(summary: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The rows of the printed table."""
    median, first = summary["median"], summary["first"]
    return [
        (
            "/stats message, wall (median)",
            f"{median['answer_s']:.2f} s",
            f"<= {summary['target_answer_s']:g} s",
            mark(summary["pass"]),
        ),
        ("/stats message, CPU (median)", f"{median['answer_cpu_s']:.2f} s", "info", ""),
        ("message + 5 charts, wall (median)", f"{median['total_s']:.2f} s", "info", ""),
        ("message + 5 charts, CPU (median)", f"{median['total_cpu_s']:.2f} s", "info", ""),
        ("first /stats (imports matplotlib), wall", f"{first['total_s']:.2f} s", "info", ""),
    ]

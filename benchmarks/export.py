"""Export benchmark: our feedback CSV against the sqlite3 shell's own CSV of the same rows.

A database of 3 webinars x 10,000 participants x 10 answers (300,000 answers; 30,000 with
--quick) is built by SQL. Then, in the same run and alternating, `python -m bot export feedback
--format csv` runs as a subprocess and the `sqlite3` command-line shell prints the same SELECT
(the one the export runs, per webinar) with `-csv -header`. Wall time and peak RSS are taken
per process with wait4(). The XLSX export of the same rows is timed and measured too.
Targets: our CSV time <= 2x the shell's, our peak memory <= 150 MB.
"""

from __future__ import annotations

import asyncio
import csv
import os
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from benchmarks.report import mark
from benchmarks.seed import seed_database
from bot.clock import to_iso
from bot.domain.series import Series, parse_series
from storage.report_queries import FEEDBACK_SQL

if TYPE_CHECKING:
    from pathlib import Path

TIME_RATIO_TARGET: Final = 2.0
MEMORY_TARGET_MB: Final = 150.0
WEBINARS: Final = 3
TOPICS: Final = 7  # default questions: overall, 7 topics, most useful, 2 texts = 11
ANSWERS_PER_RESPONSE: Final = 10
SEED: Final = 4242
TEXTS: Final = (
    "More on ballistic imaging, please.",
    "Regional data sharing",
    "=1+1",
    "Training for customs officers",
    "-2",
    "@SUM(A1)",
    "Más sesiones en español",
    "Funding for forensic laboratories",
    "+cmd",
    "A follow-up webinar",
)


def series_toml() -> str:
    """A series of WEBINARS webinars, each with TOPICS topics (so 11 default questions)."""
    parts = [
        '[series]\ntitle = "Export benchmark"\norganizer = "UN regional centre"\n'
        'timezone = "America/Port_of_Spain"\nreminders = ["1d"]\nfeedback_after = "15m"\n'
    ]
    for n in range(1, WEBINARS + 1):
        topics = ", ".join(f'"Topic {n}.{t}"' for t in range(1, TOPICS + 1))
        parts.append(
            f'[[webinars]]\nid = "webinar-{n}"\ntitle = "Webinar {n}"\n'
            f'starts_at = 2027-0{n}-20T10:00:00-04:00\nduration = "2h"\n'
            f'join_url = "https://example.org/join/{n}"\ntopics = [{topics}]\n'
        )
    return "\n".join(parts)


def build_database(path: Path, series: Series, answers: int) -> dict[str, Any]:
    """Participants registered for every webinar, each with a response of 10 answers."""
    started = time.perf_counter()
    participants = max(1, answers // (WEBINARS * ANSWERS_PER_RESPONSE))
    asyncio.run(seed_database(path, series, participants, every_webinar=True))
    rng = random.Random(SEED)
    conn = sqlite3.connect(path)
    stamp = to_iso(datetime(2027, 4, 1, tzinfo=UTC))
    responses, rows, attendance = [], [], []
    for w_index, webinar in enumerate(series.webinars):
        keys = [q.key for q in webinar.questions]
        for pid in range(1, participants + 1):
            rid = w_index * participants + pid
            responses.append((rid, webinar.id, pid, "completed", stamp))
            attendance.append((pid, webinar.id, 1, "survey", rng.randint(10, 120), stamp))
            for key in rng.sample(keys, ANSWERS_PER_RESPONSE):
                value = (
                    str(rng.randint(1, 5))
                    if key == "overall" or key.startswith("topic_")
                    else str(rng.randrange(TOPICS))
                    if key == "most_useful"
                    else rng.choice(TEXTS)
                )
                answered = webinar.ends_at + timedelta(minutes=rng.randrange(10_000))
                rows.append((rid, key, value, to_iso(answered)))
    with conn:
        conn.executemany(
            "INSERT INTO responses(id, webinar_id, participant_id, status,"
            " updated_at) VALUES (?, ?, ?, ?, ?)",
            responses,
        )
        conn.executemany(
            "INSERT INTO answers(response_id, question_key, value, answered_at)"
            " VALUES (?, ?, ?, ?)",
            rows,
        )
        conn.executemany(
            "INSERT INTO attendance(participant_id, webinar_id, attended, source,"
            " minutes, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
            attendance,
        )
        conn.execute(
            "UPDATE participants SET telegram_id = NULL, full_name = NULL,"
            " position = NULL, email = NULL, erased_at = ? WHERE id % 100 = 0",
            (stamp,),
        )
    conn.close()
    return {
        "participants": participants,
        "answers": len(rows),
        "seconds": round(time.perf_counter() - started, 2),
    }


def _high_water_kb(pid: int) -> int:
    """A process's peak resident memory so far (VmHWM), 0 once it is gone."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1])
    except (OSError, ValueError):
        pass
    return 0


def run_measured(
    command: list[str],
    env: dict[str, str] | None = None,
    stdin: Path | None = None,
    stdout: Path | None = None,
) -> dict[str, float]:
    """Run a process to the end: its wall time, CPU time (wait4) and peak RSS (VmHWM).

    The peak is sampled from /proc every 5 ms: ru_maxrss would include the memory of this
    (large) benchmark process, inherited by the child at fork.
    """
    handle_in = stdin.open("rb") if stdin else subprocess.DEVNULL
    handle_out = stdout.open("wb") if stdout else subprocess.DEVNULL
    peak_kb = 0
    try:
        started = time.perf_counter()
        process = subprocess.Popen(
            command, env=env, stdin=handle_in, stdout=handle_out, stderr=subprocess.PIPE
        )
        while True:
            peak_kb = max(peak_kb, _high_water_kb(process.pid))
            pid, status, usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            time.sleep(0.005)
        wall = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        error = process.stderr.read().decode() if process.stderr else ""
    finally:
        for handle in (handle_in, handle_out):
            if not isinstance(handle, int):
                handle.close()
    if process.returncode != 0:
        raise RuntimeError(f"{command[0]} failed ({process.returncode}): {error.strip()}")
    return {
        "seconds": round(wall, 3),
        "cpu_s": round(usage.ru_utime + usage.ru_stime, 3),
        "peak_rss_mb": round(peak_kb / 1024, 1),
    }


def shell_script(series: Series, path: Path) -> None:
    """The sqlite3 shell's input: CSV mode, a header once, the export's SELECT per webinar."""
    lines = [".mode csv", ".headers on"]
    for number, webinar in enumerate(series.webinars):
        if number == 1:
            lines.append(".headers off")
        lines.append(FEEDBACK_SQL.replace("?", f"'{webinar.id}'") + ";")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def count_csv_rows(path: Path) -> int:
    """Data rows of a CSV file (header excluded)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return sum(1 for _ in csv.reader(handle)) - 1


def run_export_benchmark(quick: bool, tmp: Path, say: Any, runs: int = 3) -> dict[str, Any]:
    """Build the database, time both CSVs alternately, then the XLSX; return the summary."""
    answers = 30_000 if quick else 300_000
    series_file, database = tmp / "series.toml", tmp / "export.sqlite3"
    series_file.write_text(series_toml(), encoding="utf-8")
    series = parse_series(series_toml(), str(series_file))
    built = build_database(database, series, answers)
    say(
        f"export: {built['answers']:,} answers of {built['participants']:,} participants x"
        f" {WEBINARS} webinars built in {built['seconds']:.1f} s"
    )
    env = {
        **os.environ,
        "DATABASE_PATH": str(database),
        "SERIES_FILE": str(series_file),
        "BOT_TOKEN": "",
        "LOG_LEVEL": "WARNING",
    }
    ours_csv, shell_csv, script = tmp / "ours.csv", tmp / "shell.csv", tmp / "shell.sql"
    shell_script(series, script)
    shell = shutil.which("sqlite3")
    export = [sys.executable, "-m", "bot", "export", "feedback", "--env-file", os.devnull]
    ours, floor = [], []
    for number in range(runs):
        ours.append(run_measured([*export, "--format", "csv", "--out", str(ours_csv)], env))
        if shell:
            floor.append(
                run_measured([shell, "-readonly", str(database)], stdin=script, stdout=shell_csv)
            )
        else:
            floor.append(
                run_measured(
                    [
                        sys.executable,
                        "-c",
                        _PYTHON_FLOOR,
                        str(database),
                        str(shell_csv),
                        *(w.id for w in series.webinars),
                    ]
                )
            )
        say(
            f"  round {number + 1}: ours {ours[-1]['seconds']:.2f} s"
            f" ({ours[-1]['peak_rss_mb']:.0f} MB), {'sqlite3 shell' if shell else 'python'}"
            f" {floor[-1]['seconds']:.2f} s"
        )
    startup = run_measured(
        [sys.executable, "-c", "import bot.cli.main, bot.reporting.export_rows"], env
    )
    rows_ours, rows_floor = count_csv_rows(ours_csv), count_csv_rows(shell_csv)
    xlsx = run_measured([*export, "--format", "xlsx", "--out", str(tmp / "ours.xlsx")], env)
    say(f"  xlsx: {xlsx['seconds']:.2f} s ({xlsx['peak_rss_mb']:.0f} MB)")
    ours_s = statistics.median(r["seconds"] for r in ours)
    floor_s = statistics.median(r["seconds"] for r in floor)
    peak = max(r["peak_rss_mb"] for r in ours)
    ratio = ours_s / floor_s
    return {
        "settings": {
            "answers": built["answers"],
            "participants": built["participants"],
            "webinars": WEBINARS,
            "runs": runs,
            "cpus": os.cpu_count(),
            "baseline": "sqlite3 shell -csv"
            if shell
            else "python sqlite3 + csv (sqlite3 shell not installed)",
            "sqlite3_shell": shell,
        },
        "rows": {"ours": rows_ours, "baseline": rows_floor},
        "csv": {
            "ours": ours,
            "baseline": floor,
            "ours_median_s": round(ours_s, 3),
            "baseline_median_s": round(floor_s, 3),
            "time_ratio": round(ratio, 3),
            "time_ratio_target": TIME_RATIO_TARGET,
            "time_pass": ratio <= TIME_RATIO_TARGET,
            "peak_rss_mb": peak,
            "memory_target_mb": MEMORY_TARGET_MB,
            "memory_pass": peak <= MEMORY_TARGET_MB,
        },
        "xlsx": xlsx,
        "python_startup": startup,
    }


_PYTHON_FLOOR: Final = """
import csv, sqlite3, sys
from storage.report_queries import FEEDBACK_SQL
conn = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
with open(sys.argv[2], "w", newline="") as out:
    writer = csv.writer(out)
    for n, webinar in enumerate(sys.argv[3:]):
        cursor = conn.execute(FEEDBACK_SQL, (webinar,))
        if n == 0:
            writer.writerow([d[0] for d in cursor.description])
        writer.writerows(cursor)
"""


def table_rows(summary: dict[str, Any]) -> list[tuple[str, str, str, str]]:
    """The export benchmark's (measure, value, target, verdict) rows."""
    c, s, x = summary["csv"], summary["settings"], summary["xlsx"]
    base = "sqlite3 shell" if s["sqlite3_shell"] else "python csv floor"
    return [
        (f"{base} CSV (median of {s['runs']})", f"{c['baseline_median_s']:.2f} s", "", ""),
        ("our feedback CSV (median)", f"{c['ours_median_s']:.2f} s", "", ""),
        (
            f"time ours / {base}",
            f"{c['time_ratio']:.2f}",
            f"<= {c['time_ratio_target']:g}",
            mark(c["time_pass"]),
        ),
        (
            "  of which Python start-up and imports",
            f"{summary['python_startup']['seconds']:.2f} s",
            "info",
            "",
        ),
        (
            "CPU time ours / baseline (median)",
            f"{statistics.median(r['cpu_s'] for r in c['ours']):.2f} /"
            f" {statistics.median(r['cpu_s'] for r in c['baseline']):.2f} s",
            "info",
            "",
        ),
        (
            "our CSV peak RSS",
            f"{c['peak_rss_mb']:.0f} MB",
            f"<= {c['memory_target_mb']:g} MB",
            mark(c["memory_pass"]),
        ),
        (
            "rows ours / baseline",
            f"{summary['rows']['ours']:,} / {summary['rows']['baseline']:,}",
            "equal",
            mark(summary["rows"]["ours"] == summary["rows"]["baseline"]),
        ),
        ("our feedback XLSX", f"{x['seconds']:.2f} s, {x['peak_rss_mb']:.0f} MB", "info", ""),
    ]

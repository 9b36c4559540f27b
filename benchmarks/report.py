"""The results table and the JSON file."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pathlib import Path


def mark(passed: bool) -> str:
    """PASS or FAIL."""
    return "PASS" if passed else "FAIL"


def print_table(summary: dict[str, Any]) -> None:
    """Print the measured figures next to their targets."""
    t, lat, s = summary["throughput"], summary["latency"], summary["settings"]
    light, full = lat["light"], lat["full"]
    rows: list[tuple[str, str, str, str]] = [
        ("echo bot updates/s (median)", f"{t['echo_updates_per_s_median']:.1f}", "", ""),
        ("our bot updates/s (median)", f"{t['bot_updates_per_s_median']:.1f}", "", ""),
        (
            "throughput ratio ours/echo (median)",
            f"{t['ratio_median']:.2f}",
            f">= {t['target']}",
            mark(t["pass"]),
        ),
        ("  per round", ", ".join(f"{r:.2f}" for r in t["ratios"]), "", ""),
        ("CPU per update echo/ours (median)", f"{t['cpu_cost_ratio_median']:.2f}", "info", ""),
        (
            "  echo / ours CPU ms per update",
            f"{t['echo'][0]['bot_cpu_ms_per_update']:.2f} / "
            f"{t['bot'][0]['bot_cpu_ms_per_update']:.2f}",
            "info",
            "",
        ),
        (
            f"handler p50, {s['seeded']:,} stored, {light['concurrency']} users",
            f"{light['p50_ms']:.2f} ms",
            "info",
            "",
        ),
        (
            f"handler p99, {s['seeded']:,} stored, {light['concurrency']} users",
            f"{light['p99_ms']:.2f} ms",
            f"<= {lat['target_p99_ms']:g} ms",
            mark(lat["pass"]),
        ),
        (
            f"handler p50 / p99, {full['concurrency']} users (saturated)",
            f"{full['p50_ms']:.2f} / {full['p99_ms']:.2f} ms",
            "info",
            "",
        ),
    ]
    print_rows(
        f"registration: {s['participants']} participants x"
        f" {s['updates_per_participant']} updates, {s['concurrency']} concurrent users,"
        f" {s['rounds']} round(s), {s['cpus']} CPUs",
        rows,
    )


def print_rows(title: str, rows: list[tuple[str, str, str, str]]) -> None:
    """Print a titled table of (measure, value, target, verdict) rows."""
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    heading = ("measure", "value", "target", "")
    widths = [max(w, len(h)) for w, h in zip(widths, heading, strict=True)]
    line = "  ".join("-" * w for w in widths)
    print()
    print(title)
    print(line)
    for row in (heading, *rows):
        print("  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip())
    print(line)


def write_json(summary: dict[str, Any], path: Path) -> None:
    """Write the summary as indented JSON, creating the folder."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(summary, indent=2) + "\n", encoding="utf-8")

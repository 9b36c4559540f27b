"""`webinar-bot export feedback|participants|attendance|questions --format csv|xlsx|json`."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from bot.config import ConfigError, load_settings
from bot.domain.series import SeriesError, load_series
from bot.reporting.export_rows import FORMATS, KINDS, ExportError, Progress
from bot.reporting.export_writers import ExportRequest, run_export

if TYPE_CHECKING:
    import argparse

PROGRESS_FROM: Final = 50_000  # rows; smaller exports finish before a bar would help


def add_export_parser(sub: Any) -> None:
    """Register the `export` subcommand on the CLI's subparsers."""
    parser = sub.add_parser(
        "export",
        help="export participants, attendance, feedback or questions (CSV, XLSX, JSON)",
        description="Export from the bot's database (read-only). Participants erased with "
        "/forget appear in no export; their answers remain without identity.",
    )
    parser.add_argument("kind", choices=KINDS, help="what to export")
    parser.add_argument(
        "--format", dest="fmt", choices=FORMATS, default="csv", help="file format (default csv)"
    )
    parser.add_argument("--webinar", metavar="ID", help="only this webinar (default: all)")
    parser.add_argument(
        "--out",
        type=Path,
        metavar="FILE",
        help="output file (default: standard output; required for xlsx)",
    )
    parser.add_argument("--env-file", default=".env", help="settings file (default .env)")
    parser.set_defaults(func=export)


def _progress_bar(total: int) -> Progress | None:
    """A progress bar on stderr for a large export when stderr is a terminal."""
    if total < PROGRESS_FROM or not sys.stderr.isatty():
        return None
    from tqdm import tqdm  # start-up cost: imported only when a bar is shown

    bar = tqdm(total=total, unit=" rows", unit_scale=True, file=sys.stderr, leave=False)
    return bar.update


def export(args: argparse.Namespace) -> int:
    """Run one export; a problem is one line on stderr and exit status 2."""
    if args.fmt == "xlsx" and args.out is None:
        print("webinar-bot: --out: an XLSX export needs a file (--out FILE)", file=sys.stderr)
        return 2
    try:
        settings = load_settings(env_file=Path(args.env_file))
        series = load_series(settings.series_file)
        rows = run_export(
            settings.database_path,
            series,
            ExportRequest(args.kind, args.fmt, args.webinar, args.out),
            stdout=sys.stdout.buffer,
            on_total=_progress_bar,
        )
    except (ConfigError, SeriesError, ExportError) as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 1
    if args.out is not None:
        print(f"webinar-bot: {rows} rows written to {args.out}", file=sys.stderr)
    return 0

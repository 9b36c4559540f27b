"""`webinar-bot report [--webinar ID] --format md|html [--out FILE]`."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

from bot.config import ConfigError, load_settings
from bot.domain.series import SeriesError, load_series
from bot.reporting.export_rows import ExportError
from bot.reporting.narrative import FORMATS, make_report


def add_report_parser(sub: Any) -> None:
    """Register the `report` subcommand on the CLI's subparsers."""
    parser = sub.add_parser(
        "report",
        help="write the narrative report of the series or a webinar (md, html)",
        description="Write a report of the series (or one webinar) from the bot's database "
        "(read-only): who took part, from where, the topics and the feedback.",
    )
    parser.add_argument("--webinar", metavar="ID", help="only this webinar (default: the series)")
    parser.add_argument(
        "--format",
        dest="fmt",
        choices=FORMATS,
        default="md",
        help="md (Markdown) or html (with charts); default md",
    )
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="output file (default: standard output)"
    )
    parser.add_argument("--env-file", default=".env", help="settings file (default .env)")
    parser.set_defaults(func=report)


def _write(path: Path, text: str) -> None:
    """Write the file beside its place and move it there (no half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="") as out:
            out.write(text)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def report(args: argparse.Namespace) -> int:
    """Write the report; a problem is one line on stderr and exit status 2."""
    try:
        settings = load_settings(env_file=Path(args.env_file))
        series = load_series(settings.series_file)
        text = make_report(settings.database_path, series, args.webinar, args.fmt)
        if args.out is not None:
            _write(args.out, text)
    except (ConfigError, SeriesError, ExportError) as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"webinar-bot: --out: cannot write {args.out} ({exc.strerror or exc})", file=sys.stderr
        )
        return 2
    if args.out is None:
        sys.stdout.buffer.write(text.encode("utf-8"))
        sys.stdout.flush()
    else:
        print(f"webinar-bot: report written to {args.out}", file=sys.stderr)
    return 0

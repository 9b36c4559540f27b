"""`webinar-bot report [--webinar ID] [--as-of WHEN] --format md|html|docx [--out FILE]`."""

from __future__ import annotations

import os
import sys
import tempfile
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.clock import SystemClock
from bot.config import ConfigError, load_settings
from bot.domain.series import SeriesError, load_series
from bot.reporting.export_rows import REPORT_FORMATS, ExportError

if TYPE_CHECKING:
    import argparse
    from zoneinfo import ZoneInfo


def add_report_parser(sub: Any) -> None:
    """Register the `report` subcommand on the CLI's subparsers."""
    parser = sub.add_parser(
        "report",
        help="write the narrative report of the series or a webinar (md, html, docx)",
        description="Write a report of the series (or one webinar) from the bot's database "
        "(read-only): who took part, from where, the topics and the feedback.",
    )
    parser.add_argument("--webinar", metavar="ID", help="only this webinar (default: the series)")
    parser.add_argument(
        "--format",
        dest="fmt",
        choices=REPORT_FORMATS,
        default="md",
        help="md (Markdown), html (with charts) or docx (Word, with charts; needs --out); "
        "default md",
    )
    parser.add_argument(
        "--as-of",
        metavar="WHEN",
        help="describe the series as it stood then: a date (the end of that day in the "
        "organizers' time zone) or a date-time with its UTC offset; default now",
    )
    parser.add_argument(
        "--out", type=Path, metavar="FILE", help="output file (default: standard output)"
    )
    parser.add_argument("--env-file", default=".env", help="settings file (default .env)")
    parser.set_defaults(func=report)


def _write(path: Path, data: bytes) -> None:
    """Write the file beside its place and move it there (no half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        Path(temporary).replace(path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def as_of(value: str | None, zone: ZoneInfo) -> datetime:
    """The moment the report describes: now, the end of a local day, or an exact moment."""
    if value is None:
        return SystemClock().now()
    try:
        if len(value) == len("2027-01-20"):
            day = datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=zone).date()
            end = datetime.combine(day + timedelta(days=1), time(), tzinfo=zone)
            return (end - timedelta(seconds=1)).astimezone(UTC)
        moment = datetime.fromisoformat(value)
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise ConfigError(
            f"--as-of: {value!r} is neither a date (2027-01-20) nor a date-time with its "
            "UTC offset (2027-01-20T12:00:00-04:00)"
        )
    return moment.astimezone(UTC)


def report(args: argparse.Namespace) -> int:
    """Write the report; a problem is one line on stderr and exit status 2."""
    # Imported here for start-up cost: Babel, Jinja2 and the charts only when a report is made.
    from bot.reporting.narrative import make_report_file

    try:
        if args.fmt == "docx" and args.out is None:
            raise ConfigError("--format docx: a Word document needs --out FILE")
        settings = load_settings(env_file=Path(args.env_file))
        series = load_series(settings.series_file)
        now = as_of(args.as_of, series.timezone)
        data = make_report_file(settings.database_path, series, args.webinar, args.fmt, now)
        if args.out is not None:
            _write(args.out, data)
    except (ConfigError, SeriesError, ExportError) as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(
            f"webinar-bot: --out: cannot write {args.out} ({exc.strerror or exc})", file=sys.stderr
        )
        return 2
    if args.out is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
    else:
        print(f"webinar-bot: report written to {args.out}", file=sys.stderr)
    return 0

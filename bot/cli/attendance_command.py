"""`webinar-bot import-attendance WEBINAR_ID FILE [--dry-run]`: a platform's attendance report."""

from __future__ import annotations

import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import ConfigError, load_settings
from bot.domain.series import SeriesError, load_series
from bot.reporting.attendance.reading import MAX_BYTES, AttendanceFileError

if TYPE_CHECKING:
    import argparse


def add_attendance_parser(sub: Any) -> None:
    """Register `import-attendance` on the CLI's subparsers."""
    parser = sub.add_parser(
        "import-attendance",
        help="record attendance from a Zoom, Teams, Google Meet or Webex attendance report",
        description="Read a platform's attendance report (CSV), match its rows to the webinar's"
        " registrants and record who attended, with their minutes. Prints what it understood;"
        " changes nothing when the file cannot be trusted.",
    )
    parser.add_argument("webinar_id", help="the webinar's id in the series file")
    parser.add_argument("file", type=Path, help="the platform's attendance report (CSV)")
    parser.add_argument(
        "--dry-run", action="store_true", help="print what would be recorded; write nothing"
    )
    parser.add_argument("--env-file", default=".env", help="settings file (default .env)")
    parser.set_defaults(func=import_attendance)


def import_attendance(args: argparse.Namespace) -> int:
    """Import the report; a problem is one line on stderr, exit status 2, nothing changed."""
    import asyncio  # start-up cost: the event loop only when a report is imported

    try:
        return asyncio.run(_import(args))
    except (ConfigError, SeriesError, AttendanceFileError) as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return 2


def _read(path: Path) -> bytes:
    """The file's bytes, refused when missing or over the size limit."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise AttendanceFileError(f"{path}: larger than {MAX_BYTES // 1024 // 1024} MB")
        return path.read_bytes()
    except OSError as exc:
        raise AttendanceFileError(f"{path}: {exc.strerror or exc}") from None


async def _import(args: argparse.Namespace) -> int:
    """Plan, print, and (unless --dry-run) write."""
    # Imported here for start-up cost: the report readers and the database only when a report
    # is imported.
    from bot.reporting.attendance.importing import apply, prepare
    from bot.reporting.attendance.summary import summary_lines
    from storage.attendance import AttendanceStore
    from storage.database import Database

    settings = load_settings(env_file=Path(args.env_file))
    series = load_series(settings.series_file)
    webinar = series.webinar(args.webinar_id)
    if webinar is None:
        known = ", ".join(w.id for w in series.webinars)
        raise AttendanceFileError(f"no webinar {args.webinar_id!r} in the series (known: {known})")
    if not settings.database_path.exists():
        raise AttendanceFileError(f"DATABASE_PATH: {settings.database_path} does not exist")
    raw = _read(args.file)
    db = Database(settings.database_path)
    await db.open()
    try:
        store = AttendanceStore(db)
        try:
            plan = await prepare(store, series, webinar, raw)
        except AttendanceFileError as exc:
            raise AttendanceFileError(f"{args.file}: {exc}; nothing recorded") from None
        print(f"{args.file} for webinar {webinar.id} ({webinar.title}):")
        print("\n".join(summary_lines(plan, series.timezone, series.attendance_min_minutes)))
        if args.dry_run:
            print("Dry run: nothing recorded.")
            return 0
        changed, kept = await apply(
            store, webinar, plan, f"import {args.file.name}", datetime.now(UTC)
        )
    finally:
        await db.close()
    same = len(plan.attendees) - changed - kept
    kept_note = f"; {kept} kept as corrected by an organizer" if kept else ""
    print(f"Recorded: {changed} changed, {same} already so{kept_note}.")
    return 0

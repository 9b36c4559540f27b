"""`webinar-bot certificates WEBINAR_ID --out DIR` and `webinar-bot verify CODE`.

Each prints one line of result; a problem is one line on stderr and exit status 2. `verify`
exits 0 for a genuine code and 1 for a forged one.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from bot.config import ConfigError, Settings, load_settings, require_certificate_secret
from bot.domain.overrides import series_with_overrides
from bot.domain.series import Series, SeriesError, load_series
from storage.schema_versions import MigrationError

if TYPE_CHECKING:
    import argparse

    from bot.delivery.certificates import Verdict
    from storage.attendance import Attendee

EXIT_GENUINE = 0
EXIT_FORGED = 1
EXIT_PROBLEM = 2


class CommandError(Exception):
    """A problem to report in one line."""


def add_certificate_parsers(sub: Any) -> None:
    """Register the `certificates` and `verify` subcommands on the CLI's subparsers."""
    parser = sub.add_parser(
        "certificates",
        help="write the certificates of participation of a webinar as PDF files",
        description="Write the PDF certificate of every participant eligible for one webinar "
        "into a folder (one file per participant, named with their number and code).",
    )
    parser.add_argument("webinar", metavar="WEBINAR_ID", help="the webinar's id")
    parser.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder")
    parser.add_argument("--env-file", default=".env", help="settings file (default .env)")
    parser.set_defaults(func=certificates)
    verify = sub.add_parser(
        "verify",
        help="say whether a certificate's verification code is genuine, and for whom",
        description="Check a verification code with CERTIFICATE_SECRET and the series file "
        "(exit 0: genuine, 1: not genuine, 2: not a code); name the participant from the "
        "database when there is one.",
    )
    verify.add_argument("code", metavar="CODE", help="the code printed on the certificate")
    verify.add_argument("--env-file", default=".env", help="settings file (default .env)")
    verify.set_defaults(func=verify_command)


def _setup(args: argparse.Namespace) -> tuple[Settings, Series, str]:
    """Settings, series and the certificates' key."""
    settings = load_settings(env_file=Path(args.env_file))
    series = load_series(settings.series_file)
    return settings, series, require_certificate_secret(settings)


def _database(settings: Settings) -> Path:
    """The bot's database file, which must exist."""
    path = Path(settings.database_path)
    if not path.is_file():
        raise CommandError(f"DATABASE_PATH: {path} does not exist (has the bot run yet?)")
    return path


async def _eligible(path: Path, series: Series, webinar_id: str) -> tuple[Series, list[Attendee]]:
    """The series with its overrides, and the participants eligible for the webinar."""
    # Imported here for start-up cost: telegram, reportlab and the database's driver.
    from bot.delivery.certificates import eligible
    from storage.attendance import AttendanceStore
    from storage.certificates import CertificateStore
    from storage.database import Database

    rule = series.certificates
    async with Database(path) as db:
        series = await series_with_overrides(db, series)
        holders = await eligible(AttendanceStore(db), CertificateStore(db), rule, webinar_id)
    return series, holders


def _write_all(settings: Settings, series: Series, secret: str, webinar_id: str, out: Path) -> int:
    """Write the certificates of one webinar; return how many."""
    if not series.certificates.enabled:
        raise CommandError('series.certificates is "off": the series gives no certificates')
    if series.webinar(webinar_id) is None:
        known = ", ".join(w.id for w in series.webinars)
        raise CommandError(f"WEBINAR_ID: no webinar {webinar_id!r} in the series (known: {known})")
    path = _database(settings)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"--out: cannot create {out} ({exc.strerror or exc})") from None
    import asyncio  # start-up cost: the event loop only when certificates are made

    series, holders = asyncio.run(_eligible(path, series, webinar_id))
    webinar = series.webinar(webinar_id)
    assert webinar is not None
    # Imported here for start-up cost: PDF making (reportlab) only when certificates are made.
    from bot.delivery.certificates import make_certificate
    from bot.render.texts import Texts

    texts = Texts()
    for holder in holders:
        made = make_certificate(texts, series, secret, webinar, holder)
        target = out / f"{holder.participant_id:06d}-{made.code}.pdf"
        try:
            target.write_bytes(made.pdf)
        except OSError as exc:
            raise CommandError(f"--out: cannot write {target} ({exc.strerror or exc})") from None
    return len(holders)


def certificates(args: argparse.Namespace) -> int:
    """Write a webinar's certificates into a folder."""
    try:
        settings, series, secret = _setup(args)
        count = _write_all(settings, series, secret, args.webinar, args.out)
    except (ConfigError, SeriesError, CommandError, MigrationError) as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return EXIT_PROBLEM
    print(f"webinar-bot: {count} certificates of {args.webinar} written to {args.out}")
    return 0


async def _verdict(database: Path | None, series: Series, secret: str, code: str) -> Verdict:
    """Check a code, naming its participant from the database when there is one."""
    # Imported here for start-up cost: telegram, reportlab and the database's driver.
    from bot.delivery.certificates import verify_code
    from storage.certificates import CertificateStore
    from storage.database import Database

    if database is None:
        return await verify_code(None, series, secret, code)
    async with Database(database) as db:
        return await verify_code(CertificateStore(db), series, secret, code)


def _verify(settings: Settings, series: Series, secret: str, code: str) -> tuple[int, str]:
    """The exit status and the line to print for a code."""
    import asyncio  # start-up cost: the event loop only when a code is checked

    database = Path(settings.database_path)
    verdict = asyncio.run(_verdict(database if database.is_file() else None, series, secret, code))
    if verdict.status == "malformed":
        return EXIT_PROBLEM, "CODE: a code has 16 letters and digits, like 0000-4G3K-9XQ2-ABCD"
    if verdict.status == "forged" or verdict.webinar is None:
        return EXIT_FORGED, f"{verdict.code}: NOT GENUINE (not made with this CERTIFICATE_SECRET)"
    webinar = verdict.webinar
    who = (
        verdict.name
        if verdict.name
        else "a participant who has since erased their data"
        if verdict.known
        else "a participant not in this database"
    )
    day = webinar.starts_at.astimezone(series.timezone).date().isoformat()
    return (
        EXIT_GENUINE,
        f"{verdict.code}: genuine, for {who}, webinar {webinar.id} ({webinar.title}, {day})",
    )


def verify_command(args: argparse.Namespace) -> int:
    """Say whether a verification code is genuine, and for whom."""
    try:
        settings, series, secret = _setup(args)
        status, line = _verify(settings, series, secret, args.code)
    except (ConfigError, SeriesError, MigrationError) as exc:
        print(f"webinar-bot: {exc}", file=sys.stderr)
        return EXIT_PROBLEM
    if status == EXIT_PROBLEM:
        print(f"webinar-bot: {line}", file=sys.stderr)
    else:
        print(line)
    return status

"""Database operations outside the bot: the run lock, inspection, online backup and restore.

A running bot holds an exclusive `flock` on `<database>.lock` (released by the kernel even
after kill -9); restore takes the same lock, so it refuses while the bot runs, and a bot does
not start while a restore is under way.
"""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

from storage.database import available_migrations
from storage.maintenance import DatabaseFile, fold_wal
from storage.readonly import DatabaseError

Progress = Callable[[int, int], None]


class OpsError(Exception):
    """An operation could not be done; str() is one line saying why."""


class DatabaseLock:
    """An exclusive, non-blocking flock on `<database>.lock` for as long as it is held."""

    def __init__(self, database: Path) -> None:
        """Lock file beside the database."""
        self.path = database.with_name(database.name + ".lock")
        self._file: IO[str] | None = None

    def acquire(self) -> None:
        """Take the lock or raise OpsError when another process holds it."""
        handle = open(self.path, "a+")  # noqa: SIM115 - kept open while the lock is held
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise OpsError(
                f"{self.path.with_suffix('')}: in use by a running webinar-bot "
                f"(lock {self.path} is held); stop the bot first"
            ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        self._file = handle

    def release(self) -> None:
        """Let go of the lock (the file stays; only the flock matters)."""
        if self._file is not None:
            fcntl.flock(self._file.fileno(), fcntl.LOCK_UN)
            self._file.close()
            self._file = None

    def __enter__(self) -> DatabaseLock:
        """Acquire."""
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        """Release."""
        self.release()


@dataclass
class DatabaseInfo:
    """What inspecting a database file found."""

    path: Path
    schema_version: int = 0
    latest: int = 0
    participants: int | None = None
    problems: list[str] = field(default_factory=list)


def latest_schema() -> int:
    """The newest migration this program has."""
    return available_migrations()[-1][0]


def inspect_database(path: Path, full: bool = True) -> DatabaseInfo:
    """Read-only checks: schema version against the migrations, integrity, foreign keys."""
    info = DatabaseInfo(path=path, latest=latest_schema())
    try:
        file = DatabaseFile(path)
    except DatabaseError as exc:
        info.problems.append(f"{path}: cannot open ({exc})")
        return info
    try:
        info.schema_version = file.schema_version()
        if info.schema_version > info.latest:
            info.problems.append(
                f"{path}: schema version {info.schema_version} is newer than "
                f"this program's ({info.latest}); upgrade webinar-bot"
            )
        if full:
            result = file.integrity_check()
            if result != ["ok"]:
                info.problems.append(f"{path}: integrity check failed: {'; '.join(result[:3])}")
            bad = file.foreign_key_violations()
            if bad:
                info.problems.append(
                    f"{path}: {len(bad)} rows break foreign keys (in {', '.join(sorted(set(bad)))})"
                )
        info.participants = file.participant_count()
    except DatabaseError as exc:
        info.problems.append(f"{path}: not a usable SQLite database ({exc})")
    finally:
        file.close()
    return info


def stderr_progress(label: str) -> Progress | None:
    """A one-line progress bar on stderr when it is a terminal, else None."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        """Redraw the bar."""
        width = 30
        filled = width * done // max(total, 1)
        end = "\n" if done >= total else ""
        sys.stderr.write(
            f"\r{label} [{'#' * filled}{'.' * (width - filled)}] {done}/{total} pages{end}"
        )
        sys.stderr.flush()

    return show


def backup_database(
    database: Path,
    target: Path,
    pages: int = 1024,
    progress: Progress | None = None,
    overwrite: bool = False,
) -> DatabaseInfo:
    """A consistent copy of a live database, then an integrity check of the copy."""
    if not database.is_file():
        raise OpsError(f"{database}: no such database")
    if target.exists() and not overwrite:
        raise OpsError(f"{target}: already exists (use --force to replace it)")
    if not target.parent.is_dir():
        raise OpsError(f"{target.parent}: no such folder")
    partial = target.with_name(target.name + ".partial")
    partial.unlink(missing_ok=True)
    try:
        with DatabaseFile(database) as source:
            source.copy_to(partial, pages, progress)
    except DatabaseError as exc:
        partial.unlink(missing_ok=True)
        raise OpsError(f"{database}: backup failed ({exc})") from None
    info = inspect_database(partial)
    if info.problems:
        partial.unlink(missing_ok=True)
        raise OpsError(f"the copy failed its check: {info.problems[0]}")
    os.replace(partial, target)
    info.path = target
    return info


def _sidecars(path: Path) -> Iterator[Path]:
    """The WAL and shared-memory files SQLite keeps beside a database."""
    for suffix in ("-wal", "-shm", "-journal"):
        yield path.with_name(path.name + suffix)


def restore_database(
    database: Path, source: Path, now: datetime | None = None, progress: Progress | None = None
) -> Path | None:
    """Replace the database with a checked copy of `source`; return where the old one went.

    The caller holds the DatabaseLock. The old database (with its WAL folded in) is kept as
    `<name>.before-restore-<timestamp>`.
    """
    info = inspect_database(source)
    if info.problems:
        raise OpsError(info.problems[0])
    kept: Path | None = None
    stamp = (now or datetime.now(UTC)).strftime("%Y%m%dT%H%M%SZ")
    incoming = database.with_name(database.name + ".restoring")
    incoming.unlink(missing_ok=True)
    try:
        with DatabaseFile(source) as file:
            file.copy_to(incoming, 1024, progress)
    except DatabaseError as exc:
        incoming.unlink(missing_ok=True)
        raise OpsError(f"{source}: cannot copy ({exc})") from None
    if database.exists():
        try:
            busy = not fold_wal(database)
        except DatabaseError as exc:
            busy, reason = True, str(exc)
        else:
            reason = "another program has it open"
        if busy:
            incoming.unlink(missing_ok=True)
            raise OpsError(f"{database}: cannot fold its WAL in ({reason})")
        kept = database.with_name(f"{database.name}.before-restore-{stamp}")
        os.replace(database, kept)
    for sidecar in _sidecars(database):
        sidecar.unlink(missing_ok=True)
    os.replace(incoming, database)
    return kept

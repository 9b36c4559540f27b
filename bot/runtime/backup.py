"""Database operations outside the bot: the run lock, inspection, online backup and restore.

A running bot holds an exclusive `flock` on the database file itself (released by the kernel
even after kill -9); restore takes the same lock, so it refuses while the bot runs, and a bot does
not start while a restore is under way.
"""

from __future__ import annotations

import fcntl
import os
import sys
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from storage.maintenance import DatabaseFile, fold_wal
from storage.readonly import DatabaseError
from storage.schema_versions import available_migrations

if TYPE_CHECKING:
    from pathlib import Path

Progress = Callable[[int, int], None]


class OpsError(Exception):
    """An operation could not be done; str() is one line saying why."""


class DatabaseLock:
    """An exclusive, non-blocking flock on the database file itself while it is held.

    The lock belongs to the file (its inode), not to the path that names it, so a symlink,
    a hard link or a bind mount of the same database meets the same lock. SQLite's own
    locks are POSIX record locks, which Linux keeps apart from flock, so the two never
    interfere. A missing database is created empty (0600), as SQLite would at start-up.
    Release it only once this process has closed the database: closing any descriptor of a
    file drops the process's POSIX locks on it, SQLite's included.
    """

    def __init__(self, database: Path) -> None:
        """Lock the database at this path (followed through any symlinks when acquired)."""
        self.path = database
        self._fd: int | None = None

    def acquire(self) -> None:
        """Take the lock or raise OpsError when another process holds it (or it cannot open)."""
        try:
            fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
        except OSError as exc:
            raise OpsError(
                f"{self.path}: cannot open the database for writing ({exc.strerror or exc})"
            ) from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            raise OpsError(
                f"{self.path}: in use by a running webinar-bot (the database file is locked, "
                "perhaps through another path to it); stop the bot first"
            ) from None
        self._fd = fd

    def release(self) -> None:
        """Let go of the lock."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
            os.close(self._fd)
            self._fd = None

    def __enter__(self) -> DatabaseLock:
        """Acquire."""
        self.acquire()
        return self

    def __exit__(self, *exc: object) -> None:
        """Release."""
        self.release()


def held_by_another(database: Path) -> bool | None:
    """Whether a running bot holds the database's lock; None when the file cannot be opened.

    Never creates the database.
    """
    try:
        fd = os.open(database, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        return True
    finally:
        os.close(fd)
    return False


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
    partial.replace(target)
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
    if database.exists() and database.stat().st_size > 0:
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
        database.replace(kept)
    for sidecar in _sidecars(database):
        sidecar.unlink(missing_ok=True)
    incoming.replace(database)
    return kept

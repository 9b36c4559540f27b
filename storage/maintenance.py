"""Whole-file operations on the database from outside the bot: inspection, copies, the WAL.

The file is read through storage.readonly (never created or written). A copy uses SQLite's
online backup API inside one read transaction, so it is the database as it stood at one
moment while the bot goes on writing.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING

from storage.readonly import BUSY_TIMEOUT, ReadOnlyConnection, open_readonly

if TYPE_CHECKING:
    from pathlib import Path

CopyProgress = Callable[[int, int], None]


class DatabaseFile(ReadOnlyConnection):
    """A database file opened read-only, to inspect or copy (DatabaseError if it cannot)."""

    def __init__(self, path: Path) -> None:
        """Open `path` read-only."""
        super().__init__(open_readonly(path))
        self.path = path

    def _has_table(self, name: str) -> bool:
        """Whether the schema has a table of this name."""
        return (
            self._conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type='table' AND name=?", (name,)
            ).fetchone()
            is not None
        )

    def schema_version(self) -> int:
        """The highest migration applied (0 when none ever was)."""
        if not self._has_table("schema_migrations"):
            return 0
        row = self._conn.execute("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        return int(row.fetchone()[0])

    def integrity_check(self) -> list[str]:
        """SQLite's integrity check: ["ok"], or the problems it found."""
        return [row[0] for row in self._conn.execute("PRAGMA integrity_check").fetchall()]

    def foreign_key_violations(self) -> list[str]:
        """The table of each row that breaks a foreign key, one entry per row."""
        return [str(row[0]) for row in self._conn.execute("PRAGMA foreign_key_check").fetchall()]

    def participant_count(self) -> int | None:
        """How many participants are stored (None before the table exists)."""
        if not self._has_table("participants"):
            return None
        return int(self._conn.execute("SELECT COUNT(*) FROM participants").fetchone()[0])

    def copy_to(self, target: Path, pages: int, progress: CopyProgress | None = None) -> None:
        """Write a consistent copy of the database to `target`, `pages` pages per step.

        One read transaction for the whole copy: in WAL mode the bot keeps writing, and the
        copy is the database as it stood at this moment (no restarts of the backup). The
        copy is one self-contained file (rollback journal, no WAL).
        """

        def step(status: int, remaining: int, total: int) -> None:
            """Report pages done and the total."""
            if progress is not None:
                progress(total - remaining, total)

        self._conn.execute("BEGIN")
        self._conn.execute("SELECT COUNT(*) FROM sqlite_master").fetchone()
        with contextlib.closing(sqlite3.connect(str(target))) as dest:
            self._conn.backup(dest, pages=pages, progress=step)
            dest.execute("PRAGMA journal_mode=DELETE")
        self._conn.execute("COMMIT")


def fold_wal(database: Path) -> bool:
    """Fold the write-ahead log into the database file; False when another program has it open."""
    with contextlib.closing(sqlite3.connect(str(database), timeout=BUSY_TIMEOUT)) as conn:
        busy = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()[0]
    return not busy

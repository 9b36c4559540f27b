"""The one way to open the database file for reading from outside the bot process.

Exports, /stats, the report (each in a worker thread) and the `check`, `backup` and `restore`
commands read the file through `open_readonly`: SQLite's read-only mode, so nothing is ever
created or written, and a writer (the running bot, in WAL mode) is never blocked.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Final, Self

if TYPE_CHECKING:
    from pathlib import Path
    from types import TracebackType

BUSY_TIMEOUT: Final = 5.0  # seconds to wait for a lock held by the bot
# Any failure of SQLite itself (a missing, locked, damaged or foreign file).
DatabaseError = sqlite3.Error


def open_readonly(path: Path) -> sqlite3.Connection:
    """Open an existing database file read-only, in autocommit mode (sqlite3.Error if not)."""
    return sqlite3.connect(
        f"file:{path.resolve()}?mode=ro", uri=True, timeout=BUSY_TIMEOUT, isolation_level=None
    )


class ReadOnlyConnection:
    """Holds a read-only connection and closes it, also as a context manager."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        """Read through `conn` (from open_readonly)."""
        self._conn = conn

    def close(self) -> None:
        """Close the connection (ending any read transaction)."""
        self._conn.close()

    def __enter__(self) -> Self:
        """Use as a context manager that closes."""
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        """Close."""
        self.close()

"""Attendance recorded from outside the bot process: a video platform's report, imported.

The `import-attendance` command writes the database file directly (the bot may be running:
SQLite serialises the writers, and WAL readers are not blocked). Everything it records goes in
one transaction, so an import is all or nothing.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING

from storage.readonly import BUSY_TIMEOUT

if TYPE_CHECKING:
    from collections.abc import Sequence
    from pathlib import Path
    from types import TracebackType

# participant id, webinar id, minutes attended (None when the report has none), recorded at
AttendanceRecord = tuple[int, str, int | None, str]


class ImportedAttendanceStore:
    """Reads whom a report may match and records their attendance (DatabaseError on failure)."""

    def __init__(self, path: Path) -> None:
        """Open the database file for writing."""
        self._conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT)
        self._conn.row_factory = sqlite3.Row

    def close(self) -> None:
        """Close the connection."""
        self._conn.close()

    def __enter__(self) -> ImportedAttendanceStore:
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

    def has_webinar(self, webinar_id: str) -> bool:
        """Whether the webinar is stored."""
        row = self._conn.execute("SELECT 1 FROM webinars WHERE id = ?", (webinar_id,))
        return row.fetchone() is not None

    def reachable_participants(self) -> list[sqlite3.Row]:
        """Participants not erased: rows of id, full_name and email."""
        return self._conn.execute(
            "SELECT id, full_name, email FROM participants WHERE telegram_id IS NOT NULL"
        ).fetchall()

    def record(self, records: Sequence[AttendanceRecord]) -> None:
        """Record each participant as having attended (source 'import'), in one transaction."""
        with self._conn:
            self._conn.executemany(
                "INSERT INTO attendance(participant_id, webinar_id, attended, source, minutes,"
                " recorded_at) VALUES (?, ?, 1, 'import', ?, ?)"
                " ON CONFLICT(participant_id, webinar_id) DO UPDATE SET attended = 1,"
                " source = 'import', minutes = excluded.minutes,"
                " recorded_at = excluded.recorded_at",
                records,
            )

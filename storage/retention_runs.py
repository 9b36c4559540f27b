"""Retention runs as stored: each run recorded (the erasure itself is ParticipantStore's)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.timestamps import to_iso

if TYPE_CHECKING:
    from datetime import datetime

    from storage.database import Database


class RetentionStore:
    """The record of retention runs."""

    def __init__(self, db: Database) -> None:
        """Write through `db`."""
        self.db = db

    async def record_run(self, now: datetime, deadline: datetime, erased: int) -> None:
        """Record that retention ran at `now` for `deadline` and erased `erased` people."""
        await self.db.execute(
            "INSERT INTO retention_runs(ran_at, deadline, erased) VALUES (?, ?, ?)",
            (to_iso(now), to_iso(deadline), erased),
        )

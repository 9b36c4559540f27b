"""Retention as stored: everyone's personal data erased at once, and each run recorded."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.timestamps import to_iso

if TYPE_CHECKING:
    from datetime import datetime

    from storage.database import Database


class RetentionStore:
    """Erases every participant's identity after the retention deadline."""

    def __init__(self, db: Database) -> None:
        """Write through `db`."""
        self.db = db

    async def erase_everyone(self, now: datetime, deadline: datetime) -> int:
        """Erase everyone, delete open conversations, record the run; return how many.

        One transaction. Each participant is erased as by ParticipantStore.erase: identity
        columns become NULL and erased_at is set, so counts by state, sex and institution remain.
        """
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE participants SET telegram_id = NULL, full_name = NULL, position = NULL,"
                " email = NULL, country_other = NULL, institution_other = NULL,"
                " erased_at = ?, updated_at = ? WHERE erased_at IS NULL",
                (stamp, stamp),
            )
            erased = max(cursor.rowcount, 0)
            await conn.execute("DELETE FROM conversations")
            await conn.execute(
                "INSERT INTO retention_runs(ran_at, deadline, erased) VALUES (?, ?, ?)",
                (stamp, to_iso(deadline), erased),
            )
        return erased

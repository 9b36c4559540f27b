"""The webhook's recent update ids: each update is handled once, even if delivered twice."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.database import Database

# Telegram numbers updates consecutively; ids this far below the newest are forgotten.
KEPT_UPDATE_IDS = 10_000


class ReceivedUpdateStore:
    """A bounded, persisted set of the update ids the webhook has accepted."""

    def __init__(self, db: Database) -> None:
        """Use this database."""
        self.db = db

    async def first_time(self, update_id: int, now: str) -> bool:
        """Record the id; True when it had not been received before (within the kept range)."""
        async with self.db.transaction() as conn:
            cursor = await conn.execute(
                "INSERT OR IGNORE INTO received_updates(update_id, received_at) VALUES (?, ?)",
                (update_id, now),
            )
            if cursor.rowcount == 0:
                return False
            await conn.execute(
                "DELETE FROM received_updates WHERE update_id < ?",
                (update_id - KEPT_UPDATE_IDS,),
            )
        return True

    async def count(self) -> int:
        """How many ids are kept."""
        row = await self.db.fetchone("SELECT COUNT(*) AS n FROM received_updates")
        return int(row["n"]) if row else 0

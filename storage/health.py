"""The health row: a tiny write transaction that proves the database takes writes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage.timestamps import to_iso

if TYPE_CHECKING:
    from datetime import datetime

    from storage.database import Database


class HealthStore:
    """Write checks and the outbox figures /healthz reports."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def check_write(self, now: datetime) -> None:
        """Rewrite the health row in its own transaction; raises when the write fails."""
        async with self.db.transaction() as conn:
            await conn.execute(
                "INSERT INTO health(id, checked_at) VALUES (1, ?)"
                " ON CONFLICT(id) DO UPDATE SET checked_at = excluded.checked_at",
                (to_iso(now),),
            )

    async def outbox_backlog(self) -> dict[str, int]:
        """Outbox rows still pending, being sent, or failed."""
        rows = await self.db.fetchall(
            "SELECT status, COUNT(*) AS n FROM outbox"
            " WHERE status IN ('pending', 'sending', 'failed') GROUP BY status"
        )
        counts = {r["status"]: int(r["n"]) for r in rows}
        return {name: counts.get(name, 0) for name in ("pending", "sending", "failed")}

    async def is_alive(self) -> bool:
        """Whether a trivial read answers."""
        row = await self.db.fetchone("SELECT 1 AS one")
        return bool(row and row["one"] == 1)

"""Organizers added in the chat, and the record of what organizers did."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from storage.timestamps import to_iso

if TYPE_CHECKING:
    from datetime import datetime

    from storage.database import Database


class OrganizerStore:
    """Reads and writes organizers and their actions."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def ids(self) -> set[int]:
        """The organizers added in the chat."""
        rows = await self.db.fetchall("SELECT telegram_id FROM organizers")
        return {row["telegram_id"] for row in rows}

    async def add(self, telegram_id: int, name: str | None, added_by: int, now: datetime) -> bool:
        """Add an organizer; False when already one."""
        return (
            await self.db.execute(
                "INSERT INTO organizers(telegram_id, name, added_by, added_at) VALUES (?, ?, ?, ?)"
                " ON CONFLICT DO NOTHING",
                (telegram_id, name, added_by, to_iso(now)),
            )
            > 0
        )

    async def remove(self, telegram_id: int) -> bool:
        """Remove an organizer added in the chat; False when there was none."""
        return (
            await self.db.execute("DELETE FROM organizers WHERE telegram_id = ?", (telegram_id,))
            > 0
        )

    async def listing(self) -> list[Any]:
        """The organizers added in the chat, oldest first."""
        return await self.db.fetchall("SELECT * FROM organizers ORDER BY added_at")

    async def record(
        self, telegram_id: int, action: str, detail: dict[str, Any], now: datetime
    ) -> None:
        """Record an organizer action: who, when, what."""
        await self.db.execute(
            "INSERT INTO organizer_actions(telegram_id, at, action, detail) VALUES (?, ?, ?, ?)",
            (telegram_id, to_iso(now), action, json.dumps(detail, ensure_ascii=False, default=str)),
        )

    async def actions(self, limit: int = 50) -> list[Any]:
        """The most recent organizer actions."""
        return await self.db.fetchall(
            "SELECT * FROM organizer_actions ORDER BY id DESC LIMIT ?", (limit,)
        )

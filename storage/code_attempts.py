"""Wrong registration codes typed by each Telegram user, to limit guessing."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from storage.database import Database


class CodeAttemptStore:
    """One row per wrong code typed; rows older than the window are deleted as new ones come."""

    def __init__(self, db: Database) -> None:
        """Use this database."""
        self.db = db

    async def count_since(self, telegram_id: int, since: str) -> tuple[int, str | None]:
        """How many wrong codes this user typed since `since`, and the oldest of them."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n, MIN(attempted_at) AS oldest FROM code_attempts "
            "WHERE telegram_id = ? AND attempted_at >= ?",
            (telegram_id, since),
        )
        return (int(row["n"]), row["oldest"]) if row else (0, None)

    async def record(self, telegram_id: int, now: str, forget_before: str) -> None:
        """Note a wrong code; drop everyone's attempts older than `forget_before`."""
        async with self.db.transaction() as conn:
            await conn.execute("DELETE FROM code_attempts WHERE attempted_at < ?", (forget_before,))
            await conn.execute(
                "INSERT INTO code_attempts(telegram_id, attempted_at) VALUES (?, ?)",
                (telegram_id, now),
            )

"""Calendar subscription tokens: the unguessable part of each participant's feed URL."""

from __future__ import annotations

import secrets
import sqlite3
from typing import TYPE_CHECKING, Final

from storage.timestamps import to_iso

if TYPE_CHECKING:
    from datetime import datetime

    from storage.database import Database

TOKEN_BYTES: Final = 32
TOKEN_MAX_LENGTH: Final = 64


class CalendarTokenStore:
    """One token per participant, made on first use, deleted when the participant is erased."""

    def __init__(self, db: Database) -> None:
        """Keep the database."""
        self.db = db

    async def token_for(self, participant_id: int, now: datetime) -> str:
        """The participant's token, made (and stored) the first time it is asked for."""
        row = await self.db.fetchone(
            "SELECT token FROM calendar_tokens WHERE participant_id = ?", (participant_id,)
        )
        if row is not None:
            return str(row["token"])
        token = secrets.token_urlsafe(TOKEN_BYTES)
        try:
            await self.db.execute(
                "INSERT INTO calendar_tokens(participant_id, token, created_at) VALUES (?, ?, ?)",
                (participant_id, token, to_iso(now)),
            )
        except sqlite3.IntegrityError:
            row = await self.db.fetchone(
                "SELECT token FROM calendar_tokens WHERE participant_id = ?", (participant_id,)
            )
            if row is None:
                raise
            return str(row["token"])
        return token

    async def telegram_id_for(self, token: str) -> int | None:
        """The Telegram id of the (not erased) participant holding this token, or None."""
        if not token or len(token) > TOKEN_MAX_LENGTH:
            return None
        row = await self.db.fetchone(
            "SELECT p.telegram_id FROM calendar_tokens AS t"
            " JOIN participants AS p ON p.id = t.participant_id"
            " WHERE t.token = ? AND p.erased_at IS NULL AND p.telegram_id IS NOT NULL",
            (token,),
        )
        return None if row is None else int(row["telegram_id"])

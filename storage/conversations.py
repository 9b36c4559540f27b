"""Where each user stands in a conversation, so a restart resumes it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from storage.timestamps import to_iso

if TYPE_CHECKING:
    from datetime import datetime

    from storage.database import Database

# A flow's name is data here: handlers/flows.py is the one list of flows. Only its shape is
# checked, so a bad name cannot be stored and every new flow needs no change in storage.
FLOW_NAME = re.compile(r"[a-z][a-z_]{0,31}", re.ASCII)


@dataclass
class Conversation:
    """A user's open conversation: its flow, current step and the answers so far."""

    telegram_id: int
    flow: str
    step: str
    data: dict[str, Any] = field(default_factory=dict)


class ConversationStore:
    """Loads, saves and ends conversations."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, telegram_id: int) -> Conversation | None:
        """Return the user's open conversation, or None."""
        row = await self.db.fetchone(
            "SELECT flow, step, data FROM conversations WHERE telegram_id = ?", (telegram_id,)
        )
        if row is None:
            return None
        try:
            data = json.loads(row["data"])
        except ValueError:
            data = {}
        if not isinstance(data, dict):
            data = {}
        return Conversation(telegram_id, row["flow"], row["step"], data)

    async def save(self, conversation: Conversation, now: datetime) -> None:
        """Store the conversation's current step and answers."""
        if not FLOW_NAME.fullmatch(conversation.flow):
            raise ValueError(f"not a flow name: {conversation.flow!r}")
        await self.db.execute(
            "INSERT INTO conversations(telegram_id, flow, step, data, updated_at)"
            " VALUES (?, ?, ?, ?, ?) ON CONFLICT(telegram_id) DO UPDATE SET"
            " flow = excluded.flow, step = excluded.step, data = excluded.data,"
            " updated_at = excluded.updated_at",
            (
                conversation.telegram_id,
                conversation.flow,
                str(conversation.step),
                json.dumps(conversation.data, ensure_ascii=False),
                to_iso(now),
            ),
        )

    async def delete(self, telegram_id: int) -> bool:
        """End the user's conversation; return whether there was one."""
        return (
            await self.db.execute("DELETE FROM conversations WHERE telegram_id = ?", (telegram_id,))
            > 0
        )

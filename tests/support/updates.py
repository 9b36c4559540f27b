"""Telegram updates built in memory, for tests of the update processor."""

from __future__ import annotations

from datetime import UTC, datetime

from telegram import Chat, Message, Update, User


def message_update(update_id: int, user_id: int) -> Update:
    """A text message update from a user."""
    user = User(user_id, "U", False)
    chat = Chat(user_id, "private")
    return Update(
        update_id, message=Message(update_id, datetime.now(UTC), chat, from_user=user, text="hi")
    )

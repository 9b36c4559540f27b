"""One message a second to the same chat: when each chat last had one from the sender."""

from __future__ import annotations

import time

PER_CHAT_INTERVAL = 1.0  # Telegram: no more than one message a second to the same chat
REMEMBERED_CHATS = 10_000  # above this many, chats past the interval are forgotten


class ChatPacing:
    """Remembers when each chat last had a message, to hold back a second one within a second."""

    def __init__(self) -> None:
        self._last_sent: dict[int, float] = {}

    def mark(self, chat: int | None) -> None:
        """Record that a message to `chat` goes out now."""
        if chat is not None:
            self._last_sent[chat] = time.monotonic()

    def busy(self, chat: int | None) -> bool:
        """Whether this chat had a message less than a second ago."""
        if chat is None:
            return False
        return time.monotonic() - self._last_sent.get(chat, -1e9) < PER_CHAT_INTERVAL

    def forget_old(self) -> None:
        """Drop per-chat send times older than the per-chat interval, once there are many."""
        if len(self._last_sent) < REMEMBERED_CHATS:
            return
        horizon = time.monotonic() - PER_CHAT_INTERVAL
        self._last_sent = {k: v for k, v in self._last_sent.items() if v >= horizon}

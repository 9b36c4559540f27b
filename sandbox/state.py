"""In-memory state of the sandbox: users, chats, messages, updates queue, bot-side events."""

from __future__ import annotations

import asyncio
import contextlib
import copy
import itertools
import re
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sandbox.html import utf16_len

if TYPE_CHECKING:
    from collections.abc import Callable

COMMAND_RE = re.compile(r"/[A-Za-z0-9_]{1,64}(?:@[A-Za-z0-9_]{3,32})?")


@dataclass
class User:
    """A simulated Telegram user (and its private chat with the bot)."""

    id: int
    first_name: str = "Test"
    last_name: str | None = None
    username: str | None = None
    language_code: str | None = "en"
    blocked: bool = False
    deactivated: bool = False

    def as_user(self) -> dict[str, Any]:
        """Bot API User object."""
        data: dict[str, Any] = {"id": self.id, "is_bot": False, "first_name": self.first_name}
        for key in ("last_name", "username", "language_code"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data

    def as_chat(self) -> dict[str, Any]:
        """Bot API Chat object of the private chat."""
        data: dict[str, Any] = {"id": self.id, "type": "private", "first_name": self.first_name}
        for key in ("last_name", "username"):
            if getattr(self, key) is not None:
                data[key] = getattr(self, key)
        return data


@dataclass
class StoredMessage:
    """A message in a private chat, in its current state."""

    message_id: int
    chat_id: int
    from_bot: bool
    date: int
    text: str | None = None
    html: str | None = None
    entities: list[dict[str, Any]] = field(default_factory=list)
    reply_markup: dict[str, Any] | None = None
    edit_date: int | None = None
    document: dict[str, Any] | None = None
    photo: list[dict[str, Any]] | None = None
    caption: str | None = None
    caption_entities: list[dict[str, Any]] = field(default_factory=list)
    deleted: bool = False

    def snapshot(self) -> dict[str, Any]:
        """Stable transcript dict (see sandbox.client)."""
        return {
            "message_id": self.message_id,
            "from_bot": self.from_bot,
            "text": self.text,
            "html": self.html,
            "entities": copy.deepcopy(self.entities),
            "reply_markup": copy.deepcopy(self.reply_markup),
            "date": self.date,
            "edit_date": self.edit_date,
            "document": copy.deepcopy(self.document),
            "photo": copy.deepcopy(self.photo),
            "caption": self.caption,
            "caption_entities": copy.deepcopy(self.caption_entities),
            "deleted": self.deleted,
        }


@dataclass
class CallbackQuery:
    """A button press waiting for answerCallbackQuery."""

    id: str
    user_id: int
    message_id: int
    data: str
    created: float
    answered: bool = False


@dataclass
class StoredFile:
    """An uploaded file."""

    file_id: str
    file_unique_id: str
    content: bytes
    file_name: str | None
    mime_type: str | None


class Notifier:
    """Wakes every waiter when something changes (an asyncio.Event that is replaced on fire)."""

    def __init__(self) -> None:
        """Create the first event."""
        self._event = asyncio.Event()

    def fire(self) -> None:
        """Wake the current waiters."""
        self._event.set()
        self._event = asyncio.Event()

    async def wait(self, seconds: float) -> None:
        """Wait until the next fire() or the timeout."""
        event = self._event
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(event.wait(), seconds)

    async def wait_until(self, predicate: Callable[[], bool], seconds: float) -> bool:
        """Wait until predicate() holds (checked at every fire) or the timeout passes."""
        deadline = time.monotonic() + seconds
        while not predicate():
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                return False
            await self.wait(remaining)
        return True


class SandboxState:
    """Everything the sandbox remembers; reset() empties it."""

    def __init__(self) -> None:
        """Start empty."""
        self.users: dict[int, User] = {}
        self.messages: dict[int, dict[int, StoredMessage]] = {}
        self.next_message_id: dict[int, int] = {}
        self.updates: list[dict[str, Any]] = []
        self.next_update_id = 1
        self.allowed_updates: list[str] | None = None
        self.events: dict[int, list[dict[str, Any]]] = {}
        self.seq = 0
        self.callback_queries: dict[str, CallbackQuery] = {}
        self.files: dict[str, StoredFile] = {}
        self.file_counter = itertools.count(1)
        self.query_counter = itertools.count(1)
        self.commands: dict[tuple[str, str], list[dict[str, Any]]] = {}
        self.menu_buttons: dict[int | None, dict[str, Any]] = {}
        self.descriptions: dict[tuple[str, str], str] = {}
        self.webhook_url = ""
        self.webhook_secret: str | None = None
        self.poll_generation = 0
        self.updates_changed = Notifier()
        self.events_changed = Notifier()

    def add_user(self, user: User) -> None:
        """Create (or replace) a user and its chat."""
        self.users[user.id] = user
        self.messages.setdefault(user.id, {})
        self.next_message_id.setdefault(user.id, 1)
        self.events.setdefault(user.id, [])

    def new_message(self, chat_id: int, from_bot: bool) -> StoredMessage:
        """Allocate a message id in a chat and store an empty message."""
        message_id = self.next_message_id[chat_id]
        self.next_message_id[chat_id] = message_id + 1
        message = StoredMessage(message_id, chat_id, from_bot, int(time.time()))
        self.messages[chat_id][message_id] = message
        return message

    def find_message(self, chat_id: int, message_id: int) -> StoredMessage | None:
        """A live (not deleted) message, or None."""
        message = self.messages.get(chat_id, {}).get(message_id)
        return None if message is None or message.deleted else message

    def push_update(self, kind: str, payload: dict[str, Any]) -> int:
        """Queue an update for getUpdates unless allowed_updates filters it out."""
        update_id = self.next_update_id
        self.next_update_id += 1
        allowed = self.allowed_updates
        if not allowed or kind in allowed:
            self.updates.append({"update_id": update_id, kind: payload})
            self.updates_changed.fire()
        return update_id

    def user_message(self, user: User, text: str) -> StoredMessage:
        """Store a text from a user and queue its `message` update; unblocks the bot."""
        user.blocked = False
        message = self.new_message(user.id, from_bot=False)
        message.text = text
        match = COMMAND_RE.match(text)
        if match:
            length = utf16_len(match.group(0))
            message.entities = [{"type": "bot_command", "offset": 0, "length": length}]
        self.push_update("message", self.message_json(message, None))
        return message

    def user_rich_message(self, user: User, body: dict[str, Any]) -> StoredMessage:
        """Store a user's formatted text, photo or document (Bot API fields) and queue it."""
        user.blocked = False
        message = self.new_message(user.id, from_bot=False)
        if body.get("photo") or body.get("document"):
            uploaded = body.get("content")
            default = b"\x89PNG\r\n\x1a\n" if body.get("photo") else b"%PDF-1.4"
            stored = self.store_file(
                uploaded if isinstance(uploaded, bytes) else default,
                body.get("document"),
                None if body.get("photo") else (body.get("mime_type") or "application/pdf"),
                "AgAC" if body.get("photo") else "BQAC",
            )
            ids = {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.content),
            }
            if body.get("photo"):
                message.photo = [{**ids, "width": 800, "height": 600}]
            else:
                message.document = {
                    **ids,
                    "file_name": stored.file_name,
                    "mime_type": stored.mime_type,
                }
            message.caption = body.get("caption")
            message.caption_entities = list(body.get("caption_entities") or [])
        else:
            message.text = str(body.get("text") or "")
            message.entities = list(body.get("entities") or [])
        self.push_update("message", self.message_json(message, None))
        return message

    def add_event(self, chat_id: int, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        """Record a bot-side event in a chat and wake wait_for_event callers."""
        self.seq += 1
        event = {
            "seq": self.seq,
            "kind": kind,
            "callback_query_id": None,
            "show_alert": None,
            "url": None,
            **data,
        }
        self.events.setdefault(chat_id, []).append(event)
        self.events_changed.fire()
        return event

    def events_after(self, chat_id: int, after_seq: int) -> list[dict[str, Any]]:
        """Events of a chat with seq > after_seq."""
        return [e for e in self.events.get(chat_id, []) if e["seq"] > after_seq]

    def message_json(
        self, message: StoredMessage, bot_user: dict[str, Any] | None
    ) -> dict[str, Any]:
        """Bot API Message object for a stored message (bot_user is the sender of bot messages)."""
        user = self.users[message.chat_id]
        data: dict[str, Any] = {
            "message_id": message.message_id,
            "from": bot_user if message.from_bot and bot_user else user.as_user(),
            "chat": user.as_chat(),
            "date": message.date,
        }
        if message.edit_date is not None:
            data["edit_date"] = message.edit_date
        if message.text is not None:
            data["text"] = message.text
            if message.entities:
                data["entities"] = copy.deepcopy(message.entities)
        if message.document is not None:
            data["document"] = copy.deepcopy(message.document)
        if message.photo is not None:
            data["photo"] = copy.deepcopy(message.photo)
        if message.caption is not None:
            data["caption"] = message.caption
            if message.caption_entities:
                data["caption_entities"] = copy.deepcopy(message.caption_entities)
        markup = message.reply_markup
        if markup is not None and "inline_keyboard" in markup:
            data["reply_markup"] = copy.deepcopy(markup)
        return data

    def store_file(
        self, content: bytes, file_name: str | None, mime_type: str | None, prefix: str
    ) -> StoredFile:
        """Keep an uploaded file and give it Telegram-looking ids."""
        number = next(self.file_counter)
        stored = StoredFile(
            file_id=f"{prefix}AgACAgIAAxkBAAI{number:08d}",
            file_unique_id=f"AgAD{number:08d}",
            content=content,
            file_name=file_name,
            mime_type=mime_type,
        )
        self.files[stored.file_id] = stored
        return stored

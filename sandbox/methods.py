"""Bot API methods that touch chats: send, edit, delete, callback answers, files, getChat."""

from __future__ import annotations

import mimetypes
import struct
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from sandbox.api import (
    MAX_CAPTION,
    MAX_TEXT,
    ApiError,
    Params,
    UploadedFile,
    bad_request,
    format_text,
    parse_reply_markup,
)
from sandbox.core import SandboxCore

if TYPE_CHECKING:
    from sandbox.state import StoredFile, StoredMessage

Method = Callable[[SandboxCore, Params], Awaitable[Any]]
CHAT_ACTIONS = frozenset(
    {
        "typing",
        "upload_photo",
        "record_video",
        "upload_video",
        "record_voice",
        "upload_voice",
        "upload_document",
        "choose_sticker",
        "find_location",
        "record_video_note",
        "upload_video_note",
    }
)
NOT_MODIFIED = (
    "message is not modified: specified new message content and reply markup are exactly the "
    "same as a current content and reply markup of the message"
)
QUERY_TOO_OLD = "query is too old and response timeout expired or query ID is invalid"


def _publish(core: SandboxCore, message: StoredMessage, kind: str) -> dict[str, Any]:
    """Record a bot-side event and return the Bot API Message."""
    core.state.add_event(message.chat_id, kind, message.snapshot())
    return core.state.message_json(message, core.bot_user())


async def send_message(core: SandboxCore, params: Params) -> Any:
    """sendMessage."""
    user = core.chat_user(params.values.get("chat_id"))
    text, entities, raw = format_text(params, "text", "entities", MAX_TEXT, "message is too long")
    if not text.strip():
        raise bad_request("message text is empty")
    markup = parse_reply_markup(params)
    core.check_reachable(user)
    now = core.take_send_slot(user.id)
    message = core.state.new_message(user.id, from_bot=True)
    message.text, message.entities, message.html, message.reply_markup = text, entities, raw, markup
    core.stats.messages_sent += 1
    core.stats.send_timestamps.append(now)
    return _publish(core, message, "message")


def _editable(core: SandboxCore, params: Params) -> StoredMessage:
    """Find the message an edit method targets."""
    if params.has("inline_message_id"):
        raise bad_request("message to edit not found")
    user = core.chat_user(params.values.get("chat_id"))
    message_id = params.get_int("message_id", "message identifier is not specified")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = core.state.find_message(user.id, message_id)
    if message is None:
        raise bad_request("message to edit not found")
    if not message.from_bot:
        raise bad_request("message can't be edited")
    return message


def _inline_markup(params: Params) -> dict[str, Any] | None:
    """reply_markup of an edit: only inline keyboards are allowed."""
    markup = parse_reply_markup(params)
    if markup is not None and "inline_keyboard" not in markup:
        raise bad_request("inline keyboard expected")
    return markup


def _finish_edit(core: SandboxCore, message: StoredMessage, now: float) -> dict[str, Any]:
    """Stamp an edit, count it and publish it."""
    message.edit_date = int(time.time())
    core.stats.edits += 1
    core.stats.edit_timestamps.append(now)
    return _publish(core, message, "edit")


async def edit_message_text(core: SandboxCore, params: Params) -> Any:
    """editMessageText."""
    message = _editable(core, params)
    text, entities, raw = format_text(params, "text", "entities", MAX_TEXT, "message is too long")
    if not text.strip():
        raise bad_request("message text is empty")
    markup = _inline_markup(params)
    if message.text is None:
        raise bad_request("there is no text in the message to edit")
    if (text, entities, markup) == (message.text, message.entities, message.reply_markup):
        raise bad_request(NOT_MODIFIED)
    core.check_reachable(core.state.users[message.chat_id])
    now = core.take_send_slot(message.chat_id)
    message.text, message.entities, message.html, message.reply_markup = text, entities, raw, markup
    return _finish_edit(core, message, now)


async def edit_message_caption(core: SandboxCore, params: Params) -> Any:
    """editMessageCaption."""
    message = _editable(core, params)
    caption, entities, raw = format_text(
        params, "caption", "caption_entities", MAX_CAPTION, "message caption is too long"
    )
    markup = _inline_markup(params)
    if message.document is None and message.photo is None:
        raise bad_request("there is no caption in the message to edit")
    new_caption = caption or None
    if (new_caption, entities, markup) == (
        message.caption,
        message.caption_entities,
        message.reply_markup,
    ):
        raise bad_request(NOT_MODIFIED)
    core.check_reachable(core.state.users[message.chat_id])
    now = core.take_send_slot(message.chat_id)
    message.caption, message.caption_entities, message.reply_markup = new_caption, entities, markup
    message.html = raw
    return _finish_edit(core, message, now)


async def edit_message_reply_markup(core: SandboxCore, params: Params) -> Any:
    """editMessageReplyMarkup."""
    message = _editable(core, params)
    markup = _inline_markup(params)
    if markup == message.reply_markup:
        raise bad_request(NOT_MODIFIED)
    core.check_reachable(core.state.users[message.chat_id])
    now = core.take_send_slot(message.chat_id)
    message.reply_markup = markup
    return _finish_edit(core, message, now)


async def delete_message(core: SandboxCore, params: Params) -> Any:
    """deleteMessage."""
    user = core.chat_user(params.values.get("chat_id"))
    message_id = params.get_int("message_id", "message identifier is not specified")
    if message_id is None:
        raise bad_request("message identifier is not specified")
    message = core.state.find_message(user.id, message_id)
    if message is None:
        raise bad_request("message to delete not found")
    message.deleted = True
    core.state.add_event(user.id, "delete", message.snapshot())
    return True


async def answer_callback_query(core: SandboxCore, params: Params) -> Any:
    """answerCallbackQuery."""
    query_id = params.get_str("callback_query_id") or ""
    query = core.state.callback_queries.get(query_id)
    too_old = query is not None and (
        time.monotonic() - query.created > core.config.callback_query_ttl
    )
    if query is None or query.answered or too_old:
        raise bad_request(QUERY_TOO_OLD)
    text = params.get_str("text")
    if text is not None and len(text) > 200:
        raise bad_request("MESSAGE_TOO_LONG")
    query.answered = True
    event = _blank_fields(query.message_id)
    event.update(
        {
            "callback_query_id": query.id,
            "text": text,
            "show_alert": params.get_bool("show_alert"),
            "url": params.get_str("url"),
        }
    )
    core.state.add_event(query.user_id, "callback_answer", event)
    return True


def _blank_fields(message_id: int) -> dict[str, Any]:
    """Message keys with empty values, so every event dict has the same keys."""
    return {
        "message_id": message_id,
        "from_bot": True,
        "text": None,
        "html": None,
        "entities": [],
        "reply_markup": None,
        "date": int(time.time()),
        "edit_date": None,
        "document": None,
        "photo": None,
        "caption": None,
        "caption_entities": [],
        "deleted": False,
    }


def _resolve_file(core: SandboxCore, params: Params, name: str, prefix: str) -> StoredFile:
    """Store an uploaded file or look up a file_id/URL sent as a string."""
    value = params.get_file(name)
    if value is None:
        raise bad_request(f"there is no {name} in the request")
    if isinstance(value, UploadedFile):
        if not value.content:
            raise bad_request("file must be non-empty")
        mime = value.content_type
        if not mime or mime == "application/octet-stream":
            mime = mimetypes.guess_type(value.file_name or "")[0] or mime
        return core.state.store_file(value.content, value.file_name, mime, prefix)
    if value in core.state.files:
        return core.state.files[value]
    if value.startswith(("http://", "https://")):
        file_name = value.rstrip("/").rsplit("/", 1)[-1] or "file"
        return core.state.store_file(b"", file_name, mimetypes.guess_type(file_name)[0], prefix)
    raise bad_request("wrong file identifier/HTTP URL specified")


def _image_size(content: bytes) -> tuple[int, int]:
    """Width and height of a PNG (a default size for other formats)."""
    if content.startswith(b"\x89PNG\r\n\x1a\n") and len(content) >= 24:
        width, height = struct.unpack(">II", content[16:24])
        return int(width), int(height)
    return 800, 600


async def _send_media(core: SandboxCore, params: Params, kind: str) -> Any:
    """sendDocument / sendPhoto."""
    user = core.chat_user(params.values.get("chat_id"))
    caption, entities, raw = format_text(
        params, "caption", "caption_entities", MAX_CAPTION, "message caption is too long"
    )
    markup = parse_reply_markup(params)
    stored = _resolve_file(core, params, kind, "BQAC" if kind == "document" else "AgAC")
    core.check_reachable(user)
    now = core.take_send_slot(user.id)
    message = core.state.new_message(user.id, from_bot=True)
    if kind == "document":
        message.document = {
            "file_id": stored.file_id,
            "file_unique_id": stored.file_unique_id,
            "file_name": stored.file_name or "document",
            "file_size": len(stored.content),
        }
        if stored.mime_type:
            message.document["mime_type"] = stored.mime_type
    else:
        width, height = _image_size(stored.content)
        message.photo = [
            {
                "file_id": stored.file_id,
                "file_unique_id": stored.file_unique_id,
                "width": width,
                "height": height,
                "file_size": len(stored.content),
            }
        ]
    message.caption = caption or None
    message.caption_entities, message.html, message.reply_markup = entities, raw, markup
    core.stats.messages_sent += 1
    core.stats.send_timestamps.append(now)
    return _publish(core, message, "message")


async def send_document(core: SandboxCore, params: Params) -> Any:
    """sendDocument."""
    return await _send_media(core, params, "document")


async def send_photo(core: SandboxCore, params: Params) -> Any:
    """sendPhoto."""
    return await _send_media(core, params, "photo")


async def send_chat_action(core: SandboxCore, params: Params) -> Any:
    """sendChatAction."""
    user = core.chat_user(params.values.get("chat_id"))
    if (params.get_str("action") or "") not in CHAT_ACTIONS:
        raise bad_request("wrong parameter action in request")
    core.check_reachable(user)
    return True


async def get_chat(core: SandboxCore, params: Params) -> Any:
    """getChat (a ChatFullInfo for a private chat)."""
    user = core.chat_user(params.values.get("chat_id"))
    gifts = {
        "unlimited_gifts": True,
        "limited_gifts": True,
        "unique_gifts": True,
        "premium_subscription": True,
        "gifts_from_channels": True,
    }
    return {
        **user.as_chat(),
        "accent_color_id": 0,
        "max_reaction_count": 11,
        "accepted_gift_types": gifts,
    }


CHAT_METHODS: dict[str, Method] = {
    "sendMessage": send_message,
    "editMessageText": edit_message_text,
    "editMessageCaption": edit_message_caption,
    "editMessageReplyMarkup": edit_message_reply_markup,
    "deleteMessage": delete_message,
    "answerCallbackQuery": answer_callback_query,
    "sendDocument": send_document,
    "sendPhoto": send_photo,
    "sendChatAction": send_chat_action,
    "getChat": get_chat,
}

__all__ = ["CHAT_METHODS", "ApiError", "Method"]

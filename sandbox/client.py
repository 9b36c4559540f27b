"""Async client for the sandbox control API (drives simulated users, inspects the bot's output).

Transcript message dicts (``transcript()``) always have exactly these keys::

    message_id: int            id in the private chat (shared by both directions)
    from_bot: bool             True for messages the bot sent
    text: str | None           plain text after HTML parsing (None for document/photo messages)
    html: str | None           the raw text/caption the bot sent with parse_mode=HTML, else None
    entities: list[dict]       Bot API MessageEntity dicts of the text (UTF-16 offsets)
    reply_markup: dict | None  the reply_markup as sent (inline or reply keyboard), None if none
    date: int                  unix time of sending
    edit_date: int | None      unix time of the last edit
    document: dict | None      Bot API Document (file_id, file_unique_id, file_name, mime_type,
                               file_size)
    photo: list[dict] | None   Bot API PhotoSize list
    caption: str | None        plain caption after parsing
    caption_entities: list[dict]
    deleted: bool              True once deleteMessage removed it (it stays in the transcript)

Event dicts (``wait_for_event()``) have all the keys above (a snapshot of the message right
after the event) plus::

    seq: int                   global, increasing event number
    kind: str                  "message" | "edit" | "callback_answer" | "delete"
    callback_query_id: str | None
    show_alert: bool | None
    url: str | None

For ``kind == "callback_answer"`` the message keys are blank except ``message_id`` (the message
whose button was pressed) and ``text`` (the answer text, None when the bot sent none);
``callback_query_id``, ``show_alert`` and ``url`` come from answerCallbackQuery.
Only bot-side events are reported; the user's own messages appear in the transcript only.
"""

from __future__ import annotations

import base64
import json
from typing import TYPE_CHECKING, Any

import httpx

if TYPE_CHECKING:
    from types import TracebackType


class SandboxControlError(RuntimeError):
    """The control API refused a request (unknown user, missing button, bad input...)."""

    def __init__(self, status: int, message: str) -> None:
        """Keep the HTTP status and the reason."""
        super().__init__(f"{status}: {message}")
        self.status = status
        self.message = message


class SandboxClient:
    """Async httpx client for the control API of a running sandbox."""

    def __init__(self, base_url: str) -> None:
        """base_url is the sandbox url (not the /bot url)."""
        self.base_url = base_url.rstrip("/")
        self._http = httpx.AsyncClient(base_url=self.base_url, timeout=30.0)

    async def aclose(self) -> None:
        """Close the HTTP connection pool."""
        await self._http.aclose()

    async def __aenter__(self) -> SandboxClient:
        """Use as an async context manager."""
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """Close on exit."""
        await self.aclose()

    async def _call(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        params: dict[str, Any] | None = None,
        http_timeout: float | None = None,
    ) -> Any:
        """Send a control request and unwrap {"ok": true, "result": ...}."""
        kwargs: dict[str, Any] = {"params": params}
        if body is not None:
            kwargs["json"] = body
        if http_timeout is not None:
            kwargs["timeout"] = http_timeout
        response = await self._http.request(method, path, **kwargs)
        try:
            data = response.json()
        except ValueError:
            data = {"ok": False, "error": response.text}
        if response.status_code != 200 or not data.get("ok"):
            raise SandboxControlError(response.status_code, str(data.get("error")))
        return data["result"]

    async def add_user(
        self,
        user_id: int,
        first_name: str = "Test",
        language_code: str | None = "en",
        last_name: str | None = None,
        username: str | None = None,
    ) -> None:
        """Create a user who can then talk to the bot."""
        await self._call(
            "POST",
            "/control/users",
            {
                "user_id": user_id,
                "first_name": first_name,
                "language_code": language_code,
                "last_name": last_name,
                "username": username,
            },
        )

    async def send_text(self, user_id: int, text: str) -> int:
        """The user sends a text (or a command like "/start abc"); returns its message_id."""
        result = await self._call("POST", f"/control/users/{user_id}/messages", {"text": text})
        return int(result["message_id"])

    async def send_rich(
        self,
        user_id: int,
        text: str | None = None,
        entities: list[dict[str, Any]] | None = None,
        photo: bool = False,
        document: str | None = None,
        caption: str | None = None,
        caption_entities: list[dict[str, Any]] | None = None,
        content: bytes | None = None,
        mime_type: str | None = None,
    ) -> int:
        """The user sends a text with entities, or a photo / document (file name) with a caption.

        `content` is the uploaded file's bytes (a stand-in file when None) and `mime_type` a
        document's type.
        """
        body = {
            "content": None if content is None else base64.b64encode(content).decode("ascii"),
            "mime_type": mime_type,
            "text": text,
            "entities": entities,
            "photo": photo,
            "document": document,
            "caption": caption,
            "caption_entities": caption_entities,
        }
        result = await self._call("POST", f"/control/users/{user_id}/rich_messages", body)
        return int(result["message_id"])

    async def press(self, user_id: int, message_id: int, data: str) -> str:
        """Press the inline button with this callback_data; returns the callback_query id."""
        body = {"message_id": message_id, "data": data, "force": False}
        result = await self._call("POST", f"/control/users/{user_id}/press", body)
        return str(result["callback_query_id"])

    async def press_forged(self, user_id: int, message_id: int, data: str) -> str:
        """Send a callback_query with arbitrary data (no button check)."""
        body = {"message_id": message_id, "data": data, "force": True}
        result = await self._call("POST", f"/control/users/{user_id}/press", body)
        return str(result["callback_query_id"])

    async def block(self, user_id: int) -> None:
        """The user blocks the bot (sends then fail with 403)."""
        await self._call("POST", f"/control/users/{user_id}/block")

    async def unblock(self, user_id: int) -> None:
        """The user unblocks the bot."""
        await self._call("POST", f"/control/users/{user_id}/unblock")

    async def deactivate(self, user_id: int) -> None:
        """The user's account is deleted (sends fail with 403 "user is deactivated")."""
        await self._call("POST", f"/control/users/{user_id}/deactivate")

    async def transcript(self, user_id: int) -> list[dict[str, Any]]:
        """All messages of the chat in order, both directions, in their current state."""
        return list(await self._call("GET", f"/control/users/{user_id}/transcript"))

    async def wait_for_event(
        self,
        user_id: int,
        after_seq: int = 0,
        timeout: float = 10.0,
    ) -> list[dict[str, Any]]:
        """Bot-side events with seq > after_seq; waits for at least one or raises TimeoutError."""
        result = await self._call(
            "GET",
            f"/control/users/{user_id}/events",
            params={"after_seq": after_seq, "timeout": timeout},
            http_timeout=timeout + 10.0,
        )
        if not result:
            raise TimeoutError(f"no bot event in chat {user_id} after seq {after_seq}")
        return list(result)

    async def last_seq(self, user_id: int) -> int:
        """Seq of the newest bot-side event in the chat (0 if none)."""
        return int(await self._call("GET", f"/control/users/{user_id}/last_seq"))

    async def stats(self) -> dict[str, Any]:
        """Counters: requests, messages_sent, edits, rate_limited, injected_5xx, dropped, ..."""
        return dict(await self._call("GET", "/control/stats"))

    async def configure(self, **changes: Any) -> None:
        """Change SandboxConfig fields at run time (send_rate, latency, ...)."""
        await self._call("POST", "/control/config", changes)

    async def inject_faults(
        self,
        method: str | None = None,
        status: int = 500,
        count: int = 0,
        probability: float = 0.0,
        drop: bool = False,
        description: str | None = None,
    ) -> None:
        """Fail the next `count` matching requests (or a `probability` share).

        With a 5xx status, or a dropped connection; a 400 or 403 needs Telegram's description.
        """
        await self._call(
            "POST",
            "/control/faults",
            {
                "method": method,
                "status": status,
                "count": count,
                "probability": probability,
                "drop": drop,
                "description": description,
            },
        )

    async def clear_faults(self) -> None:
        """Remove all fault rules."""
        await self._call("DELETE", "/control/faults")

    async def file_content(self, file_id: str) -> bytes:
        """Bytes of a file the bot uploaded."""
        response = await self._http.get(f"/control/files/{file_id}")
        if response.status_code != 200:
            raise SandboxControlError(response.status_code, response.text)
        return response.content

    async def bot_commands(
        self, language_code: str | None = None, scope: dict[str, Any] | None = None
    ) -> list[dict[str, Any]]:
        """Commands stored by setMyCommands (default scope and language unless given)."""
        params: dict[str, Any] = {}
        if language_code:
            params["language_code"] = language_code
        if scope is not None:
            params["scope"] = json.dumps(scope)
        return list(await self._call("GET", "/control/commands", params=params))

    async def reset(self) -> None:
        """Forget all users, messages, updates, stats and faults; restore the initial config."""
        await self._call("POST", "/control/reset")

"""Control API (/control/...): drive simulated users and inspect the sandbox (JSON in and out)."""

from __future__ import annotations

import base64
import binascii
import dataclasses
import json
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from aiohttp import web

from sandbox.api import inline_buttons
from sandbox.bot_methods import commands_key
from sandbox.limits import FaultRule, SandboxConfig
from sandbox.state import CallbackQuery, User

if TYPE_CHECKING:
    from sandbox.core import SandboxCore

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
MAX_EVENT_WAIT = 300.0


class ControlError(Exception):
    """A refused control request."""

    def __init__(self, status: int, message: str) -> None:
        """Keep the HTTP status and the reason."""
        super().__init__(message)
        self.status = status
        self.message = message


def _ok(data: Any = None) -> web.Response:
    """A JSON answer."""
    return web.json_response({"ok": True, "result": data})


async def _body(request: web.Request) -> dict[str, Any]:
    """The JSON object in the request body (empty when there is none)."""
    if not request.can_read_body:
        return {}
    try:
        body = await request.json()
    except ValueError:
        raise ControlError(400, "invalid JSON body") from None
    if not isinstance(body, dict):
        raise ControlError(400, "JSON object expected")
    return body


class ControlRoutes:
    """Handlers of the control API bound to one SandboxCore."""

    def __init__(self, core: SandboxCore) -> None:
        """Bind to the core."""
        self.core = core

    def routes(self) -> list[web.RouteDef]:
        """The aiohttp route table."""
        w = self._wrap
        return [
            web.post("/control/users", w(self.add_user)),
            web.post("/control/users/{user_id}/messages", w(self.send_text)),
            web.post("/control/users/{user_id}/rich_messages", w(self.send_rich)),
            web.post("/control/users/{user_id}/press", w(self.press)),
            web.post("/control/users/{user_id}/{action:block|unblock|deactivate}", w(self.flag)),
            web.get("/control/users/{user_id}/transcript", w(self.transcript)),
            web.get("/control/users/{user_id}/events", w(self.events)),
            web.get("/control/users/{user_id}/last_seq", w(self.last_seq)),
            web.get("/control/stats", w(self.stats)),
            web.post("/control/config", w(self.configure)),
            web.get("/control/config", w(self.get_config)),
            web.post("/control/faults", w(self.add_fault)),
            web.delete("/control/faults", w(self.clear_faults)),
            web.get("/control/files/{file_id}", w(self.file_content)),
            web.get("/control/commands", w(self.commands)),
            web.post("/control/reset", w(self.reset)),
        ]

    @staticmethod
    def _wrap(handler: Handler) -> Handler:
        """Turn ControlError into a JSON error answer."""

        async def wrapped(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except ControlError as exc:
                return web.json_response({"ok": False, "error": exc.message}, status=exc.status)

        return wrapped

    def _user(self, request: web.Request) -> User:
        """The user named in the path."""
        try:
            user_id = int(request.match_info["user_id"])
        except ValueError:
            raise ControlError(400, "user_id must be an integer") from None
        user = self.core.state.users.get(user_id)
        if user is None:
            raise ControlError(404, f"unknown user {user_id}; call add_user first")
        return user

    async def add_user(self, request: web.Request) -> web.Response:
        """Create a user (its private chat with the bot starts empty)."""
        body = await _body(request)
        try:
            user_id = int(body["user_id"])
        except (KeyError, TypeError, ValueError):
            raise ControlError(400, "user_id (integer) is required") from None
        if user_id <= 0:
            raise ControlError(400, "user_id must be positive")
        user = User(
            id=user_id,
            first_name=str(body.get("first_name") or "Test"),
            last_name=body.get("last_name"),
            username=body.get("username"),
            language_code=body.get("language_code"),
        )
        self.core.state.add_user(user)
        return _ok(user.as_user())

    async def send_text(self, request: web.Request) -> web.Response:
        """The user writes a text (commands too) to the bot; returns its message_id."""
        user = self._user(request)
        text = (await _body(request)).get("text")
        if not isinstance(text, str) or not text.strip():
            raise ControlError(400, "text must be a non-empty string")
        if user.deactivated:
            raise ControlError(409, "user is deactivated")
        message = self.core.state.user_message(user, text)
        return _ok({"message_id": message.message_id})

    async def send_rich(self, request: web.Request) -> web.Response:
        """The user sends a text with entities, or a photo/document with a caption."""
        user = self._user(request)
        body = await _body(request)
        if not (body.get("photo") or body.get("document") or str(body.get("text") or "").strip()):
            raise ControlError(400, "text, photo or document is required")
        for key in ("entities", "caption_entities"):
            if not isinstance(body.get(key) or [], list):
                raise ControlError(400, f"{key} must be a list of MessageEntity objects")
        if body.get("content") is not None:
            try:
                body["content"] = base64.b64decode(str(body["content"]), validate=True)
            except (binascii.Error, ValueError):
                raise ControlError(400, "content must be base64") from None
            if not isinstance(body.get("mime_type") or "", str):
                raise ControlError(400, "mime_type must be a string")
        if user.deactivated:
            raise ControlError(409, "user is deactivated")
        message = self.core.state.user_rich_message(user, body)
        return _ok({"message_id": message.message_id})

    async def press(self, request: web.Request) -> web.Response:
        """The user presses an inline button (force=true skips the button check)."""
        user = self._user(request)
        body = await _body(request)
        data = body.get("data")
        try:
            message_id = int(body["message_id"])
        except (KeyError, TypeError, ValueError):
            raise ControlError(400, "message_id (integer) is required") from None
        if not isinstance(data, str):
            raise ControlError(400, "data must be a string")
        state = self.core.state
        message = state.find_message(user.id, message_id)
        if not body.get("force"):
            if message is None or not message.from_bot:
                raise ControlError(404, f"no bot message {message_id} in chat {user.id}")
            buttons = inline_buttons(message.reply_markup)
            if not any(button.get("callback_data") == data for button in buttons):
                raise ControlError(404, f"message {message_id} has no button with data {data!r}")
        if message is not None:
            payload = state.message_json(message, self.core.bot_user())
        else:
            payload = {"chat": user.as_chat(), "message_id": message_id, "date": 0}
        query_id = f"{user.id}{next(state.query_counter):08d}"
        state.callback_queries[query_id] = CallbackQuery(
            query_id, user.id, message_id, data, time.monotonic()
        )
        state.push_update(
            "callback_query",
            {
                "id": query_id,
                "from": user.as_user(),
                "message": payload,
                "chat_instance": str(7_000_000_000 + user.id),
                "data": data,
            },
        )
        return _ok({"callback_query_id": query_id})

    async def flag(self, request: web.Request) -> web.Response:
        """Block, unblock or deactivate a user."""
        user = self._user(request)
        action = request.match_info["action"]
        if action == "deactivate":
            user.deactivated = True
        else:
            user.blocked = action == "block"
        return _ok(True)

    async def transcript(self, request: web.Request) -> web.Response:
        """All messages of the chat in order, in their current state."""
        user = self._user(request)
        messages = self.core.state.messages.get(user.id, {})
        return _ok([messages[key].snapshot() for key in sorted(messages)])

    async def events(self, request: web.Request) -> web.Response:
        """Bot-side events with seq > after_seq; waits up to `timeout` for at least one."""
        user = self._user(request)
        try:
            after = int(request.query.get("after_seq", "0"))
            timeout = min(MAX_EVENT_WAIT, max(0.0, float(request.query.get("timeout", "0"))))
        except ValueError:
            raise ControlError(400, "after_seq and timeout must be numbers") from None
        state = self.core.state
        await state.events_changed.wait_until(
            lambda: (
                bool(state.events_after(user.id, after))
                or self.core.state is not state
                or self.core.stopping
            ),
            timeout,
        )
        return _ok(state.events_after(user.id, after))

    async def last_seq(self, request: web.Request) -> web.Response:
        """The seq of the newest event in the chat (0 if none)."""
        user = self._user(request)
        events = self.core.state.events.get(user.id, [])
        return _ok(events[-1]["seq"] if events else 0)

    async def stats(self, request: web.Request) -> web.Response:
        """Counters."""
        return _ok(self.core.stats.as_dict())

    async def configure(self, request: web.Request) -> web.Response:
        """Change SandboxConfig fields at run time."""
        body = await _body(request)
        names = {field.name for field in dataclasses.fields(SandboxConfig)}
        unknown = sorted(set(body) - names)
        if unknown:
            raise ControlError(400, f"unknown config fields: {', '.join(unknown)}")
        for name, value in body.items():
            setattr(self.core.config, name, value)
        if "seed" in body:
            self.core.faults.random.seed(body["seed"])
        return _ok(dataclasses.asdict(self.core.config))

    async def get_config(self, request: web.Request) -> web.Response:
        """The current SandboxConfig."""
        return _ok(dataclasses.asdict(self.core.config))

    async def add_fault(self, request: web.Request) -> web.Response:
        """Inject 5xx answers, a 400/403 with Telegram's description, or dropped connections."""
        body = await _body(request)
        status = int(body.get("status", 500))
        description = body.get("description")
        if status in (400, 403):
            if not isinstance(description, str) or not description.startswith(
                ("Bad Request: ", "Forbidden: ")
            ):
                raise ControlError(400, "a 400 or 403 needs Telegram's description")
        elif not 500 <= status <= 599:
            raise ControlError(400, "status must be a 5xx code, 400 or 403")
        rule = FaultRule(
            method=body.get("method"),
            status=status,
            count=int(body.get("count", 0)),
            probability=float(body.get("probability", 0.0)),
            drop=bool(body.get("drop", False)),
            description=description if status < 500 else None,
        )
        if rule.count <= 0 and rule.probability <= 0:
            raise ControlError(400, "give a positive count or probability")
        self.core.faults.add(rule)
        return _ok(True)

    async def clear_faults(self, request: web.Request) -> web.Response:
        """Remove all fault rules."""
        self.core.faults.clear()
        return _ok(True)

    async def file_content(self, request: web.Request) -> web.Response:
        """The bytes of an uploaded file."""
        stored = self.core.state.files.get(request.match_info["file_id"])
        if stored is None:
            raise ControlError(404, "unknown file_id")
        return web.Response(body=stored.content, content_type="application/octet-stream")

    async def commands(self, request: web.Request) -> web.Response:
        """Commands stored by setMyCommands for a scope (JSON, default scope) and language."""
        scope_text = request.query.get("scope")
        scope = None
        if scope_text:
            try:
                scope = json.loads(scope_text)
            except ValueError:
                raise ControlError(400, "scope must be JSON") from None
        key = commands_key(scope, request.query.get("language_code"))
        return _ok(list(self.core.state.commands.get(key, [])))

    async def reset(self, request: web.Request) -> web.Response:
        """Forget everything and restore the initial config."""
        self.core.reset()
        return _ok(True)

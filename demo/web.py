"""The demo's web server: the chat page, a JSON API over the sandbox, and a live event stream."""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import logging
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from aiohttp import web

from demo.present import present_event, present_message
from demo.series import Persona
from sandbox.client import SandboxClient, SandboxControlError

if TYPE_CHECKING:
    from bot.clock import Clock

log = logging.getLogger(__name__)

STATIC_DIR: Final = Path(__file__).resolve().parent / "static"
STATIC_FILES: Final = {
    "index.html": "text/html",
    "demo.css": "text/css",
    "demo.js": "text/javascript",
}
HEARTBEAT: Final = 5.0
EVENT_WAIT: Final = 20.0
NAME_RE: Final = re.compile(r"^[^\x00-\x1f\x7f<>]{1,64}$")
MAX_UPLOAD: Final = 10 * 1024 * 1024
FORMATS: Final = frozenset({"bold", "italic", "text_link"})
PHOTO_TYPES: Final = frozenset({"image/jpeg", "image/png", "image/webp"})
LINK_RE: Final = re.compile(r"^https?://[^\s<>\"]{1,2000}$")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def _sniff(content: bytes, declared: str) -> str:
    """The content type of a served file (images recognised by their first bytes)."""
    for magic, kind in (
        (b"\x89PNG", "image/png"),
        (b"\xff\xd8\xff", "image/jpeg"),
        (b"GIF8", "image/gif"),
    ):
        if content.startswith(magic):
            return kind
    return declared if "/" in declared else "application/octet-stream"


class DemoWeb:
    """Serves the page and relays between the browser and the sandbox's control API."""

    def __init__(
        self, sandbox_url: str, clock: Clock, webinar: dict[str, Any], personas: list[Persona]
    ) -> None:
        """Prepare the server for a running sandbox; personas are added on start."""
        self.client = SandboxClient(sandbox_url)
        self.clock = clock
        self.webinar = webinar
        self.personas: dict[int, Persona] = {}
        self._initial = personas
        self.files: dict[str, dict[str, Any]] = {}
        self._subscribers: set[asyncio.Queue[dict[str, Any] | None]] = set()
        self._pumps: dict[int, asyncio.Task[None]] = {}
        self._ids = itertools.count(800001)
        self._runner: web.AppRunner | None = None
        self.url = ""

    def make_app(self) -> web.Application:
        """The aiohttp application with every route."""
        app = web.Application(client_max_size=MAX_UPLOAD + 64 * 1024)
        w = self._guard
        app.add_routes(
            [
                web.get("/", self.index),
                web.get("/static/{name}", self.static),
                web.get("/api/state", w(self.state)),
                web.post("/api/users", w(self.add_user)),
                web.get("/api/users/{user_id}/messages", w(self.transcript)),
                web.post("/api/users/{user_id}/messages", w(self.send_text)),
                web.post("/api/users/{user_id}/rich", w(self.send_rich)),
                web.post("/api/users/{user_id}/press", w(self.press)),
                web.get("/api/users/{user_id}/commands", w(self.commands)),
                web.get("/api/files/{file_id}", w(self.file)),
                web.get("/api/events", self.events),
            ]
        )
        return app

    async def start(self, host: str, port: int) -> None:
        """Create the personas in the sandbox, then listen on host:port (0: a free port)."""
        for persona in self._initial:
            await self._add(persona)
        runner = web.AppRunner(
            self.make_app(), access_log=None, handle_signals=False, shutdown_timeout=1.0
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{int(runner.addresses[0][1])}"

    async def stop(self) -> None:
        """End the event streams and relays, stop listening, close the sandbox client."""
        for queue in list(self._subscribers):
            queue.put_nowait(None)
        for task in self._pumps.values():
            task.cancel()
        for task in self._pumps.values():
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        runner, self._runner = self._runner, None
        if runner is not None:
            await runner.cleanup()
        await self.client.aclose()

    async def _add(self, persona: Persona) -> None:
        """Create a simulated user in the sandbox and relay its chat's events."""
        await self.client.add_user(
            persona.id,
            first_name=persona.first_name,
            last_name=persona.last_name or None,
            language_code=persona.language,
        )
        self.personas[persona.id] = persona
        self._pumps[persona.id] = asyncio.create_task(self._pump(persona.id))

    async def _pump(self, user_id: int) -> None:
        """Long-poll the sandbox for a chat's bot events and broadcast them to every page."""
        seq = 0
        while True:
            try:
                events = await self.client.wait_for_event(user_id, seq, timeout=EVENT_WAIT)
            except TimeoutError:
                continue
            except Exception as exc:
                log.debug("event relay for %s: %s", user_id, exc)
                await asyncio.sleep(1.0)
                continue
            for event in events:
                seq = max(seq, int(event["seq"]))
                self.broadcast(present_event(user_id, event, self.files))

    def broadcast(self, item: dict[str, Any]) -> None:
        """Send an item to every open event stream."""
        for queue in self._subscribers:
            queue.put_nowait(item)

    @staticmethod
    def _guard(handler: Handler) -> Handler:
        """Turn control-API refusals and bad input into JSON errors."""

        async def guarded(request: web.Request) -> web.StreamResponse:
            try:
                return await handler(request)
            except SandboxControlError as exc:
                return web.json_response({"error": exc.message}, status=exc.status)
            except (ValueError, KeyError, TypeError) as exc:
                return web.json_response({"error": f"bad request: {exc}"}, status=400)

        return guarded

    def _persona(self, request: web.Request) -> Persona:
        """The persona named in the path (404 for anyone else)."""
        persona = self.personas.get(int(request.match_info["user_id"]))
        if persona is None:
            raise web.HTTPNotFound(text="unknown user")
        return persona

    async def index(self, request: web.Request) -> web.StreamResponse:
        """The chat page."""
        return await self._static_file("index.html")

    async def static(self, request: web.Request) -> web.StreamResponse:
        """One of the page's fixed files."""
        return await self._static_file(request.match_info["name"])

    async def _static_file(self, name: str) -> web.StreamResponse:
        """Serve a known static file with a strict content security policy."""
        if name not in STATIC_FILES:
            raise web.HTTPNotFound()
        body = (STATIC_DIR / name).read_bytes()
        return web.Response(
            body=body, content_type=STATIC_FILES[name], charset="utf-8", headers=_SECURITY_HEADERS
        )

    async def state(self, request: web.Request) -> web.Response:
        """The people of the demo, the demo webinar and the bot's clock."""
        return web.json_response(
            {
                "now": self.clock.now().isoformat(),
                "webinar": self.webinar,
                "users": [persona.as_json() for persona in self.personas.values()],
            }
        )

    async def add_user(self, request: web.Request) -> web.Response:
        """Add a participant with a name and a language (en or es)."""
        body = await request.json()
        name = str(body.get("name", "")).strip()
        language = str(body.get("language", "en"))
        if not NAME_RE.match(name) or language not in ("en", "es"):
            return web.json_response(
                {"error": "give a name (1-64 characters) and en or es"}, status=400
            )
        first, _, last = name.partition(" ")
        persona = Persona(next(self._ids), first, last.strip(), language)
        await self._add(persona)
        self.broadcast({"kind": "user", "user": persona.as_json()})
        return web.json_response(persona.as_json())

    async def transcript(self, request: web.Request) -> web.Response:
        """The chat so far, in its current state (deleted messages left out)."""
        persona = self._persona(request)
        messages = await self.client.transcript(persona.id)
        shown = [present_message(m, self.files) for m in messages if not m.get("deleted")]
        return web.json_response(shown)

    async def send_text(self, request: web.Request) -> web.Response:
        """The person types a text or a command."""
        persona = self._persona(request)
        text = str((await request.json()).get("text", ""))
        if not text.strip() or len(text) > 4096:
            return web.json_response({"error": "type 1-4096 characters"}, status=400)
        message_id = await self.client.send_text(persona.id, text)
        mine = present_message(
            {
                "message_id": message_id,
                "from_bot": False,
                "text": text,
                "date": int(self.clock.now().timestamp()),
            },
            self.files,
        )
        self.broadcast({"user_id": persona.id, "kind": "message", "message": mine})
        return web.json_response({"message_id": message_id})

    async def send_rich(self, request: web.Request) -> web.Response:
        """The person sends formatted text, or a file (a photo for images) with a caption.

        A multipart form: `text` and `entities` (JSON, Bot API MessageEntity: bold, italic,
        text_link), and optionally `file`, whose caption is that text.
        """
        persona = self._persona(request)
        form = await request.post()
        text = str(form.get("text") or "")
        try:
            entities = formatting_entities(text, json.loads(str(form.get("entities") or "[]")))
        except ValueError as exc:
            return web.json_response({"error": str(exc)}, status=400)
        upload = form.get("file")
        if isinstance(upload, web.FileField):
            content = upload.file.read(MAX_UPLOAD + 1)
            if not content or len(content) > MAX_UPLOAD or len(text) > 1024:
                return web.json_response(
                    {"error": "send a file of at most 10 MB, with a caption of 1024 characters"},
                    status=400,
                )
            mime = upload.content_type or "application/octet-stream"
            photo = mime in PHOTO_TYPES
            message_id = await self.client.send_rich(
                persona.id,
                photo=photo,
                document=None if photo else re.sub(r"[\x00-\x1f/\\]", "_", upload.filename)[:100],
                caption=text or None,
                caption_entities=entities,
                content=content,
                mime_type=None if photo else mime,
            )
        elif text.strip() and len(text) <= 4096:
            message_id = await self.client.send_rich(persona.id, text=text, entities=entities)
        else:
            return web.json_response(
                {"error": "type 1-4096 characters or attach a file"}, status=400
            )
        sent = [
            m for m in await self.client.transcript(persona.id) if m["message_id"] == message_id
        ]
        if sent:
            mine = present_message(sent[0], self.files)
            self.broadcast({"user_id": persona.id, "kind": "message", "message": mine})
        return web.json_response({"message_id": message_id})

    async def press(self, request: web.Request) -> web.Response:
        """The person presses an inline button of a bot message."""
        persona = self._persona(request)
        body = await request.json()
        query = await self.client.press(persona.id, int(body["message_id"]), str(body["data"]))
        return web.json_response({"callback_query_id": query})

    async def commands(self, request: web.Request) -> web.Response:
        """The command menu this person sees (the most specific setMyCommands list)."""
        persona = self._persona(request)
        scopes: list[dict[str, Any] | None] = [
            {"type": "chat", "chat_id": persona.id},
            {"type": "all_private_chats"},
            None,
        ]
        for scope in scopes:
            for language in (persona.language, None):
                found = await self.client.bot_commands(language, scope)
                if found:
                    return web.json_response(found)
        return web.json_response([])

    async def file(self, request: web.Request) -> web.Response:
        """A file the bot sent to one of the chats (downloaded, or shown inline for images)."""
        entry = self.files.get(request.match_info["file_id"])
        if entry is None:
            raise web.HTTPNotFound(text="unknown file")
        content = await self.client.file_content(str(entry["file_id"]))
        kind = _sniff(content, str(entry["mime_type"]))
        headers = dict(_SECURITY_HEADERS)
        if not kind.startswith("image/"):
            name = re.sub(r"[^A-Za-z0-9._-]", "_", str(entry["file_name"]))[:100]
            headers["Content-Disposition"] = f'attachment; filename="{name}"'
        return web.Response(body=content, content_type=kind, headers=headers)

    async def events(self, request: web.Request) -> web.StreamResponse:
        """Server-sent events: every chat's bot events, and the clock every few seconds."""
        response = web.StreamResponse(
            headers={
                "Content-Type": "text/event-stream",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
            }
        )
        await response.prepare(request)
        queue: asyncio.Queue[dict[str, Any] | None] = asyncio.Queue()
        self._subscribers.add(queue)
        try:
            await response.write(b"retry: 1000\n\n")
            loop = asyncio.get_running_loop()
            next_clock = loop.time()
            while True:
                wait = next_clock - loop.time()
                if wait <= 0:  # the clock goes out every few seconds, busy or not
                    item: dict[str, Any] | None = {
                        "kind": "clock",
                        "now": self.clock.now().isoformat(),
                    }
                    next_clock = loop.time() + HEARTBEAT
                else:
                    try:
                        item = await asyncio.wait_for(queue.get(), wait)
                    except TimeoutError:
                        continue
                    if item is None:
                        break
                data = json.dumps(item, ensure_ascii=False)
                await response.write(f"data: {data}\n\n".encode())
        except ConnectionResetError:
            pass
        finally:
            self._subscribers.discard(queue)
        return response


_SECURITY_HEADERS: Final = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; "
    "style-src 'self'; script-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


def formatting_entities(text: str, raw: Any) -> list[dict[str, Any]]:
    """Check the toolbar's entities against the text (UTF-16 offsets); ValueError if wrong."""
    if not isinstance(raw, list) or len(raw) > 100:
        raise ValueError("entities must be a list of at most 100 MessageEntity objects")
    size = len(text.encode("utf-16-le")) // 2
    checked: list[dict[str, Any]] = []
    for item in raw:
        if not isinstance(item, dict) or item.get("type") not in FORMATS:
            raise ValueError("entities may be bold, italic or text_link only")
        offset, length = item.get("offset"), item.get("length")
        if not isinstance(offset, int) or not isinstance(length, int):
            raise ValueError("an entity needs a whole offset and length")
        if offset < 0 or length < 1 or offset + length > size:
            raise ValueError("an entity lies outside the text")
        entity: dict[str, Any] = {"type": item["type"], "offset": offset, "length": length}
        if item["type"] == "text_link":
            url = item.get("url")
            if not isinstance(url, str) or not LINK_RE.match(url):
                raise ValueError("a link needs an http(s) address")
            entity["url"] = url
        checked.append(entity)
    return checked

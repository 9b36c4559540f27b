"""The aiohttp application: Bot API routes (/bot{token}/{method}), control routes, lifecycle."""

from __future__ import annotations

import asyncio
import re
from typing import TYPE_CHECKING, Any

from aiohttp import web

from sandbox.addresses import is_loopback
from sandbox.api import ApiError, read_params
from sandbox.bot_methods import BOT_METHODS
from sandbox.control import ControlRoutes
from sandbox.core import SandboxCore
from sandbox.limits import FAULT_TEXTS, SandboxConfig
from sandbox.methods import CHAT_METHODS, Method
from sandbox.webhook import WebhookDeliverer

if TYPE_CHECKING:
    from sandbox.state import SandboxState

TOKEN_RE = re.compile(r"^\d+:[A-Za-z0-9_-]{30,}$")
MAX_BODY = 64 * 1024 * 1024


class SandboxServer:
    """A local stand-in for Telegram's Bot API server, listening on loopback only."""

    def __init__(self, config: SandboxConfig | None = None) -> None:
        """Prepare (but do not start) a server."""
        self.core = SandboxCore(config or SandboxConfig())
        self._runner: web.AppRunner | None = None
        self._host = "127.0.0.1"
        self._port = 0
        self._deliverer = WebhookDeliverer(self.core)
        methods = {**CHAT_METHODS, **BOT_METHODS}
        self._methods: dict[str, tuple[str, Method]] = {
            name.lower(): (name, func) for name, func in methods.items()
        }

    @property
    def config(self) -> SandboxConfig:
        """The live config (mutations apply immediately)."""
        return self.core.config

    @property
    def state(self) -> SandboxState:
        """The live state (replaced by reset)."""
        return self.core.state

    @property
    def url(self) -> str:
        """Base URL of the server, e.g. http://127.0.0.1:41234."""
        if self._runner is None:
            raise RuntimeError("sandbox server is not running")
        host = f"[{self._host}]" if ":" in self._host else self._host
        return f"http://{host}:{self._port}"

    @property
    def api_base_url(self) -> str:
        """What PTB gets as base_url (it appends the token and /method)."""
        return self.url + "/bot"

    def make_app(self) -> web.Application:
        """Build the aiohttp application."""
        app = web.Application(client_max_size=MAX_BODY)
        app.add_routes(ControlRoutes(self.core).routes())
        app.router.add_route("GET", "/bot{token}/{method}", self._bot_api)
        app.router.add_route("POST", "/bot{token}/{method}", self._bot_api)
        app.router.add_route("GET", "/file/bot{token}/documents/{file_id}", self._file)
        return app

    async def start(self, host: str = "127.0.0.1", port: int = 0) -> None:
        """Listen on host:port (port 0 picks a free port)."""
        if not is_loopback(host):
            raise ValueError(f"refusing to listen on non-loopback host {host!r}")
        if self._runner is not None:
            raise RuntimeError("sandbox server already started")
        runner = web.AppRunner(
            self.make_app(), access_log=None, handle_signals=False, shutdown_timeout=2.0
        )
        await runner.setup()
        site = web.TCPSite(runner, host, port)
        try:
            await site.start()
        except BaseException:
            await runner.cleanup()
            raise
        self._runner = runner
        self.core.stopping = False
        self._host = host
        self._port = int(runner.addresses[0][1])
        self._deliverer.start()

    async def stop(self) -> None:
        """Stop listening and close open connections."""
        runner, self._runner = self._runner, None
        if runner is not None:
            self.core.stopping = True
            self.core.state.updates_changed.fire()
            self.core.state.events_changed.fire()
            await self._deliverer.stop()
            await runner.cleanup()

    async def __aenter__(self) -> SandboxServer:
        """Start on a free loopback port."""
        await self.start()
        return self

    async def __aexit__(self, *exc: object) -> None:
        """Stop."""
        await self.stop()

    async def _file(self, request: web.Request) -> web.StreamResponse:
        """Download a file the bot found with getFile."""
        if not TOKEN_RE.match(request.match_info["token"]):
            return ApiError(401, "Unauthorized").response()
        stored = self.core.state.files.get(request.match_info["file_id"])
        if stored is None:
            return ApiError(404, "Not Found").response()
        return web.Response(body=stored.content, content_type="application/octet-stream")

    async def _bot_api(self, request: web.Request) -> web.StreamResponse:
        """Dispatch one Bot API request: token, method, latency, faults, then the method."""
        core = self.core
        token = request.match_info["token"]
        if not TOKEN_RE.match(token):
            return ApiError(401, "Unauthorized").response()
        entry = self._methods.get(request.match_info["method"].lower())
        if entry is None:
            return ApiError(404, "Not Found: method not found").response()
        name, func = entry
        core.bot_id = int(token.split(":", 1)[0])
        core.stats.requests[name] += 1
        if core.config.latency > 0:
            await asyncio.sleep(core.config.latency)
        rule = core.faults.pick(name.lower())
        if rule is not None:
            if rule.drop:
                core.stats.dropped += 1
                await request.read()
                if request.transport is not None:
                    request.transport.close()
                raise asyncio.CancelledError
            if rule.description is not None:
                return ApiError(rule.status, rule.description).response()
            core.stats.injected_5xx += 1
            text = FAULT_TEXTS.get(rule.status, "Internal Server Error")
            return ApiError(rule.status, text).response()
        try:
            params = await read_params(request)
            result: Any = await func(core, params)
        except ApiError as exc:
            core.stats.errors[exc.code] += 1
            core.stats.error_texts[f"{name}: {exc.description}"] += 1
            return exc.response()
        return web.json_response({"ok": True, "result": result})

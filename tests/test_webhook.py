"""Webhook mode: the sandbox posts updates to the bot's server; secrets, bad bodies, /healthz."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiohttp import web

from bot.config import ConfigError, load_settings
from bot.runtime.webhook_server import SECRET_HEADER, BotServer
from bot.services import SERVICES_KEY, Services
from sandbox import SandboxClient, SandboxServer
from tests.support.bots import RunningBot
from tests.support.settings import TOKEN
from tests.support.users import SimUser, register
from tests.support.waiting import eventually
from tests.support.webhooks import SECRET, WebhookBot, update_json, webhook_bot_running


@pytest.fixture
async def webhook_bot(sandbox: SandboxServer, tmp_path: Path) -> AsyncIterator[WebhookBot]:
    """The real bot in webhook mode, on a free port, against the sandbox."""
    async with webhook_bot_running(sandbox, tmp_path) as running:
        yield running


async def test_a_participant_registers_through_the_webhook(
    webhook_bot: WebhookBot, sandbox: SandboxServer, client: SandboxClient
) -> None:
    assert sandbox.state.webhook_url == webhook_bot.url
    assert sandbox.state.webhook_secret == SECRET
    user = await SimUser(client, 501).join()
    await register(user)
    participant = await webhook_bot.bot.services.participants.get(501)
    assert participant is not None and participant.full_name == "Ana Smith"
    stats = await client.stats()
    assert stats["webhook_deliveries"] >= 10
    assert stats["requests"].get("getUpdates", 0) == 0
    assert webhook_bot.server.received == stats["webhook_deliveries"]


async def test_the_secret_is_required_and_bad_bodies_are_refused(
    webhook_bot: WebhookBot, client: SandboxClient
) -> None:
    await client.add_user(777, first_name="Direct")
    body = json.dumps(update_json(900_001))
    async with httpx.AsyncClient(timeout=10) as http:
        missing = await http.post(webhook_bot.url, content=body)
        wrong = await http.post(
            webhook_bot.url, content=body, headers={SECRET_HEADER: SECRET + "x"}
        )
        not_ascii = await http.post(
            webhook_bot.url, content=body, headers={SECRET_HEADER: "s\u00e9cret".encode()}
        )
        right = await http.post(webhook_bot.url, content=body, headers={SECRET_HEADER: SECRET})
        garbage = await http.post(
            webhook_bot.url, content=b"{not json", headers={SECRET_HEADER: SECRET}
        )
        binary = await http.post(
            webhook_bot.url, content=b"\xff\xfe\x00", headers={SECRET_HEADER: SECRET}
        )
        not_update = await http.post(
            webhook_bot.url, content=b"[1, 2]", headers={SECRET_HEADER: SECRET}
        )
        bad_update = await http.post(
            webhook_bot.url,
            content=b'{"update_id": 5, "message": 3}',
            headers={SECRET_HEADER: SECRET},
        )
        health = await http.get(f"http://127.0.0.1:{webhook_bot.server.port}/healthz")
    assert (missing.status_code, wrong.status_code, not_ascii.status_code) == (403, 403, 403)
    assert right.status_code == 200
    assert (
        garbage.status_code,
        binary.status_code,
        not_update.status_code,
        bad_update.status_code,
    ) == (400, 400, 400, 400)
    assert health.status_code == 200, health.text
    # the accepted update was handled: /help answered the direct user
    user = SimUser(client, 777)
    await user.expect("webinar")


async def test_healthz_reports_each_part(webhook_bot: WebhookBot) -> None:
    url = f"http://127.0.0.1:{webhook_bot.server.port}/healthz"
    async with httpx.AsyncClient(timeout=10) as http:
        report = (await http.get(url)).json()
        assert report["healthy"] is True and report["mode"] == "webhook"
        assert report["database"]["ok"] is True
        assert report["database"]["schema_version"] == report["database"]["schema_latest"]
        assert report["outbox"] == {"pending": 0, "sending": 0, "failed": 0}
        assert report["outbox_sender_running"] is True and report["receiving_updates"] is True
        services: Services = webhook_bot.bot.application.bot_data[SERVICES_KEY]
        await services.sender.stop()
        answer = await http.get(url)
        assert answer.status_code == 503
        assert answer.json()["outbox_sender_running"] is False
        await services.sender.start()


async def test_healthz_in_polling_mode(bot: RunningBot) -> None:
    settings = bot.services.settings
    server = BotServer(bot.application, settings, webhook=False, port=0)
    await server.start()
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.get(f"http://127.0.0.1:{server.port}/healthz")
            hook = await http.post(f"http://127.0.0.1:{server.port}/", content=b"{}")
        assert answer.status_code == 200 and answer.json()["mode"] == "polling"
        assert hook.status_code in (404, 405)
        await bot.services.db.close()
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.get(f"http://127.0.0.1:{server.port}/healthz")
        assert answer.status_code == 503 and answer.json()["database"]["ok"] is False
        await bot.services.db.open()
    finally:
        await server.stop()


def test_webhook_settings_are_checked(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="^WEBHOOK_URL: .* must be an https URL"):
        load_settings({"WEBHOOK_URL": "http://bot.example.org/hook"}, env_file=None)
    assert load_settings({"WEBHOOK_URL": "http://127.0.0.1:9/hook"}, env_file=None).webhook_url
    with pytest.raises(ConfigError, match="^WEBHOOK_SECRET: "):
        load_settings({"WEBHOOK_SECRET": "has space"}, env_file=None)
    with pytest.raises(ConfigError, match="^WEBHOOK_PORT: "):
        load_settings({"WEBHOOK_PORT": "70000"}, env_file=None)
    settings = load_settings({"WEBHOOK_URL": "https://bot.example.org/hook"}, env_file=None)
    with pytest.raises(ConfigError, match="^WEBHOOK_SECRET: required"):
        BotServer(None, settings, webhook=True)  # type: ignore[arg-type]
    assert "hunter2" not in repr(load_settings({"WEBHOOK_SECRET": "hunter2"}, env_file=None))


async def test_sandbox_retries_failed_deliveries_with_the_secret(
    sandbox: SandboxServer, client: SandboxClient
) -> None:
    seen: list[tuple[str | None, dict[str, Any]]] = []
    answers = [500, 502, 200, 200]

    async def hook(request: web.Request) -> web.Response:
        seen.append((request.headers.get(SECRET_HEADER), await request.json()))
        return web.Response(status=answers[len(seen) - 1])

    app = web.Application()
    app.router.add_post("/hook", hook)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            answer = await http.post(
                f"{sandbox.api_base_url}{TOKEN}/setWebhook",
                json={"url": f"http://127.0.0.1:{port}/hook", "secret_token": "abc"},
            )
            assert answer.json()["ok"]
            polled = await http.post(f"{sandbox.api_base_url}{TOKEN}/getUpdates")
            assert polled.status_code == 409
        await client.add_user(31, first_name="Hook")
        await client.send_text(31, "hello")
        await client.send_text(31, "again")

        async def delivered() -> bool:
            return int((await client.stats())["webhook_deliveries"]) >= 2

        await eventually(delivered, 10, "both updates delivered to the webhook")
        stats = await client.stats()
        assert stats["webhook_deliveries"] == 2 and stats["webhook_failures"] == 2
        assert [secret for secret, _ in seen] == ["abc"] * 4
        texts = [body["message"]["text"] for _, body in seen]
        assert texts == ["hello", "hello", "hello", "again"]
        assert sandbox.state.updates == []
    finally:
        await runner.cleanup()


async def test_sandbox_delivers_only_to_loopback(
    sandbox: SandboxServer, client: SandboxClient
) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        answer = await http.post(
            f"{sandbox.api_base_url}{TOKEN}/setWebhook",
            json={"url": "https://bot.example.org/hook"},
        )
        assert answer.json()["ok"]
        await client.add_user(32)
        await client.send_text(32, "hello")

        async def held() -> dict[str, Any] | None:
            answer = await http.post(f"{sandbox.api_base_url}{TOKEN}/getWebhookInfo")
            info: dict[str, Any] = answer.json()
            return info if info["result"]["pending_update_count"] == 1 else None

        await eventually(held, 10, "the update held for the refused webhook")
    stats = await client.stats()
    assert stats["webhook_deliveries"] == 0 and stats["webhook_failures"] == 0

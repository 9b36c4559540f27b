"""The webhook under abuse: duplicates, deep JSON, floods of wrong secrets."""

from __future__ import annotations

import json
import logging
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.runtime.webhook_server import SECRET_HEADER
from sandbox import SandboxClient, SandboxServer
from storage.database import Database
from storage.received_updates import ReceivedUpdateStore
from tests.support.users import SimUser
from tests.support.webhooks import SECRET, WebhookBot, update_json, webhook_bot_running


class FakeMonotonic:
    """A monotonic clock the test moves by hand."""

    def __init__(self) -> None:
        """Start at zero."""
        self.now = 0.0

    def __call__(self) -> float:
        """The current reading."""
        return self.now


@pytest.fixture
def monotonic() -> FakeMonotonic:
    """The server's clock for rate-limited log lines."""
    return FakeMonotonic()


@pytest.fixture
async def hook(
    sandbox: SandboxServer, tmp_path: Path, monotonic: FakeMonotonic
) -> AsyncIterator[WebhookBot]:
    """The real bot in webhook mode with a hand-moved monotonic clock."""
    async with webhook_bot_running(sandbox, tmp_path, monotonic) as running:
        yield running


async def test_an_update_delivered_twice_is_handled_once(
    hook: WebhookBot, client: SandboxClient
) -> None:
    await client.add_user(778, first_name="Twice")
    user = SimUser(client, 778)
    first = json.dumps(update_json(910_001, user_id=778, text="/help"))
    second = json.dumps(update_json(910_002, user_id=778, text="/help"))
    async with httpx.AsyncClient(timeout=10) as http:
        for body in (first, first, second):
            answer = await http.post(hook.url, content=body, headers={SECRET_HEADER: SECRET})
            assert answer.status_code == 200
    await user.expect("webinar")
    await user.expect("webinar")
    # One user's updates are handled in order, so a handled duplicate would come before the
    # second /help's answer: only two answers exist.
    transcript = await client.transcript(778)
    replies = [event for event in transcript if event.get("from_bot")]
    assert len(replies) == 2, replies
    assert hook.server.duplicates == 1 and hook.server.received == 2


async def test_received_ids_survive_a_restart_and_stay_bounded(tmp_path: Path) -> None:
    path = tmp_path / "bot.sqlite3"
    async with Database(path) as db:
        store = ReceivedUpdateStore(db)
        assert await store.first_time(5, "2026-01-01T00:00:00Z")
        assert not await store.first_time(5, "2026-01-01T00:00:01Z")
    async with Database(path) as db:
        store = ReceivedUpdateStore(db)
        assert not await store.first_time(5, "2026-01-01T00:00:02Z")
        assert await store.first_time(50_000, "2026-01-01T00:00:03Z")
        assert await store.count() == 1


async def test_deeply_nested_json_is_a_400(hook: WebhookBot) -> None:
    deep = b"[" * 100_000 + b"]" * 100_000
    nested = json.dumps({"update_id": 1, "x": json.loads("[" * 200 + "]" * 200)})
    async with httpx.AsyncClient(timeout=10) as http:
        first = await http.post(hook.url, content=deep, headers={SECRET_HEADER: SECRET})
        second = await http.post(hook.url, content=nested, headers={SECRET_HEADER: SECRET})
    assert first.status_code == 400 and "deep" in first.text
    assert second.status_code == 400 and "deep" in second.text


async def test_wrong_secrets_are_logged_once_a_minute_with_a_count(
    hook: WebhookBot, monotonic: FakeMonotonic, caplog: pytest.LogCaptureFixture
) -> None:
    body = json.dumps(update_json(920_001))
    caplog.set_level(logging.WARNING, logger="bot.runtime.webhook_server")
    async with httpx.AsyncClient(timeout=10) as http:
        for _ in range(30):
            answer = await http.post(hook.url, content=body, headers={SECRET_HEADER: "wrong"})
            assert answer.status_code == 403
        lines = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
        assert len(lines) == 1 and "(1 since" in lines[0]
        monotonic.now += 61
        await http.post(hook.url, content=body, headers={SECRET_HEADER: "wrong"})
    lines = [r.getMessage() for r in caplog.records if "refused" in r.getMessage()]
    assert len(lines) == 2 and "(30 since" in lines[1]

"""The demo server without a browser: page, API, event stream, sanitising, series, CLI."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.clock import ManualClock
from bot.domain.series import parse_series
from bot.services import SERVICES_KEY
from demo.cli import _default_port
from demo.present import keyboard
from demo.render import render_entities, safe_url, sanitize_html
from demo.run import Demo, DemoConfig, running_demo
from demo.series import DEMO_WEBINAR_ID, ORGANIZER, PARTICIPANTS, demo_series_toml

NOW = datetime(2027, 1, 20, 13, 0, tzinfo=UTC)


@pytest.fixture
async def demo(tmp_path: Path) -> AsyncIterator[Demo]:
    """The whole demo on free ports, its files in tmp_path, time standing still."""
    config = DemoConfig(port=0, data_dir=tmp_path / "data", clock=ManualClock(NOW))
    async with running_demo(config) as running:
        yield running


@pytest.fixture
async def http(demo: Demo) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client for the demo page's server."""
    async with httpx.AsyncClient(base_url=demo.url, timeout=10.0) as client:
        yield client


async def test_serves_the_page_and_its_files_with_a_strict_policy(http: httpx.AsyncClient) -> None:
    page = await http.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    assert '<script src="/static/demo.js" defer></script>' in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    for name in ("demo.js", "demo.css"):
        assert (await http.get(f"/static/{name}")).status_code == 200
    assert (await http.get("/static/..%2Frun.py")).status_code == 404
    assert (await http.get("/static/run.py")).status_code == 404
    assert "http" not in page.text.replace("http-equiv", "")  # no external resources


async def test_state_lists_people_and_the_demo_webinar(http: httpx.AsyncClient, demo: Demo) -> None:
    state = (await http.get("/api/state")).json()
    ids = [user["id"] for user in state["users"]]
    assert ids == [p.id for p in PARTICIPANTS] + [ORGANIZER.id]
    roles = {user["id"]: user["role"] for user in state["users"]}
    assert roles[ORGANIZER.id] == "organizer"
    assert {"Guyana", "Belize"} <= {user["country"] for user in state["users"]}
    assert state["webinar"]["id"] == DEMO_WEBINAR_ID
    starts = datetime.fromisoformat(state["webinar"]["starts_at"])
    assert starts - NOW == timedelta(minutes=4)
    assert datetime.fromisoformat(state["now"]) == NOW
    assert demo.settings.admin_ids == frozenset({ORGANIZER.id})
    assert demo.settings.bot_token is None


async def test_commands_follow_the_persons_language(http: httpx.AsyncClient) -> None:
    english = (await http.get(f"/api/users/{PARTICIPANTS[0].id}/commands")).json()
    spanish = (await http.get(f"/api/users/{PARTICIPANTS[1].id}/commands")).json()
    assert next(c["command"] for c in english) == "start"
    assert [c["command"] for c in english] == [c["command"] for c in spanish]
    assert english[0]["description"] != spanish[0]["description"]
    assert (await http.get("/api/users/12345/commands")).status_code == 404


async def _next_data(lines: AsyncIterator[str]) -> dict:
    """The next `data:` item of an event stream other than the clock."""
    async for line in lines:
        if line.startswith("data: "):
            item = json.loads(line[6:])
            if item["kind"] != "clock":
                return item
    raise AssertionError("event stream ended")


async def test_event_stream_delivers_the_bots_answer(http: httpx.AsyncClient) -> None:
    user = PARTICIPANTS[0].id
    async with http.stream("GET", "/api/events") as stream:
        assert stream.headers["content-type"].startswith("text/event-stream")
        lines = stream.aiter_lines()
        async for line in lines:
            if line.startswith("data: "):
                clock = json.loads(line[6:])
                assert clock == {"kind": "clock", "now": NOW.isoformat()}
                break
        sent = await http.post(f"/api/users/{user}/messages", json={"text": "/start"})
        assert sent.status_code == 200
        seen: list[dict] = []
        async with asyncio.timeout(10):
            while not any(item.get("message", {}).get("from_bot") for item in seen):
                seen.append(await _next_data(lines))
    mine, answer = seen[0], seen[-1]
    assert mine["message"]["from_bot"] is False and mine["user_id"] == user
    assert answer["kind"] == "message" and answer["user_id"] == user
    assert "<b>Welcome" in answer["message"]["html"]
    assert answer["message"]["keyboard"][0][0] == {
        "text": "English",
        "kind": "callback",
        "data": "r:lang:en",
    }
    transcript = (await http.get(f"/api/users/{user}/messages")).json()
    assert [m["from_bot"] for m in transcript] == [False, True]
    pressed = await http.post(
        f"/api/users/{user}/press",
        json={"message_id": answer["message"]["message_id"], "data": "r:lang:en"},
    )
    assert pressed.status_code == 200
    forged = await http.post(f"/api/users/{user}/press", json={"message_id": 2, "data": "x"})
    assert forged.status_code == 404


async def test_adding_a_participant(http: httpx.AsyncClient) -> None:
    added = (await http.post("/api/users", json={"name": "Ana Smith", "language": "es"})).json()
    assert added["name"] == "Ana Smith" and added["language"] == "es"
    state = (await http.get("/api/state")).json()
    assert added["id"] in [user["id"] for user in state["users"]]
    assert (
        await http.post(f"/api/users/{added['id']}/messages", json={"text": "/help"})
    ).status_code == 200
    for bad in (
        {"name": "<script>x</script>", "language": "en"},
        {"name": "", "language": "en"},
        {"name": "Bo", "language": "fr"},
    ):
        assert (await http.post("/api/users", json=bad)).status_code == 400


async def test_unknown_files_are_not_served(http: httpx.AsyncClient) -> None:
    assert (await http.get("/api/files/AgACAgIAAxkBAAI00000001")).status_code == 404


async def test_demo_database_is_fresh_and_separate(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    (data / "demo.sqlite3").write_text("old demo data")
    (data / "webinar-bot.sqlite3").write_text("production")
    config = DemoConfig(port=0, data_dir=data, clock=ManualClock(NOW))
    async with running_demo(config) as running:
        assert running.settings.database_path == data / "demo.sqlite3"
        count = await running.application.bot_data[SERVICES_KEY].participants.count()
        assert count == 0
    assert (data / "webinar-bot.sqlite3").read_text() == "production"
    assert parse_series((data / "demo-series.toml").read_text()).webinars[0].id == DEMO_WEBINAR_ID


def test_sanitising_refuses_scripts_handlers_and_javascript_links() -> None:
    raw = (
        '<b>Hi</b> <script>alert(1)</script><a href="javascript:alert(2)">x</a>'
        '<a href="https://example.org/?a=1&b=2" onclick="evil()">ok</a>'
        '<img src=x onerror="alert(3)"><style>p{}</style><i>open'
    )
    clean = sanitize_html(raw)
    assert "<script" not in clean and "alert" not in clean and "javascript:" not in clean
    assert "onclick" not in clean and "onerror" not in clean and "<img" not in clean
    assert '<a href="https://example.org/?a=1&amp;b=2" target="_blank"' in clean
    assert clean.startswith("<b>Hi</b>") and clean.endswith("<i>open</i>")
    assert sanitize_html("&lt;script&gt;") == "&lt;script&gt;"


def test_entities_are_rendered_escaped_and_links_checked() -> None:
    text = "<b>Ana</b> 👍 bold /help site"
    entities = [
        {"type": "bold", "offset": 14, "length": 4},
        {"type": "bot_command", "offset": 19, "length": 5},
        {"type": "text_link", "offset": 25, "length": 4, "url": "javascript:alert(1)"},
        {"type": "text_link", "offset": 0, "length": 3, "url": "https://e.org"},
    ]
    html = render_entities(text, entities)
    assert html.startswith(
        '<a href="https://e.org" target="_blank" rel="noopener noreferrer">'
        "&lt;b&gt;</a>Ana&lt;/b&gt; 👍 <b>bold</b> "
    )
    assert 'data-command="/help"' in html and "javascript" not in html and html.endswith(" site")
    assert safe_url("JavaScript:alert(1)") is None and safe_url("data:text/html,x") is None
    assert safe_url("https://example.org/x y") is None
    assert keyboard(
        {
            "inline_keyboard": [
                [{"text": "a", "url": "javascript:x"}, {"text": "b", "url": "https://ok.org"}]
            ]
        }
    ) == [[{"text": "b", "kind": "url", "url": "https://ok.org"}]]


def test_demo_series_has_short_delays_and_a_soon_webinar() -> None:
    series = parse_series(demo_series_toml(NOW))
    first = series.webinars[0]
    assert first.id == DEMO_WEBINAR_ID and first.starts_at == NOW + timedelta(minutes=4)
    assert first.duration == timedelta(minutes=3)
    assert first.reminders == (timedelta(minutes=3), timedelta(minutes=1), timedelta(0))
    assert series.feedback_after == timedelta(seconds=30)
    assert series.feedback_nudge_after == timedelta(minutes=3)
    assert len(series.webinars) == 3 and series.webinars[1].starts_at > NOW + timedelta(days=1)


def test_demo_port_comes_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    from bot.cli.main import build_parser

    monkeypatch.setenv("DEMO_PORT", "8099")
    assert _default_port() == 8099
    monkeypatch.setenv("DEMO_PORT", "not-a-port")
    assert _default_port() == 8080
    args = build_parser().parse_args(["demo", "--port", "0", "--starts-in", "30s"])
    assert args.port == 0 and args.starts_in == "30s"

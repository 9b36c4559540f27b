"""End to end: each participant's calendar feed, served by the bot's web server in polling mode."""

from __future__ import annotations

import dataclasses
import re
import socket
from datetime import UTC, timedelta
from typing import TYPE_CHECKING

import httpx
import icalendar

from bot.delivery.series_changes import apply_series
from bot.runtime.webhook_server import BotServer
from tests.support.users import SimUser, button_url, register

if TYPE_CHECKING:
    from sandbox import SandboxClient
    from tests.support.bots import RunningBot


def free_port() -> int:
    """A free loopback port for the bot's web server."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def fetch(url: str) -> httpx.Response:
    """GET a feed as a calendar app would."""
    async with httpx.AsyncClient(timeout=10) as http:
        return await http.get(url)


async def test_feed_follows_a_moved_webinar_and_stops_after_forget(
    bot: RunningBot, client: SandboxClient
) -> None:
    port = free_port()
    services = bot.services
    services.settings = dataclasses.replace(
        services.settings, calendar_url=f"http://127.0.0.1:{port}/calendar"
    )
    server = BotServer(bot.application, services.settings, webhook=False, port=port)
    await server.start()
    try:
        user = await SimUser(client, 1501).join()
        await register(user)
        await user.drain()
        await user.say("/schedule")
        schedule = await user.expect("Calendar subscription")
        webcal = re.search(r"webcal://\S+\.ics", schedule["text"])
        assert webcal is not None
        url = button_url(schedule, "Subscribe")
        assert url == webcal[0].replace("webcal://", "http://")
        assert button_url(schedule, "Webinar 1: Google Calendar").startswith(
            "https://calendar.google.com/"
        )
        answer = await fetch(url)
        assert answer.status_code == 200
        assert answer.headers["content-type"].startswith("text/calendar")
        feed = icalendar.Calendar.from_ical(answer.content)
        assert str(feed["METHOD"]) == "PUBLISH"
        webinar = services.series.webinars[0]
        events = {str(e["UID"]): e for e in feed.walk("VEVENT")}
        uid = f"{webinar.id}@webinar-bot"
        assert events[uid]["DTSTART"].dt == webinar.starts_at.astimezone(UTC)

        moved = dataclasses.replace(webinar, starts_at=webinar.starts_at + timedelta(days=2))
        series = dataclasses.replace(
            services.series, webinars=(moved, *services.series.webinars[1:])
        )
        assert await apply_series(services, series) == 1
        again = icalendar.Calendar.from_ical((await fetch(url)).content)
        events = {str(e["UID"]): e for e in again.walk("VEVENT")}
        assert events[uid]["DTSTART"].dt == moved.starts_at.astimezone(UTC)
        assert int(events[uid]["SEQUENCE"]) == 2

        unknown = url.rsplit("/", 1)[0] + "/" + "x" * 43 + ".ics"
        assert (await fetch(unknown)).status_code == 404
        await user.expect("Change to")  # the notice of the move, sent through the outbox
        await user.say("/forget")
        confirm = await user.expect("Erase your personal data?")
        await user.press(confirm, "Yes, erase")
        await user.shown()
        assert (await fetch(url)).status_code == 404
    finally:
        await server.stop()

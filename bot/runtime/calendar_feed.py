"""Each participant's calendar subscription: its URLs, and the feed served at them.

The feed lives at `<CALENDAR_URL>/<token>.ics`, where the token is the participant's own
(storage/calendar_tokens.py). Calendar apps fetch it again every few hours, so a moved or
changed webinar shows its new time under the same UID. Erasing the participant deletes the
token: the URL then answers 404, as an unknown one does.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final
from urllib.parse import urlsplit, urlunsplit

from aiohttp import web

from bot.render.calendar_files import feed_calendar
from bot.services import SERVICES_KEY

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable

    from telegram.ext import Application

    from bot.services import Services
    from storage.participants import Participant

log = logging.getLogger(__name__)

FEED_SUFFIX: Final = ".ics"
CACHE_SECONDS: Final = 300


@dataclass(frozen=True)
class FeedUrls:
    """A participant's subscription, as a web link and as a calendar-app link."""

    https: str
    webcal: str


def feed_path(base_url: str) -> str:
    """The route of the feed on the bot's web server, for a CALENDAR_URL."""
    prefix = urlsplit(base_url).path.rstrip("/")
    return f"{prefix}/{{token}}{FEED_SUFFIX}"


def feed_urls(base_url: str, token: str) -> FeedUrls:
    """The https:// and webcal:// URLs of the feed holding `token`."""
    parts = urlsplit(base_url)
    path = f"{parts.path.rstrip('/')}/{token}{FEED_SUFFIX}"
    https = urlunsplit((parts.scheme, parts.netloc, path, "", ""))
    webcal = urlunsplit(("webcal", parts.netloc, path, "", ""))
    return FeedUrls(https, webcal)


async def subscription_for(services: Services, participant: Participant) -> FeedUrls | None:
    """The participant's subscription URLs (making the token on first use), or None when off."""
    base = services.settings.calendar_url
    if not base:
        return None
    token = await services.calendar_tokens.token_for(participant.id, services.clock.now())
    return feed_urls(base, token)


async def feed_for(services: Services, token: str) -> bytes | None:
    """The feed of the participant holding `token`, or None for an unknown or revoked one."""
    telegram_id = await services.calendar_tokens.telegram_id_for(token)
    if telegram_id is None:
        return None
    participant = await services.participants.get(telegram_id)
    if participant is None:
        return None
    versions = await services.schedule.versions()
    return feed_calendar(services.series, participant.language, participant.webinar_ids, versions)


def feed_handler(
    application: Application,
) -> Callable[[web.Request], Awaitable[web.Response]]:
    """The read-only GET route answering a feed, or 404."""

    async def handle(request: web.Request) -> web.Response:
        """GET <CALENDAR_URL>/<token>.ics."""
        services: Services = application.bot_data[SERVICES_KEY]
        body = await feed_for(services, request.match_info.get("token", ""))
        if body is None:
            return web.Response(status=404, text="no such calendar")
        return web.Response(
            body=body,
            content_type="text/calendar",
            charset="utf-8",
            headers={
                "Cache-Control": f"private, max-age={CACHE_SECONDS}",
                "Content-Disposition": 'inline; filename="webinars.ics"',
            },
        )

    return handle

"""What follows a registration for webinars: a last-minute reminder when the start is near."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.clock import to_iso
from bot.domain.reminders import needs_late_reminder

if TYPE_CHECKING:
    from collections.abc import Iterable

    from bot.services import Services


async def after_joining(services: Services, participant_id: int, webinar_ids: Iterable[str]) -> int:
    """Queue one 'starts in N minutes' message per webinar starting within the hour."""
    now = services.clock.now()
    queued = 0
    for webinar_id in webinar_ids:
        webinar = services.series.webinar(webinar_id)
        if webinar is None or not needs_late_reminder(webinar.starts_at, webinar.ends_at, now):
            continue
        if await services.outbox.enqueue(
            "late_reminder", webinar_id, participant_id, to_iso(webinar.starts_at), now, now
        ):
            queued += 1
    if queued and services.sender is not None:
        services.sender.wake()
    return queued

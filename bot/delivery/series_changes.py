"""A new version of the series (file reloaded, a webinar changed in the chat) put in force.

The webinars are stored, the registrants of each changed webinar get a change notice
through the outbox, and seats a raised capacity frees go to the people waiting for them.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.delivery.waiting_list import grant_free_seats

if TYPE_CHECKING:
    from bot.domain.series import Series
    from bot.services import Services

log = logging.getLogger(__name__)


async def apply_series(services: Services, series: Series) -> int:
    """Store the series' webinars; tell registrants of changed ones; return the changes."""
    services.series = series
    now = services.clock.now()
    changes = await services.schedule.sync(series.webinars, now)
    for change in changes:
        queued = await services.schedule.enqueue_for_registrants(
            "change_notice", change.webinar_id, f"v{change.version}", now
        )
        log.info(
            "webinar %s changed (version %d): change notice for %d registrants",
            change.webinar_id,
            change.version,
            queued,
        )
    await grant_free_seats(services)
    if services.sender is not None:
        services.sender.wake()
    return len(changes)

"""Capacity per webinar: the seats each webinar offers, and moving people up from its waiting list.

A webinar with `capacity = N` in the series file seats N participants; whoever chooses it when it
is full waits in order (storage.waiting_list). Whenever a seat may have become free (a participant
leaves the webinar or erases their data, the series is reloaded with more seats, the bot starts)
`grant_free_seats` gives the free seats to the first people waiting, who are told through the
outbox. Nothing moves for a webinar that has ended.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.delivery.enrolment import after_joining

if TYPE_CHECKING:
    from collections.abc import Collection, Iterable
    from datetime import datetime

    from bot.domain.series import Series, Webinar
    from bot.services import Services

log = logging.getLogger(__name__)


def capacities(series: Series) -> dict[str, int]:
    """The seats of each webinar that has a capacity (the others have no limit)."""
    return {w.id: w.capacity for w in series.webinars if w.capacity is not None}


def seats_to_give_up(series: Series, webinar_ids: Iterable[str], now: datetime) -> list[str]:
    """Of a person's webinars, those whose seat goes to someone else when they erase their data.

    Only webinars with a capacity that have not ended: an unlimited webinar, or one already
    held, keeps the registration (anonymously) for the series' figures.
    """
    chosen = set(webinar_ids)
    return [w.id for w in _open_with_capacity(series, now) if w.id in chosen]


def _open_with_capacity(series: Series, now: datetime) -> list[Webinar]:
    """The webinars with a capacity that have not ended yet."""
    return [w for w in series.webinars if w.capacity is not None and now < w.ends_at]


async def seat_request(services: Services, participant_id: int, webinar_id: str) -> int | None:
    """Give a participant who asked for a webinar its seat, or a place on its waiting list.

    Whatever state the request was in, it is replaced in one transaction by the seat (with a
    last-minute reminder if the webinar starts within the hour) or, when the webinar is full,
    by a place at the end of its list. Returns None when seated, else the place.
    """
    webinar = services.series.webinar(webinar_id)
    capacity = webinar.capacity if webinar is not None else None
    now = services.clock.now()
    place = await services.waiting_list.seat_request(participant_id, webinar_id, capacity, now)
    if place is None:
        await after_joining(services, participant_id, [webinar_id])
    return place


async def grant_free_seats(services: Services, webinar_ids: Collection[str] | None = None) -> int:
    """Give the free seats of webinars (all when None) to the first people on their lists.

    A webinar whose capacity was taken out of the series seats everyone waiting.

    Each person moved up holds the seat and has the message "a seat became free" queued in
    the same transaction; a last-minute reminder follows if the webinar starts within the hour.
    Returns how many people were moved up.
    """
    now = services.clock.now()
    moved_total = 0
    for webinar in services.series.webinars:
        if now >= webinar.ends_at or (webinar_ids is not None and webinar.id not in webinar_ids):
            continue
        moved = await services.waiting_list.move_up(webinar.id, webinar.capacity, now)
        for participant_id in moved:
            await after_joining(services, participant_id, [webinar.id])
        if moved:
            log.info("webinar %s: %d moved up from the waiting list", webinar.id, len(moved))
        moved_total += len(moved)
    if moved_total and services.sender is not None:
        services.sender.wake()
    return moved_total

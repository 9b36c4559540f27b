"""The organizers' digest: each new registration told to the organizers through the outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.catalogue import LANGUAGES
from bot.render.views import profile_view

if TYPE_CHECKING:
    from bot.services import Services
    from storage.outbox import Delivery


async def organizer_chats(services: Services) -> set[int]:
    """The organizers' chats: ADMIN_IDS and those added in the chat."""
    return set(services.settings.admin_ids) | await services.organizers.ids()


async def chats_to_tell(services: Services) -> set[int]:
    """The chats that get a line about a new registration: none unless the series asks."""
    if services.series.organizer_digest != "each":
        return set()
    return await organizer_chats(services)


async def digest_line(services: Services, delivery: Delivery) -> str | None:
    """The line an organizer reads about the row's registration, or None when it is gone."""
    participant = await services.participants.by_id(delivery.participant)
    if participant is None:
        return None
    lang = LANGUAGES[0]
    view = profile_view(
        services.texts,
        services.series,
        {**participant.profile(), "language": lang},
        services.clock.now(),
    )
    return services.texts.render(
        lang,
        "organizer_digest",
        entry={
            "name": view["name"] if services.series.organizer_digest_names else None,
            "state": view["country"],
            "institution": view["institution"],
            "sex": view["sex"],
            "webinars": len(participant.webinar_ids)
            + len(await services.approvals.awaiting_ids(participant.id)),
        },
    )

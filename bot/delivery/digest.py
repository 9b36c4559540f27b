"""The organizers' digest: each new registration told to the organizers through the outbox."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.domain.catalogue import LANGUAGES
from bot.render.views import profile_view

if TYPE_CHECKING:
    from bot.services import Services
    from storage.outbox import Delivery
    from storage.participants import Participant


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
    entry = registration_entry(services, lang, participant, services.series.organizer_digest_names)
    return services.texts.render(lang, "organizer_digest", entry=entry)


def registration_entry(
    services: Services, lang: str, participant: Participant, names: bool
) -> dict[str, Any]:
    """One registration's line: state, institution, sex, webinars (the name when asked)."""
    view = profile_view(
        services.texts,
        services.series,
        {**participant.profile(), "language": lang},
        services.clock.now(),
    )
    return {
        "name": view["name"] if names else None,
        "state": view["country"],
        "institution": view["institution"],
        "sex": view["sex"],
        "webinars": len(participant.profile()["webinars"]),
    }

"""Calendar files sent to a participant: on demand (/schedule) and the one queued at registration.

A new participant's file of their webinars is an outbox row (`CALENDAR_KIND`), queued as soon
as "You are registered" is shown (so it never arrives before it): the reply does not wait for
the upload, a failed upload is tried again, and a restart still delivers a file queued before
it. The file itself is shared by everyone with
the same language and webinars, with the participant added as ATTENDEE when their e-mail is
known; once uploaded, Telegram's file_id is sent instead (`InviteFiles`).
"""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from telegram import InputFile

from bot.render.calendar_files import (
    Attendee,
    calendar_filename,
    series_calendar,
    webinar_calendar,
    with_attendee,
)

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from telegram import Bot, Message

    from bot.delivery.relevance import Outcome
    from bot.domain.series import Series, Webinar
    from bot.services import Services
    from storage.outbox import Delivery
    from storage.participants import Participant


def _series_file(
    series: Series, lang: str, chosen: tuple[str, ...], versions: Mapping[str, int]
) -> tuple[str, bytes]:
    """The name and content of the shared invitation to the chosen webinars."""
    return calendar_filename(series), series_calendar(series, lang, chosen, versions)


def _webinar_file(series: Series, webinar: Webinar, lang: str, version: int) -> tuple[str, bytes]:
    """The name and content of the shared invitation to one webinar."""
    return calendar_filename(series, webinar), webinar_calendar(series, webinar, lang, version)


async def send_calendar_file(
    services: Services,
    bot: Bot,
    chat_id: int,
    participant: Participant | None,
    lang: str,
    which: str = "all",
    **send: Any,
) -> Message | None:
    """Send a calendar file: 'all' (the participant's webinars) or a webinar's index.

    Returns the message sent, or None when `which` names no webinar. `send` goes to
    send_document (the outbox passes its own rate-limit arguments).
    """
    series, versions = services.series, await services.schedule.versions()
    attendee = (
        Attendee(participant.full_name or "", participant.email)
        if participant is not None and participant.email
        else None
    )
    build: Callable[[], tuple[str, bytes]]  # called only when the shared file is not cached
    if which == "all":
        chosen = (
            tuple(participant.webinar_ids)
            if participant and participant.webinar_ids
            else tuple(services.webinar_ids)
        )
        key: tuple[object, ...] = ("all", lang, chosen, tuple(sorted(versions.items())))
        build = partial(_series_file, series, lang, chosen, versions)
    elif which.isdigit() and int(which) < len(series.webinars):
        webinar = series.webinars[int(which)]
        version = versions.get(webinar.id, 1)
        key = (webinar.id, lang, version)
        build = partial(_webinar_file, series, webinar, lang, version)
    else:
        return None
    sent_as = key if attendee is None else (*key, attendee.name, attendee.email)
    known = services.invites.file_id(sent_as)
    document: str | InputFile
    if known is not None:
        document = known
    else:
        name, data = services.invites.get(key, build)
        if attendee is not None:
            data = with_attendee(data, attendee)
        document = InputFile(data, filename=name, attach=True)
    caption = services.texts.render(lang, "calendar_caption")
    message = await bot.send_document(chat_id, document, caption=caption, **send)
    if known is None and message.document is not None:
        services.invites.remember(sent_as, message.document.file_id)
    return message


async def registration_calendar_unwanted(services: Services, delivery: Delivery) -> Outcome | None:
    """Why a new participant's calendar file no longer goes out (gone, no seat left), or None."""
    participant = await services.participants.by_id(delivery.participant)
    if participant is None:
        return "cancelled", {"last_error": "the participant is gone"}
    if not participant.webinar_ids:
        return "cancelled", {"last_error": "no seat in any webinar"}
    return None


async def send_registration_calendar(services: Services, bot: Bot, delivery: Delivery) -> Message:
    """Send a new participant the calendar file of the webinars they hold a seat in."""
    participant = await services.participants.by_id(delivery.participant)
    if participant is None or delivery.telegram_id is None or not participant.webinar_ids:
        raise LookupError(f"calendar row {delivery.id}: the participant holds no seat")
    message = await send_calendar_file(
        services, bot, delivery.telegram_id, participant, participant.language, rate_limit_args=0
    )
    assert message is not None, "'all' always names a file"
    return message

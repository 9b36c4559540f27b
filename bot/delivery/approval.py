"""Approval of registrations by an organizer (series setting `approval = true`).

With approval on, the webinars a participant chooses wait for an organizer instead of getting
seats. An organizer decides per participant, for all their waiting webinars at once, with the
Approve and Decline buttons of the digest line or of /pending. `decide` is the one way a
decision is taken; the participant is told through the outbox (`send_decision`): on approval
with the calendar file of the webinars granted, on decline with a polite word from the
organizers. Reminders and every figure read `registrations`, so they see approved seats only.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from telegram import InputFile

from bot.delivery.enrolment import after_joining
from bot.delivery.waiting_list import capacities
from bot.domain.catalogue import LANGUAGES
from bot.render.calendar_files import Attendee, calendar_filename, series_calendar
from bot.render.organizer_keyboards import approval_keyboard
from bot.render.views import profile_view, webinar_rows, zone_label
from storage.approvals import APPROVED, DECLINED, QUEUED, Decision, Waiting

if TYPE_CHECKING:
    from telegram import Bot, InlineKeyboardMarkup, Message

    from bot.delivery.relevance import Outcome
    from bot.services import Services
    from storage.outbox import Delivery

PENDING_SHOWN: Final = 10  # participants listed by one /pending, oldest first
CHOICES: Final = {"y": APPROVED, "n": DECLINED}  # the buttons' part -> the decision


async def decide(
    services: Services, participant_id: int, choice: str, organizer_id: int, organizer_name: str
) -> Decision:
    """Approve or decline (`choice` "y" or "n") all of a participant's waiting webinars.

    Approving grants the seats (`storage.approvals.grant_seats`, one transaction with the
    notice); a webinar starting within the hour also gets its last-minute reminder.
    """
    decision = await services.approvals.decide(
        participant_id,
        CHOICES[choice],
        organizer_id,
        organizer_name,
        services.clock.now(),
        capacities(services.series),
    )
    if decision.outcome == APPROVED:
        await after_joining(services, participant_id, decision.webinar_ids)
    if decision.outcome in CHOICES.values() and services.sender is not None:
        services.sender.wake()
    return decision


def decision_line(services: Services, lang: str, decision: Decision, presser: str) -> str:
    """What an organizer reads in place of the buttons (HTML): who decided what, and when.

    A decision this press took reads with the presser's name and the clock's time, exactly as
    it will read to whoever presses after.
    """
    if decision.outcome in CHOICES.values():
        action, who, at = decision.outcome, presser, services.clock.now()
    elif decision.action is not None and decision.at is not None:
        action, who, at = decision.action, decision.by_name or "—", decision.at
    else:
        return services.texts.render(lang, "approval_gone")
    return services.texts.render(
        lang, "approval_decided", action=action, who=who, at=at, zone=services.series.timezone.key
    )


async def digest_buttons(services: Services, delivery: Delivery) -> InlineKeyboardMarkup | None:
    """Approve and Decline under a digest line, while the participant waits for a decision."""
    if not await services.approvals.awaiting_ids(delivery.participant):
        return None
    return approval_keyboard(services.texts, LANGUAGES[0], delivery.participant)


async def pending_entries(
    services: Services, lang: str
) -> tuple[int, list[tuple[str, InlineKeyboardMarkup]]]:
    """How many participants wait, and the first of them as (text, buttons), oldest first."""
    total, waiting = await services.approvals.waiting(PENDING_SHOWN)
    return total, [
        (_entry(services, lang, w), approval_keyboard(services.texts, lang, w.participant_id))
        for w in waiting
    ]


def _entry(services: Services, lang: str, waiting: Waiting) -> str:
    """One waiting participant as an organizer reads it in /pending."""
    data = {
        "full_name": waiting.full_name,
        "country": waiting.country,
        "country_other": waiting.country_other,
        "institution": waiting.institution,
        "institution_other": waiting.institution_other,
        "sex": waiting.sex,
        "language": lang,
        "webinars": list(waiting.webinar_ids),
    }
    view = profile_view(services.texts, services.series, data, services.clock.now())
    return services.texts.render(
        lang,
        "pending_entry",
        p=view,
        asked=waiting.requested_at,
        zone=services.series.timezone.key,
    )


def _decided(delivery: Delivery) -> tuple[str, list[str]]:
    """The outcome and the webinars of a decision notice's outbox row (`outcome|at|ids`)."""
    outcome, _stamp, ids = delivery.purpose.split("|")
    return outcome, [w for w in ids.split(",") if w]


async def decision_unwanted(services: Services, delivery: Delivery) -> Outcome | None:
    """Why a decision notice no longer goes out (the person is gone, no longer waiting), or None."""
    participant = await services.participants.by_id(delivery.participant)
    if participant is None:
        return "cancelled", {"last_error": "the participant is gone"}
    outcome, ids = _decided(delivery)
    if outcome == QUEUED and not set(ids) & set(participant.waiting_list):
        return "cancelled", {"last_error": "no longer on a waiting list"}
    return None


async def send_decision(services: Services, bot: Bot, delivery: Delivery) -> Message:
    """Tell a participant the organizers' decision (approved: with the calendar file)."""
    outcome, ids = _decided(delivery)
    participant = await services.participants.by_id(delivery.participant)
    if participant is None or delivery.telegram_id is None:
        raise LookupError(f"decision row {delivery.id}: the participant is gone")
    lang, series = delivery.language, services.series
    webinars = [w for w in series.webinars if w.id in ids]
    if outcome == QUEUED:
        waiting = {w: n for w, n in participant.waiting_list.items() if w in ids}
        if not waiting:
            raise LookupError(f"decision row {delivery.id}: no longer on a waiting list")
        text = "\n\n".join(
            (
                services.texts.render(lang, "approval_queued", name=participant.full_name or ""),
                services.texts.render(
                    lang,
                    "waiting_list",
                    waiting=webinar_rows(series, lang, list(waiting), waiting=waiting),
                ),
            )
        )
        return await bot.send_message(delivery.telegram_id, text)
    if outcome == DECLINED:
        text = services.texts.render(
            lang,
            "approval_declined",
            titles=[w.title_for(lang) for w in webinars],
            series_title=series.title_for(lang),
            organizer=series.organizer_for(lang),
        )
        return await bot.send_message(delivery.telegram_id, text)
    attendee = (
        Attendee(participant.full_name or "", participant.email) if participant.email else None
    )
    versions = await services.schedule.versions()
    data = series_calendar(series, lang, [w.id for w in webinars], versions, attendee)
    caption = services.texts.render(
        lang,
        "approval_granted",
        name=participant.full_name or "",
        count=len(webinars),
        zone=zone_label(participant.timezone, services.clock.now(), lang),
    )
    return await bot.send_document(
        delivery.telegram_id,
        InputFile(data, filename=calendar_filename(series), attach=True),
        caption=caption,
    )

"""Whether a claimed outbox row is still wanted when its turn comes, and why not."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.clock import to_iso
from bot.domain import survey
from bot.domain.reminders import offset_of, skip_reason, start_of
from storage.approvals import DECISION_KIND
from storage.daily_digest import DAILY_DIGEST_KIND
from storage.outbox import CALENDAR_KIND, DIGEST_KIND
from storage.waiting_list import SEAT_KIND

if TYPE_CHECKING:
    from collections.abc import Callable
    from datetime import datetime

    from bot.domain.series import Webinar
    from bot.services import Services
    from storage.outbox import Delivery

Outcome = tuple[str, dict[str, Any]]
Reason = tuple[str, str]  # the row's final status and why
NOT_REGISTERED = ("cancelled", "no longer registered for the webinar")


def still_wanted(services: Services, delivery: Delivery, now: datetime) -> Outcome | None:
    """Why a row should not be sent after all (cancelled or skipped), or None."""
    found = _unwanted(services, delivery, now)
    return None if found is None else (found[0], {"last_error": found[1]})


def _unwanted(services: Services, delivery: Delivery, now: datetime) -> Reason | None:
    """The checks every kind shares, then the kind's own."""
    if delivery.telegram_id is None:
        return "cancelled", "the participant erased their data"
    if delivery.unreachable:
        return "unreachable", "the participant cannot be reached"
    if delivery.kind in ("broadcast", DIGEST_KIND, DECISION_KIND, DAILY_DIGEST_KIND, CALENDAR_KIND):
        return None  # checked by the sender: its broadcast, its participant, the organizers
    webinar = services.series.webinar(delivery.webinar_id or "")
    if webinar is None:
        return "cancelled", "the webinar is no longer in the series"
    check = _BY_KIND.get(delivery.kind)
    return None if check is None else check(services, delivery, webinar, now)


def _reminder(
    services: Services, delivery: Delivery, webinar: Webinar, now: datetime
) -> Reason | None:
    """A reminder: still registered, reminders on, the same start, not too late."""
    if not delivery.registered:
        return NOT_REGISTERED
    if not delivery.reminders_enabled:
        return "cancelled", "reminders turned off"
    if start_of(delivery.purpose) != to_iso(webinar.starts_at):
        return "cancelled", "the webinar moved"
    reason = skip_reason(offset_of(delivery.purpose), webinar.starts_at, webinar.ends_at, now)
    return ("skipped", reason) if reason else None


def _late_reminder(
    services: Services, delivery: Delivery, webinar: Webinar, now: datetime
) -> Reason | None:
    """A "starts in a few minutes" or "a seat became free": still registered, not over."""
    if not delivery.registered:
        return NOT_REGISTERED
    return ("skipped", "the webinar had ended") if now >= webinar.ends_at else None


def _change_notice(
    services: Services, delivery: Delivery, webinar: Webinar, now: datetime
) -> Reason | None:
    """A change notice: only the latest change's."""
    if delivery.purpose != f"v{delivery.webinar_version}":
        return "cancelled", "superseded by a later change"
    return None


def _survey(
    services: Services, delivery: Delivery, webinar: Webinar, now: datetime
) -> Reason | None:
    """A survey invitation or nudge: still registered, the survey still open."""
    if not delivery.registered:
        return NOT_REGISTERED
    if not survey.is_open(services.series, webinar, now):
        return "skipped", "the survey had closed"
    return None


_BY_KIND: dict[str, Callable[[Any, Delivery, Any, datetime], Reason | None]] = {
    "reminder": _reminder,
    "late_reminder": _late_reminder,
    "change_notice": _change_notice,
    SEAT_KIND: _late_reminder,
    "survey": _survey,
    "nudge": _survey,
}

"""Whether a claimed outbox row is still wanted when its turn comes, and why not."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.clock import to_iso
from bot.domain import survey
from bot.domain.reminders import offset_of, skip_reason, start_of

if TYPE_CHECKING:
    from datetime import datetime

    from storage.outbox import Delivery

Outcome = tuple[str, dict[str, Any]]


def still_wanted(services: Any, delivery: Delivery, now: datetime) -> Outcome | None:
    """Why a row should not be sent after all (cancelled or skipped), or None."""
    if delivery.telegram_id is None:
        return "cancelled", {"last_error": "the participant erased their data"}
    if delivery.unreachable:
        return "unreachable", {"last_error": "the participant cannot be reached"}
    if delivery.kind == "broadcast":
        return None  # checked in _attempt, against its broadcast
    webinar = services.series.webinar(delivery.webinar_id or "")
    if webinar is None:
        return "cancelled", {"last_error": "the webinar is no longer in the series"}
    if delivery.kind in ("reminder", "late_reminder") and not delivery.registered:
        return "cancelled", {"last_error": "no longer registered for the webinar"}
    if delivery.kind == "reminder":
        if not delivery.reminders_enabled:
            return "cancelled", {"last_error": "reminders turned off"}
        if start_of(delivery.purpose) != to_iso(webinar.starts_at):
            return "cancelled", {"last_error": "the webinar moved"}
        reason = skip_reason(offset_of(delivery.purpose), webinar.starts_at, webinar.ends_at, now)
        if reason:
            return "skipped", {"last_error": reason}
    if delivery.kind == "late_reminder" and now >= webinar.ends_at:
        return "skipped", {"last_error": "the webinar had ended"}
    if delivery.kind == "change_notice" and delivery.purpose != f"v{delivery.webinar_version}":
        return "cancelled", {"last_error": "superseded by a later change"}
    if delivery.kind in ("survey", "nudge"):
        if not delivery.registered:
            return "cancelled", {"last_error": "no longer registered for the webinar"}
        if not survey.is_open(services.series, webinar, now):
            return "skipped", {"last_error": "the survey had closed"}
    return None

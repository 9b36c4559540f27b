"""When a reminder is still worth sending: the rules, free of Telegram and SQL."""

from __future__ import annotations

from datetime import datetime, timedelta

# The "starting now" reminder is still useful a little after the start.
STARTING_NOW_GRACE = timedelta(minutes=15)
# Who registers this close to the start gets one "starts in N minutes" message instead.
LATE_WINDOW = timedelta(hours=1)


def skip_reason(
    offset: timedelta, starts_at: datetime, ends_at: datetime, now: datetime
) -> str | None:
    """Why a reminder due `offset` before the start should no longer go out, or None."""
    if now >= ends_at:
        return "the webinar had ended"
    if offset > timedelta(0) and now >= starts_at:
        return "the webinar had started"
    if offset <= timedelta(0) and now > starts_at + STARTING_NOW_GRACE:
        return "more than 15 minutes after the start"
    return None


def offset_of(purpose: str) -> timedelta:
    """The offset encoded in a reminder's outbox purpose ('3600@<start>')."""
    seconds, _, _ = purpose.partition("@")
    return timedelta(seconds=int(seconds))


def start_of(purpose: str) -> str:
    """The start time (stored form) encoded in a reminder's outbox purpose."""
    return purpose.partition("@")[2]


def needs_late_reminder(starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    """Whether someone registering now should get a one-off 'starts in N minutes' message."""
    return starts_at - LATE_WINDOW <= now < ends_at


def is_live(starts_at: datetime, ends_at: datetime, now: datetime) -> bool:
    """Whether the webinar is on now."""
    return starts_at <= now < ends_at

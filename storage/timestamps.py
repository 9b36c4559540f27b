"""Time as SQLite stores it: UTC ISO 8601 text ending in 'Z'."""

from __future__ import annotations

from datetime import UTC, datetime


def to_iso(moment: datetime) -> str:
    """Format an aware datetime as UTC ISO 8601 text ending in 'Z' (how SQLite stores time)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def from_iso(text: str) -> datetime:
    """Parse the stored UTC ISO 8601 text back into an aware datetime."""
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)

"""A completed registration draft, as the conversation leaves it, for tests of the stores."""

from __future__ import annotations

from typing import Any


def registration_draft(**changes: object) -> dict[str, Any]:
    """A complete registration draft for the first webinar of the example series, with changes."""
    data: dict[str, Any] = {
        "language": "en",
        "full_name": "Ana <b>Smith</b> & Co",
        "country": "GY",
        "timezone": "America/Guyana",
        "institution": "police",
        "position": "Inspector",
        "sex": "woman",
        "email": None,
        "webinars": ["crime-gun-strategy"],
        "consent_at": "2026-12-01T12:00:00.000000Z",
        "consent_version": "v1",
    }
    data.update(changes)
    return data

"""The fixed choices participants pick from: languages, countries, institutions, sexes, zones."""

from __future__ import annotations

from types import MappingProxyType

LANGUAGES: tuple[str, ...] = ("en", "es")

# Country code -> the IANA time zone that a participant from there is given by default.
COUNTRY_ZONES = MappingProxyType(
    {
        "AG": "America/Antigua",
        "BZ": "America/Belize",
        "GY": "America/Guyana",
        "LC": "America/St_Lucia",
        "VC": "America/St_Vincent",
        "TT": "America/Port_of_Spain",
    }
)
COUNTRIES: tuple[str, ...] = (*COUNTRY_ZONES, "other")

INSTITUTIONS: tuple[str, ...] = (
    "foreign_affairs",
    "national_security",
    "finance",
    "police",
    "defence",
    "forensics",
    "intelligence",
    "customs",
    "prosecution",
    "other",
)

SEXES: tuple[str, ...] = ("woman", "man", "undisclosed")

# Zones offered as buttons when a participant sets a time zone by hand.
ZONE_CHOICES: tuple[str, ...] = (
    "America/Belize",
    "America/Jamaica",
    "America/New_York",
    "America/Port_of_Spain",
    "Europe/London",
    "Europe/Madrid",
)


def language_for(code: str | None) -> str:
    """Pick the bot language for a Telegram user's language_code (Spanish or else English)."""
    return "es" if code and code.lower().startswith("es") else "en"

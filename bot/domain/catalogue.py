"""The fixed choices participants pick from: languages, countries, institutions, sexes, zones."""

from __future__ import annotations

from types import MappingProxyType

# Bot language -> the Babel locale its dates, times, zone names and numbers are written in.
# Adding a language: one line here and one catalog, templates/locale/<code>/LC_MESSAGES/messages.po.
LOCALES = MappingProxyType(
    {
        "en": "en_GB",
        "es": "es",
        "fr": "fr",
    }
)
LANGUAGES: tuple[str, ...] = tuple(LOCALES)

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
    """Pick the bot language for a Telegram user's language_code ("es-TT" -> "es"), else English."""
    base = (code or "").lower().replace("_", "-").split("-")[0]
    return base if base in LOCALES else LANGUAGES[0]


def locale_for(lang: str) -> str:
    """The Babel locale of a bot language (English for an unknown one)."""
    return LOCALES.get(lang, LOCALES[LANGUAGES[0]])

"""Checks on what participants type: names, free text, e-mail addresses, time zones."""

from __future__ import annotations

import re
import unicodedata
import zoneinfo
from dataclasses import dataclass
from functools import lru_cache

_EMAIL = re.compile(
    r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@"
    r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_UTC_OFFSET = re.compile(r"^(?:UTC|GMT)\s*([+-−])\s*(\d{1,2})$", re.IGNORECASE)
PAYLOAD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")


@dataclass(frozen=True)
class Invalid(Exception):
    """An answer was refused; `reason` names a template and `params` fill it."""

    reason: str
    params: tuple[tuple[str, object], ...] = ()

    def context(self) -> dict[str, object]:
        """Return the params as a template context."""
        return dict(self.params)


def clean_text(raw: str | None, *, min_len: int = 1, max_len: int = 200) -> str:
    """Normalise free text (NFC, no control characters, single spaces) and check its length."""
    if raw is None:
        raise Invalid("error_empty")
    text = unicodedata.normalize("NFC", raw)
    text = "".join(" " if unicodedata.category(ch) in ("Cc", "Zl", "Zp") else ch for ch in text)
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cf", "Cs", "Co"))
    text = " ".join(text.split())
    if not text:
        raise Invalid("error_empty")
    if len(text) < min_len or len(text) > max_len:
        raise Invalid("error_length", (("min", min_len), ("max", max_len), ("got", len(text))))
    return text


def clean_name(raw: str | None) -> str:
    """Check a person's full name: 2-100 characters with at least two letters."""
    text = clean_text(raw, min_len=2, max_len=100)
    if sum(1 for ch in text if ch.isalpha()) < 2:
        raise Invalid("error_name_letters")
    return text


def clean_email(raw: str | None) -> str:
    """Check an e-mail address and return it with the domain in lower case."""
    text = (raw or "").strip()
    if not text or len(text) > 254 or not _EMAIL.match(text):
        raise Invalid("error_email")
    local, domain = text.rsplit("@", 1)
    if len(local) > 64 or ".." in local or local.startswith(".") or local.endswith("."):
        raise Invalid("error_email")
    return f"{local}@{domain.lower()}"


@lru_cache(maxsize=1)
def _zone_names() -> dict[str, str]:
    """Map lower-cased IANA zone names to their proper spelling."""
    return {name.lower(): name for name in zoneinfo.available_timezones()}


def clean_timezone(raw: str | None) -> str:
    """Accept an IANA zone name (any case) or an offset such as UTC-5; return the IANA name."""
    text = (raw or "").strip()
    match = _UTC_OFFSET.match(text)
    if match:
        sign, hours = match.group(1), int(match.group(2))
        if hours > 14:
            raise Invalid("error_timezone")
        if hours == 0:
            return "Etc/UTC"
        # The Etc/GMT zones use POSIX signs: Etc/GMT+5 is five hours *behind* UTC.
        return f"Etc/GMT{'+' if sign in '-−' else '-'}{hours}"
    name = _zone_names().get(text.replace(" ", "_").lower())
    if name is None:
        raise Invalid("error_timezone")
    return name


def clean_payload(raw: str | None) -> str | None:
    """Return a deep-link payload when it has Telegram's allowed form, else None."""
    if raw and PAYLOAD.match(raw):
        return raw
    return None

"""Certificates of participation: who earns one, and the code that proves one is genuine.

A verification code carries the participant's id, a short tag of the webinar and a keyed hash
(HMAC-SHA256 with CERTIFICATE_SECRET) of both ids. Anyone holding the secret and the series
file can tell a genuine code from a forged one without the database; the database then says for
whom it was made. Codes are 16 characters of Crockford's base32 in groups of four, e.g.
``0000-4G3K-9XQ2-ABCD``: no I, L, O or U, so they read aloud and type without confusion.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable

MODES: Final = ("off", "attended", "attended_and_survey")
_ALPHABET: Final = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
_DECODE: Final = {ch: i for i, ch in enumerate(_ALPHABET)} | {"O": 0, "I": 1, "L": 1}
_ID_BITS: Final = 32
_TAG_BITS: Final = 8
_MAC_BITS: Final = 40
_CODE_LENGTH: Final = (_ID_BITS + _TAG_BITS + _MAC_BITS) // 5
_SEPARATORS: Final = re.compile(r"[\s\-_.]+")
MAX_PARTICIPANT_ID: Final = 2**_ID_BITS - 1


class CodeError(ValueError):
    """The text is not shaped like a verification code."""


@dataclass(frozen=True)
class CertificateRule:
    """An organizer's choice of who earns a certificate, from the series file."""

    mode: str = "off"
    min_minutes: int = 0

    @property
    def enabled(self) -> bool:
        """Whether the series gives certificates at all."""
        return self.mode != "off"

    @property
    def needs_survey(self) -> bool:
        """Whether the participant must also have completed the feedback survey."""
        return self.mode == "attended_and_survey"

    def earned(self, minutes: int | None, completed_survey: bool) -> bool:
        """Whether someone recorded as attending earns a certificate.

        A minimum of minutes needs minutes from an attendance report; the survey counts only
        when the rule asks for it.
        """
        if self.min_minutes and (minutes is None or minutes < self.min_minutes):
            return False
        return completed_survey or not self.needs_survey


@dataclass(frozen=True)
class CodeCheck:
    """The result of checking a code: which participant and webinar it was made for."""

    participant_id: int
    webinar_id: str


def _tag(webinar_id: str) -> int:
    """A public 8-bit tag of a webinar id, so a code names its webinar among the series'."""
    return hashlib.sha256(webinar_id.encode("utf-8")).digest()[0]


def _mac(secret: str, participant_id: int, webinar_id: str) -> int:
    """The keyed hash of a participant and a webinar, cut to its first 40 bits."""
    message = f"certificate:{participant_id}:{webinar_id}".encode()
    digest = hmac.new(secret.encode("utf-8"), message, hashlib.sha256).digest()
    return int.from_bytes(digest, "big") >> (256 - _MAC_BITS)


def _encode(number: int) -> str:
    """Write an 80-bit number as 16 base32 characters in groups of four."""
    chars = []
    for _ in range(_CODE_LENGTH):
        chars.append(_ALPHABET[number & 31])
        number >>= 5
    text = "".join(reversed(chars))
    return "-".join(text[i : i + 4] for i in range(0, _CODE_LENGTH, 4))


def make_code(secret: str, participant_id: int, webinar_id: str) -> str:
    """The verification code of one participant's certificate for one webinar."""
    if not 0 < participant_id <= MAX_PARTICIPANT_ID:
        raise ValueError(f"participant id {participant_id} does not fit in a code")
    number = (participant_id << (_TAG_BITS + _MAC_BITS)) | (_tag(webinar_id) << _MAC_BITS)
    return _encode(number | _mac(secret, participant_id, webinar_id))


def normalise_code(text: str) -> str:
    """Return the code in its printed form, or raise CodeError when it is not shaped like one."""
    compact = _SEPARATORS.sub("", text.strip()).upper()
    if len(compact) != _CODE_LENGTH or any(ch not in _DECODE for ch in compact):
        raise CodeError("a code has 16 letters and digits, like 0000-4G3K-9XQ2-ABCD")
    return _encode(_decode(compact))


def _decode(compact: str) -> int:
    """Read 16 base32 characters (already checked) as a number."""
    number = 0
    for ch in compact:
        number = (number << 5) | _DECODE[ch]
    return number


def check_code(secret: str, code: str, webinar_ids: Iterable[str]) -> CodeCheck | None:
    """Whom a well-formed code was made for, or None when it is forged or for no webinar here.

    Raises CodeError when the text is not shaped like a code at all.
    """
    number = _decode(_SEPARATORS.sub("", normalise_code(code)))
    mac = number & ((1 << _MAC_BITS) - 1)
    tag = (number >> _MAC_BITS) & ((1 << _TAG_BITS) - 1)
    participant_id = number >> (_TAG_BITS + _MAC_BITS)
    if participant_id == 0:
        return None
    for webinar_id in webinar_ids:
        if _tag(webinar_id) == tag and hmac.compare_digest(
            _mac(secret, participant_id, webinar_id).to_bytes(5, "big"), mac.to_bytes(5, "big")
        ):
            return CodeCheck(participant_id, webinar_id)
    return None


def hours_of(minutes: int | None, webinar_minutes: int) -> float:
    """Hours of participation to print: the minutes recorded, else the webinar's length.

    Recorded minutes (from a platform's attendance report) are capped at the webinar's length;
    attendance said with a button or in the survey counts as the whole webinar.
    """
    spent = webinar_minutes if minutes is None else min(minutes, webinar_minutes)
    return round(spent / 60, 1)

"""Who a report row is: matched to a registrant by e-mail first, then by name.

Names are compared as a set of words without case, accents or punctuation, so surname-first
orders ("Mustermann Max", "De Compostela, Santiago") match. Zoom's "015_Loki (Loki Laufeyson)"
is tried as its display name and as the original name in brackets, without the numbering. A
name two registrants share is never guessed.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable

_BRACKETED: Final = re.compile(r"\(([^()]*)\)")
_NUMBERING: Final = re.compile(r"^\s*\d+[_.\-)\s]+")


def name_key(name: str) -> str:
    """A name as compared: words without case, accents or punctuation, in alphabetical order."""
    text = unicodedata.normalize("NFKD", name)
    text = "".join(ch for ch in text if not unicodedata.combining(ch)).casefold()
    return " ".join(sorted(re.sub(r"[^\w]+|_", " ", text).split()))


def name_keys(name: str) -> list[str]:
    """How a report's name may be read: the original name in brackets, then the display name."""
    bracketed = [inner for inner in _BRACKETED.findall(name) if inner.strip()]
    display = _NUMBERING.sub("", _BRACKETED.sub(" ", name)).strip()
    keys = [name_key(_NUMBERING.sub("", inner)) for inner in bracketed] + [name_key(display)]
    return [key for key in dict.fromkeys(keys) if key]


@dataclass(frozen=True)
class Registrant:
    """A participant registered for the webinar, as the import sees them."""

    id: int
    name: str
    email: str | None


@dataclass(frozen=True)
class Match:
    """Who a row is: the registrant and how they were found, or why nobody was."""

    registrant: Registrant | None
    how: str  # "email", "name", or the reason nobody matched


class Directory:
    """The webinar's registrants, looked up by e-mail and by name."""

    def __init__(self, registrants: Iterable[Registrant]) -> None:
        """Index registrants by e-mail and by every name key."""
        self.by_email: dict[str, Registrant] = {}
        self.by_name: dict[str, list[Registrant]] = {}
        for registrant in registrants:
            if registrant.email:
                self.by_email[registrant.email.strip().casefold()] = registrant
            if registrant.name:
                self.by_name.setdefault(name_key(registrant.name), []).append(registrant)

    def __len__(self) -> int:
        """How many registrants have an e-mail or a name."""
        return len(
            {r.id for r in self.by_email.values()}
            | {r.id for group in self.by_name.values() for r in group}
        )

    def match(self, name: str, email: str) -> Match:
        """The registrant a row names: by e-mail, else by a name exactly one registrant has."""
        if email and (found := self.by_email.get(email.strip().casefold())) is not None:
            return Match(found, "email")
        shared = False
        for key in name_keys(name):
            candidates = self.by_name.get(key, [])
            if len(candidates) == 1:
                return Match(candidates[0], "name")
            shared = shared or len(candidates) > 1
        if shared:
            return Match(None, "name shared by several registrants: not guessed")
        if email:
            return Match(None, "e-mail and name match no registrant")
        return Match(None, "no e-mail, and the name matches no registrant")

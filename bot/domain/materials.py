"""A webinar's materials (title, link, optional PDF) and recording, and what each reader has had.

In the series file:

    [[webinars]]
    recording_url = "https://example.org/recording"       # optional
    [[webinars.materials]]
    title = "Slides"                                       # at most 200 characters
    url = "https://example.org/slides"                     # http(s)
    file = "slides/first.pdf"                              # optional PDF, relative to the file

Each item has a short stable key (from its link and file). An outbox row of kind 'materials'
carries the keys of everything that existed when it was queued in its purpose, e.g.
``m:3f2a9c01,r5be02a1``, so a later addition (or a new recording link) queues a new row and
only the items a reader has not had yet are sent.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

from bot.domain.validation import Invalid

TITLE_MAX: Final = 200
URL_MAX: Final = 2048
ITEMS_MAX: Final = 20
RECORDING_WORDS: Final = ("recording", "grabación", "grabacion")
TYPED_MAX: Final = 4000
_MATERIAL_KEYS: Final = ("title", "url", "file")


class MaterialError(ValueError):
    """A material in the series file (or typed by an organizer) is invalid; str() says why."""


@dataclass(frozen=True)
class Material:
    """One item of a webinar's materials."""

    title: str
    url: str
    file: Path | None = None  # a PDF sent as a document, relative to the series file until loaded

    @property
    def key(self) -> str:
        """A short key that stays the same while the link and file do."""
        raw = f"{self.url}\n{self.file.name if self.file else ''}".encode()
        return hashlib.sha256(raw).hexdigest()[:8]


def is_web_url(text: str) -> bool:
    """Whether text is an http(s) URL with a dotted host, short, with nothing invisible in it."""
    if len(text) > URL_MAX or any(
        ch.isspace() or unicodedata.category(ch).startswith("C") for ch in text
    ):
        return False
    try:
        parts = urlsplit(text)
        host, _ = parts.hostname, parts.port  # .port raises on a bad port
    except ValueError:
        return False
    return parts.scheme.lower() in ("http", "https") and bool(host) and "." in (host or "")


def clean_title(raw: object, where: str) -> str:
    """A material's title: text, one line, 1-200 characters."""
    if not isinstance(raw, str) or not raw.strip():
        raise MaterialError(f"{where}: must be text in quotes, not empty")
    text = " ".join(unicodedata.normalize("NFC", raw).split())
    if len(text) > TITLE_MAX or any(unicodedata.category(ch) == "Cc" for ch in text):
        raise MaterialError(f"{where}: must be one line of at most {TITLE_MAX} characters")
    return text


def clean_url(raw: object, where: str) -> str:
    """A link: an http(s) URL with a host name."""
    if not isinstance(raw, str) or not is_web_url(raw.strip()):
        shown = raw if isinstance(raw, str) else type(raw).__name__
        raise MaterialError(f"{where}: {str(shown)[:60]!r} is not an http(s) link")
    return raw.strip()


def parse_materials(raw: Any, where: str) -> tuple[Material, ...]:
    """Read a webinar's [[webinars.materials]] tables."""
    if raw is None:
        return ()
    if not isinstance(raw, list) or not all(isinstance(item, dict) for item in raw):
        raise MaterialError(f"{where}: must be written as [[webinars.materials]] tables")
    if len(raw) > ITEMS_MAX:
        raise MaterialError(f"{where}: at most {ITEMS_MAX} items")
    items = []
    for number, item in enumerate(raw, 1):
        here = f"{where}[{number}]"
        unknown = sorted(set(item) - set(_MATERIAL_KEYS))
        if unknown:
            raise MaterialError(f"{here}.{unknown[0]}: unknown key (known: title, url, file)")
        file = item.get("file")
        if file is not None and (
            not isinstance(file, str) or Path(file).suffix.lower() != ".pdf" or "\x00" in file
        ):
            raise MaterialError(f"{here}.file: must be the path of a .pdf file, in quotes")
        items.append(
            Material(
                title=clean_title(item.get("title"), f"{here}.title"),
                url=clean_url(item.get("url"), f"{here}.url"),
                file=Path(file) if file else None,
            )
        )
    return tuple(items)


def recording_key(url: str) -> str:
    """The key of a recording link: a new link is a new item."""
    return "r" + hashlib.sha256(url.encode()).hexdigest()[:7]


def item_keys(materials: tuple[Material, ...], recording_url: str | None) -> tuple[str, ...]:
    """The keys of everything a webinar has to send: its materials, then its recording."""
    keys = [m.key for m in materials]
    return (*keys, recording_key(recording_url)) if recording_url else tuple(keys)


def purpose_for(keys: tuple[str, ...]) -> str:
    """The outbox purpose of a materials message carrying these items."""
    return "m:" + ",".join(sorted(keys))


def keys_of(purpose: str) -> set[str]:
    """The item keys an outbox purpose carries (none when it is not a materials purpose)."""
    if not purpose.startswith("m:"):
        return set()
    return {key for key in purpose[2:].split(",") if key}


def parse_typed(text: str | None) -> tuple[tuple[Material, ...], str | None]:
    """Read what an organizer typed: `Title | link` per line, `recording | link` for the recording.

    Raises Invalid("materials_error", line=..., problem=...) naming the first bad line.
    """
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    if not lines or len(text or "") > TYPED_MAX or len(lines) > ITEMS_MAX:
        raise Invalid("materials_error", (("mt_line", 0), ("mt_problem", "count")))
    materials: list[Material] = []
    recording = None
    for number, line in enumerate(lines, 1):
        title, bar, link = line.rpartition("|")
        if not bar:
            raise Invalid("materials_error", (("mt_line", number), ("mt_problem", "bar")))
        if not is_web_url(link.strip()):
            raise Invalid("materials_error", (("mt_line", number), ("mt_problem", "link")))
        if title.strip().lower() in RECORDING_WORDS:
            recording = link.strip()
            continue
        try:
            materials.append(Material(clean_title(title, "title"), link.strip()))
        except MaterialError:
            raise Invalid(
                "materials_error", (("mt_line", number), ("mt_problem", "title"))
            ) from None
    return tuple(materials), recording


def encode_materials(materials: tuple[Material, ...]) -> str:
    """Materials added in the chat, as stored (JSON; they have no files)."""
    return json.dumps([{"title": m.title, "url": m.url} for m in materials], ensure_ascii=False)


def decode_materials(text: str) -> tuple[Material, ...]:
    """Read stored materials back, checking them as the series file's are."""
    try:
        raw = json.loads(text)
    except ValueError:
        raise MaterialError("stored materials are not JSON") from None
    return parse_materials(raw, "stored materials")

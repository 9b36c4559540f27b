"""Safe HTML for the demo page: Telegram entities rendered, or the bot's HTML whitelisted.

Every character of message text is escaped; the only tags produced are a fixed whitelist,
and links keep only http, https, mailto and tg addresses. Nothing the bot (or a participant,
whose typed text the bot may echo) sends can put a script or an event handler into the page.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser
from typing import Any, Final
from urllib.parse import urlsplit

SAFE_SCHEMES: Final = frozenset({"http", "https", "mailto", "tg"})
_COMMAND_RE: Final = re.compile(r"/[A-Za-z0-9_]{1,32}")
_BARE_URL_RE: Final = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
_NO_AUTOLINK: Final = frozenset({"url", "text_link", "email", "code", "pre", "bot_command"})
_SIMPLE_TAGS: Final[dict[str, str]] = {
    "bold": "b",
    "italic": "i",
    "underline": "u",
    "strikethrough": "s",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "expandable_blockquote": "blockquote",
}
_HTML_TAGS: Final[dict[str, str]] = {
    "b": "b",
    "strong": "b",
    "i": "i",
    "em": "i",
    "u": "u",
    "ins": "u",
    "s": "s",
    "strike": "s",
    "del": "s",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
}
_DROP_CONTENT: Final = frozenset(
    {
        "script",
        "style",
        "iframe",
        "object",
        "embed",
        "noscript",
        "template",
        "svg",
        "math",
        "textarea",
        "title",
    }
)
_VOID: Final = frozenset(
    {
        "img",
        "hr",
        "input",
        "meta",
        "link",
        "wbr",
        "area",
        "base",
        "col",
        "source",
        "track",
        "param",
        "keygen",
        "embed",
    }
)
_LINK_ATTRS: Final = ' target="_blank" rel="noopener noreferrer"'


def safe_url(url: object) -> str | None:
    """The URL when its scheme is on the whitelist and it has no control characters, else None."""
    if not isinstance(url, str):
        return None
    url = url.strip()
    if not url or len(url) > 2048 or any(ord(ch) < 33 or ord(ch) == 127 for ch in url):
        return None
    try:
        scheme = urlsplit(url).scheme.lower()
    except ValueError:
        return None
    return url if scheme in SAFE_SCHEMES else None


def _link(url: str | None) -> tuple[str, str] | None:
    """Opening and closing tags of a safe link, or None."""
    if url is None:
        return None
    return f'<a href="{html.escape(url, quote=True)}"{_LINK_ATTRS}>', "</a>"


def _tags(entity: dict[str, Any], segment: str) -> tuple[str, str] | None:
    """Opening and closing tags for one entity (None: show its text plainly)."""
    kind = entity.get("type")
    if kind in _SIMPLE_TAGS:
        tag = _SIMPLE_TAGS[kind]
        return f"<{tag}>", f"</{tag}>"
    if kind == "spoiler":
        return '<span class="spoiler">', "</span>"
    if kind == "text_link":
        return _link(safe_url(entity.get("url")))
    if kind == "url":
        target = segment if "://" in segment else "http://" + segment
        return _link(safe_url(target))
    if kind == "email":
        return _link(safe_url("mailto:" + segment))
    if kind == "bot_command" and _COMMAND_RE.fullmatch(segment):
        return f'<a href="#" class="cmd" data-command="{html.escape(segment)}">', "</a>"
    return None


def _utf16_units(text: str) -> list[str]:
    """Split text so that index i is UTF-16 code unit i (astral characters fill two slots)."""
    units: list[str] = []
    for ch in text:
        units.append(ch)
        if ord(ch) > 0xFFFF:
            units.append("")
    return units


def _bare_links(text: str, entities: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """`url` entities for addresses typed in plain text (as Telegram's servers detect them)."""
    taken = [
        (int(e.get("offset", 0)), int(e.get("offset", 0)) + int(e.get("length", 0)))
        for e in entities
        if e.get("type") in _NO_AUTOLINK
    ]
    found: list[dict[str, Any]] = []
    for match in _BARE_URL_RE.finditer(text):
        start = len(text[: match.start()].encode("utf-16-le")) // 2
        length = len(match.group(0).encode("utf-16-le")) // 2
        if not any(start < end and begin < start + length for begin, end in taken):
            found.append({"type": "url", "offset": start, "length": length})
    return found


def render_entities(text: str | None, entities: list[dict[str, Any]] | None) -> str:
    """HTML of a message text with its Bot API entities (UTF-16 offsets), everything escaped."""
    if not text:
        return ""
    units = _utf16_units(text)
    size = len(units)
    spans: list[tuple[int, int, tuple[str, str]]] = []
    given = [entity for entity in entities or [] if isinstance(entity, dict)]
    for entity in given + _bare_links(text, given):
        try:
            start = int(entity["offset"])
            end = start + int(entity["length"])
        except (KeyError, TypeError, ValueError):
            continue
        if not 0 <= start < end <= size:
            continue
        tags = _tags(entity, "".join(units[start:end]))
        if tags is not None:
            spans.append((start, end, tags))
    spans.sort(key=lambda span: (span[0], -span[1]))
    out: list[str] = []
    stack: list[tuple[int, int, tuple[str, str]]] = []
    pending = 0
    for position in range(size + 1):
        if any(span[1] == position for span in stack):
            reopen: list[tuple[int, int, tuple[str, str]]] = []
            while any(span[1] == position for span in stack):
                top = stack.pop()
                out.append(top[2][1])
                if top[1] != position:
                    reopen.append(top)
            for span in reversed(reopen):
                out.append(span[2][0])
                stack.append(span)
        while pending < len(spans) and spans[pending][0] == position:
            out.append(spans[pending][2][0])
            stack.append(spans[pending])
            pending += 1
        if position < size:
            out.append(html.escape(units[position], quote=False))
    return "".join(out)


class _Sanitiser(HTMLParser):
    """Keeps whitelisted tags (attributes dropped except a safe href) and escaped text."""

    def __init__(self) -> None:
        """Start with nothing open."""
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.open: list[str] = []
        self.dropping: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a whitelisted tag, start skipping a dangerous element, ignore the rest."""
        if self.dropping or tag in _DROP_CONTENT:
            self.dropping.append(tag)
            return
        values = dict(attrs)
        if tag in _VOID:
            return
        if tag in _HTML_TAGS:
            name = _HTML_TAGS[tag]
            self.out.append(f"<{name}>")
        elif tag == "tg-spoiler" or (tag == "span" and values.get("class") == "tg-spoiler"):
            name = "span"
            self.out.append('<span class="spoiler">')
        elif tag == "a" and (link := _link(safe_url(values.get("href")))) is not None:
            name = "a"
            self.out.append(link[0])
        elif tag == "br":
            self.out.append("\n")
            return
        else:
            name = ""
        self.open.append(name)

    def handle_endtag(self, tag: str) -> None:
        """Close the matching tag (and anything left open inside it)."""
        if self.dropping:
            if self.dropping[-1] == tag:
                self.dropping.pop()
            return
        if tag == "br" or tag in _VOID or not self.open:
            return
        self._close(self.open.pop())

    def _close(self, name: str) -> None:
        """Emit a closing tag for an opened whitelisted element."""
        if name:
            self.out.append(f"</{name}>")

    def handle_data(self, data: str) -> None:
        """Escaped text, unless inside a dropped element."""
        if not self.dropping:
            self.out.append(html.escape(data, quote=False))

    def result(self) -> str:
        """The sanitised HTML with every open tag closed."""
        self.close()
        while self.open:
            self._close(self.open.pop())
        return "".join(self.out)


def sanitize_html(raw: str | None) -> str:
    """The bot's HTML reduced to the whitelist: no scripts, handlers, styles or unsafe links."""
    if not raw:
        return ""
    parser = _Sanitiser()
    parser.feed(raw)
    return parser.result()


def message_html(
    text: str | None, entities: list[dict[str, Any]] | None, raw_html: str | None
) -> str:
    """Safe HTML for a text or caption: from its entities, else from sanitised raw HTML."""
    if text is not None:
        return render_entities(text, entities)
    return sanitize_html(raw_html)

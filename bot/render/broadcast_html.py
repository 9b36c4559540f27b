"""An organizer's formatted message as safe Telegram HTML.

PTB's ``Message.text_html`` / ``caption_html`` escape the text and build tags from the
entities, but put a link's address into ``href`` unescaped and emit tags and attributes that
Telegram's HTML parser refuses (``<tg-time>``, ``<code class="python">``). This rebuilds the
markup from a whitelist: every text character escaped, only Telegram's tags with the
attributes it accepts, links only to http(s), tg and mailto, tags always properly nested.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
SIMPLE_TAGS = frozenset(
    {
        "b",
        "strong",
        "i",
        "em",
        "u",
        "ins",
        "s",
        "strike",
        "del",
        "tg-spoiler",
        "code",
        "pre",
        "blockquote",
    }
)
LINK_SCHEMES = ("http://", "https://", "tg://", "mailto:")
_LANGUAGE = re.compile(r"(?:language-)?([A-Za-z0-9_+#.-]{1,40})")


class UnsafeMessage(ValueError):
    """The message cannot be sent as it is (empty or too long); .reason names the label."""

    def __init__(self, reason: str, limit: int = 0) -> None:
        super().__init__(reason)
        self.reason = reason
        self.limit = limit


def utf16_length(text: str) -> int:
    """Length in UTF-16 code units, the unit of Telegram's length limits."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


class _Sanitizer(HTMLParser):
    """Rebuilds Telegram HTML from a whitelist, collecting the plain text on the way."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.out: list[str] = []
        self.plain: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # open tags: (name, emitted or dropped)

    def _open(self, tag: str) -> bool:
        """Whether a tag of this name is open and emitted."""
        return any(name == tag and emitted for name, emitted in self.stack)

    def _opening(self, tag: str, attrs: dict[str, str | None]) -> str | None:
        """The tag to emit for an opening tag, or None to drop it (keeping its text)."""
        if tag in SIMPLE_TAGS:
            if tag == "blockquote":
                if self._open("blockquote"):
                    return None
                return "<blockquote expandable>" if "expandable" in attrs else "<blockquote>"
            if tag == "code" and self.stack and self.stack[-1] == ("pre", True):
                match = _LANGUAGE.fullmatch(attrs.get("class") or "")
                return f'<code class="language-{match.group(1)}">' if match else "<code>"
            if tag in ("code", "pre") and (self._open("code") or self._open("pre")):
                return None
            return f"<{tag}>"
        if tag == "span" and (attrs.get("class") or "") == "tg-spoiler":
            return '<span class="tg-spoiler">'
        if tag == "a" and not self._open("a"):
            href = (attrs.get("href") or "").strip()
            if href.lower().startswith(LINK_SCHEMES):
                return f'<a href="{html.escape(href, quote=True)}">'
        if tag == "tg-emoji" and (attrs.get("emoji-id") or "").isdigit():
            return f'<tg-emoji emoji-id="{attrs["emoji-id"]}">'
        return None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Open a whitelisted tag (or remember a dropped one)."""
        emitted = self._opening(tag, {k: v for k, v in attrs})
        if emitted is not None:
            self.out.append(emitted)
        self.stack.append((tag, emitted is not None))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        """Self-closing tags carry no text: drop them."""

    def handle_endtag(self, tag: str) -> None:
        """Close the innermost open tag when it matches (others are ignored)."""
        names = [name for name, _ in self.stack]
        if tag not in names:
            return
        depth = len(names) - 1 - names[::-1].index(tag)
        while len(self.stack) > depth:
            name, emitted = self.stack.pop()
            if emitted:
                self.out.append(f"</{name}>")

    def handle_data(self, data: str) -> None:
        """Text, escaped."""
        self.plain.append(data)
        self.out.append(html.escape(data, quote=False))

    def result(self) -> tuple[str, str]:
        """The HTML (every tag closed) and its plain text."""
        self.close()
        while self.stack:
            name, emitted = self.stack.pop()
            if emitted:
                self.out.append(f"</{name}>")
        return "".join(self.out), "".join(self.plain)


def safe_html(markup: str, limit: int = TEXT_LIMIT) -> str:
    """Whitelisted, escaped, well-nested Telegram HTML; UnsafeMessage when empty or too long."""
    sanitizer = _Sanitizer()
    sanitizer.feed(markup)
    result, plain = sanitizer.result()
    if not plain.strip():
        raise UnsafeMessage("empty")
    if utf16_length(plain) > limit:
        raise UnsafeMessage("too_long", limit)
    return result

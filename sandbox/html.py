"""Telegram-style HTML parser: turns Bot API HTML into plain text plus message entities.

The rules follow the behaviour of tdlib's ``parse_html`` (a byte scanner over the UTF-8
text, byte offsets in error messages, UTF-16 offsets in entities); the code is our own.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

ALLOWED_TAGS = frozenset(
    {
        "a",
        "b",
        "strong",
        "i",
        "em",
        "s",
        "strike",
        "del",
        "u",
        "ins",
        "tg-spoiler",
        "tg-emoji",
        "span",
        "pre",
        "code",
        "blockquote",
    }
)
SIMPLE_TYPES = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
}
PRIORITY = {
    "blockquote": 0,
    "expandable_blockquote": 0,
    "pre": 11,
    "code": 20,
    "text_link": 49,
    "text_mention": 49,
    "bold": 90,
    "italic": 91,
    "underline": 92,
    "strikethrough": 93,
    "spoiler": 94,
    "custom_emoji": 99,
}
NAMED_ENTITIES = {b"lt": 0x3C, b"gt": 0x3E, b"amp": 0x26, b"quot": 0x22}
SPACES = frozenset(b" \t\r\n\v\f\x00")
ALNUM = frozenset(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789")
HEX = frozenset(b"0123456789abcdefABCDEF")


class HtmlParseError(ValueError):
    """Raised with Telegram's error text (without the "Bad Request: ..." prefix)."""


def utf16_len(text: str) -> int:
    """Length of a string in UTF-16 code units, the unit Telegram uses for entity offsets."""
    return len(text) + sum(1 for ch in text if ord(ch) > 0xFFFF)


def _decode_entity(data: bytes, pos: int) -> tuple[int, int]:
    """Decode a character reference at ``data[pos] == '&'``; returns (code point or 0, end)."""
    size = len(data)
    end = pos + 1
    code = 0
    if end < size and data[end] == 0x23:  # '#'
        end += 1
        if end < size and data[end] == 0x78:  # 'x'
            end += 1
            while end < size and data[end] in HEX:
                code = code * 16 + int(chr(data[end]), 16)
                end += 1
        else:
            while end < size and 0x30 <= data[end] <= 0x39:
                code = code * 10 + data[end] - 0x30
                end += 1
        if code == 0 or code >= 0x10FFFF or end - pos >= 10:
            return 0, pos
    else:
        while end < size and chr(data[end]).isascii() and chr(data[end]).isalpha():
            end += 1
        code = NAMED_ENTITIES.get(data[pos + 1 : end], 0)
        if code == 0:
            return 0, pos
    if end < size and data[end] == 0x3B:  # ';'
        end += 1
    return code, end


def _checked_link(url: str) -> str | None:
    """Normalise a link like Telegram does (add a scheme and a root path); None if invalid."""
    url = url.strip()
    if not url or any(ch.isspace() for ch in url):
        return None
    if "://" not in url and not url.lower().startswith(("tg:", "mailto:")):
        url = "http://" + url
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme in ("http", "https", "ftp"):
        if not parts.netloc:
            return None
        if parts.path == "" and not parts.query and not parts.fragment:
            url += "/"
    return url


class _Open:
    """A start tag waiting for its end tag."""

    __slots__ = ("argument", "out_pos", "tag", "utf16_offset")

    def __init__(self, tag: str, argument: str, utf16_offset: int, out_pos: int) -> None:
        """Remember where the tag's content starts."""
        self.tag = tag
        self.argument = argument
        self.utf16_offset = utf16_offset
        self.out_pos = out_pos


def _attr_value(data: bytes, i: int) -> tuple[str, int]:
    """Read a quoted attribute value (decoding character references) starting at the quote."""
    quote = data[i]
    i += 1
    out = bytearray()
    size = len(data)
    while i < size and data[i] != quote:
        if data[i] == 0x26:
            code, end = _decode_entity(data, i)
            if code:
                out += chr(code).encode("utf-8", "surrogatepass")
                i = end
                continue
        out.append(data[i])
        i += 1
    if i < size:
        i += 1
    return out.decode("utf-8", "replace"), i


def _parse_start_tag(data: bytes, begin: int) -> tuple[str, str, int]:
    """Parse ``<tag attr=...>`` at ``begin``; returns (tag, argument, index of '>')."""
    size = len(data)

    def at(k: int) -> int:
        return data[k] if k < size else 0

    i = begin + 1
    while at(i) not in SPACES and at(i) != 0x3E:
        i += 1
    if at(i) == 0:
        raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
    tag = data[begin + 1 : i].decode("utf-8", "replace").lower()
    if tag not in ALLOWED_TAGS:
        raise HtmlParseError(f'Unsupported start tag "{tag}" at byte offset {begin}')
    argument = ""
    while at(i) != 0x3E:
        while at(i) != 0 and at(i) in SPACES:
            i += 1
        if at(i) == 0x3E:
            break
        if at(i) == 0:
            raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        name_begin = i
        while at(i) not in SPACES and at(i) not in (0x3D, 0x3E):
            i += 1
        name = data[name_begin:i].decode("utf-8", "replace")
        if not name:
            raise HtmlParseError(f'Empty attribute name in the tag "{tag}" at byte offset {begin}')
        while at(i) != 0 and at(i) in SPACES:
            i += 1
        if at(i) != 0x3D:
            if tag == "blockquote" and name == "expandable" and at(i) != 0:
                argument = "expandable"
                continue
            raise HtmlParseError(
                f'Expected equal sign in declaration of an attribute of the tag "{tag}" '
                f"at byte offset {begin}"
            )
        i += 1
        while at(i) != 0 and at(i) in SPACES:
            i += 1
        if at(i) == 0:
            raise HtmlParseError(f'Unclosed start tag "{tag}" at byte offset {begin}')
        if at(i) in (0x22, 0x27):
            value, i = _attr_value(data, i)
        else:
            token_begin = i
            while at(i) in ALNUM or at(i) in (0x2E, 0x2D):
                i += 1
            value = data[token_begin:i].decode("ascii").lower()
            if at(i) not in SPACES and at(i) != 0x3E:
                raise HtmlParseError(f"Unexpected end of name token at byte offset {token_begin}")
        if at(i) == 0:
            raise HtmlParseError(f"Unclosed start tag at byte offset {begin}")
        if tag == "a" and name == "href":
            argument = value
        elif tag == "code" and name == "class" and value.startswith("language-"):
            argument = value[9:]
        elif tag == "span" and name == "class" and value.startswith("tg-"):
            argument = value[3:]
        elif tag == "tg-emoji" and name == "emoji-id":
            argument = value
    if tag == "span" and argument != "spoiler":
        raise HtmlParseError(f'Tag "span" must have class "tg-spoiler" at byte offset {begin}')
    return tag, argument, i


def _close_entity(top: _Open, length: int, entities: list[dict[str, Any]], out: bytearray) -> None:
    """Append the entity produced by a closed tag (merging pre/code like Telegram)."""
    offset, tag, arg = top.utf16_offset, top.tag, top.argument
    last = entities[-1] if entities else None
    same_span = last is not None and last["offset"] == offset and last["length"] == length
    if tag in SIMPLE_TYPES or tag == "span":
        kind = SIMPLE_TYPES.get(tag, "spoiler")
        entities.append({"type": kind, "offset": offset, "length": length})
    elif tag == "tg-emoji":
        if not arg.isdigit() or int(arg) == 0 or int(arg) >= 2**63:
            raise HtmlParseError("Invalid custom emoji identifier specified")
        entities.append(
            {"type": "custom_emoji", "offset": offset, "length": length, "custom_emoji_id": arg}
        )
    elif tag == "a":
        url = arg or bytes(out[top.out_pos :]).decode("utf-8", "replace")
        checked = _checked_link(url)
        if checked is not None:
            entities.append(
                {"type": "text_link", "offset": offset, "length": length, "url": checked}
            )
    elif tag == "pre":
        if same_span and last is not None and last["type"] == "code" and last.get("language"):
            last["type"] = "pre"
        else:
            entities.append({"type": "pre", "offset": offset, "length": length})
    elif tag == "code":
        if same_span and last is not None and last["type"] == "pre" and arg:
            last["language"] = arg
        else:
            entity: dict[str, Any] = {"type": "code", "offset": offset, "length": length}
            if arg:
                entity["language"] = arg
            entities.append(entity)
    elif tag == "blockquote":
        kind = "expandable_blockquote" if arg == "expandable" else "blockquote"
        entities.append({"type": kind, "offset": offset, "length": length})


def parse_html(text: str) -> tuple[str, list[dict[str, Any]]]:
    """Parse Telegram HTML; return (plain text, Bot API entity dicts) or raise HtmlParseError."""
    data = text.encode("utf-8", "surrogatepass")
    size = len(data)
    out = bytearray()
    entities: list[dict[str, Any]] = []
    stack: list[_Open] = []
    utf16 = 0
    i = 0
    while i < size:
        c = data[i]
        if c == 0x26:  # '&'
            code, end = _decode_entity(data, i)
            if code:
                out += chr(code).encode("utf-8", "surrogatepass")
                utf16 += 1 + (code > 0xFFFF)
                i = end
                continue
        if c != 0x3C:  # not '<'
            if c & 0xC0 != 0x80:
                utf16 += 1 + (c >= 0xF0)
            out.append(c)
            i += 1
            continue
        begin = i
        if i + 1 < size and data[i + 1] == 0x2F:  # '</'
            if not stack:
                raise HtmlParseError(f"Unexpected end tag at byte offset {begin}")
            i += 2
            while i < size and data[i] not in SPACES and data[i] != 0x3E:
                i += 1
            end_name = data[begin + 2 : i].decode("utf-8", "replace").lower()
            while i < size and data[i] in SPACES and data[i] != 0:
                i += 1
            if i >= size or data[i] != 0x3E:
                raise HtmlParseError(f"Unclosed end tag at byte offset {begin}")
            top = stack[-1]
            if end_name and end_name != top.tag:
                raise HtmlParseError(
                    f'Unmatched end tag at byte offset {begin}, expected "</{top.tag}>", '
                    f'found "</{end_name}>"'
                )
            if utf16 > top.utf16_offset:
                _close_entity(top, utf16 - top.utf16_offset, entities, out)
            stack.pop()
            i += 1
            continue
        tag, argument, i = _parse_start_tag(data, begin)
        stack.append(_Open(tag, argument, utf16, len(out)))
        i += 1
    if stack:
        raise HtmlParseError(f'Can\'t find end tag corresponding to start tag "{stack[-1].tag}"')
    for entity in entities:
        if entity["type"] == "code":
            entity.pop("language", None)
    entities.sort(key=lambda e: (e["offset"], -e["length"], PRIORITY.get(e["type"], 50)))
    try:
        plain = out.decode("utf-8")
    except UnicodeDecodeError:
        raise HtmlParseError(
            "Text contains invalid Unicode characters after decoding HTML entities, "
            "check for unmatched surrogate code units"
        ) from None
    return plain, entities

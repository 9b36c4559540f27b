"""Gettext catalogs: English labels by key, translations per language, and Babel's label extractor.

English is the source language: templates/messages/*.html hold English inside {% trans %}
blocks and templates/labels/*.toml hold English labels under dotted keys. Each other language
has one catalog, templates/locale/<lang>/LC_MESSAGES/messages.po, in which a label's dotted key
is its msgctxt. A .mo file at least as new as the .po beside it (what `make i18n-compile`
writes) is read as it is. Otherwise the .po is compiled once and the result kept in the user's
cache folder under the SHA-256 of the .po's bytes, the language and Babel's version: a changed
catalog has another name, so a stale compilation is never read; a cache that cannot be read or
written only means compiling in memory again.
"""

from __future__ import annotations

import contextlib
import hashlib
import io
import os
import re
import struct
import tempfile
import tomllib
from collections.abc import Collection, Iterator, Mapping
from pathlib import Path
from typing import IO, Any

from babel import __version__ as babel_version
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

DOMAIN = "messages"
CACHE_FOLDER = "webinar-bot-catalogs"


def flatten(table: Mapping[str, Any], prefix: str = "") -> dict[str, str]:
    """Turn nested label tables into dotted key -> text."""
    flat: dict[str, str] = {}
    for key, value in table.items():
        if isinstance(value, Mapping):
            flat.update(flatten(value, f"{prefix}{key}."))
        elif isinstance(value, str):
            flat[prefix + key] = value
        else:
            raise ValueError(f"label {prefix}{key} is not text")
    return flat


def nest(flat: Mapping[str, str]) -> dict[str, Any]:
    """Turn dotted key -> text back into nested tables."""
    tree: dict[str, Any] = {}
    for key, value in flat.items():
        node = tree
        *tables, leaf = key.split(".")
        for table in tables:
            node = node.setdefault(table, {})
        node[leaf] = value
    return tree


def load_labels(directory: Path) -> dict[str, str]:
    """Read every *.toml of a labels folder into dotted key -> English (a key twice is an error)."""
    merged: dict[str, str] = {}
    for path in sorted(directory.glob("*.toml")):
        with path.open("rb") as handle:
            table = flatten(tomllib.load(handle))
        clash = sorted(set(table) & set(merged))
        if clash:
            raise ValueError(f"{path}: {clash} already defined in another file")
        merged.update(table)
    return merged


def catalog_path(locale_dir: Path, lang: str, suffix: str = ".po") -> Path:
    """Where a language's catalog lives."""
    return locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


def load_translations(locale_dir: Path, lang: str, source: str = "en") -> NullTranslations:
    """Return a language's translations; English, the source, needs none."""
    if lang == source:
        return NullTranslations()
    po = catalog_path(locale_dir, lang)
    mo = catalog_path(locale_dir, lang, ".mo")
    if not po.exists():
        raise FileNotFoundError(f"no catalog for language {lang!r}: {po}")
    if mo.exists() and mo.stat().st_mtime >= po.stat().st_mtime:
        with mo.open("rb") as handle:
            return Translations(handle, domain=DOMAIN)
    text = po.read_bytes()
    folder = cache_folder()
    if folder is None:
        return Translations(io.BytesIO(compile_catalog(text, lang)), domain=DOMAIN)
    cached = folder / f"{lang}-{catalog_key(text, lang)}.mo"
    compiled = _read_cached(cached)
    if compiled is None:
        compiled = compile_catalog(text, lang)
        _write_cached(cached, compiled)
        _forget_others(cached, lang)
    return Translations(io.BytesIO(compiled), domain=DOMAIN)


def compile_catalog(source: bytes, lang: str) -> bytes:
    """A .po file's bytes compiled to .mo bytes."""
    catalog = read_po(io.BytesIO(source), locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    return buffer.getvalue()


def catalog_key(source: bytes, lang: str) -> str:
    """The cache name of a compilation: what the .mo depends on (the .po, language, Babel)."""
    digest = hashlib.sha256(source)
    digest.update(f"\0{lang}\0{babel_version}".encode())
    return digest.hexdigest()


def cache_folder() -> Path | None:
    """Where compiled catalogs are kept: $XDG_CACHE_HOME, else ~/.cache; None without a home.

    Never a folder shared with other users (such as /tmp), whose files another user could plant.
    """
    base = os.environ.get("XDG_CACHE_HOME")
    try:
        return (Path(base) if base else Path("~/.cache").expanduser()) / CACHE_FOLDER
    except RuntimeError:
        return None


def _read_cached(path: Path) -> bytes | None:
    """A kept compilation, or None when it is missing or not a readable catalog."""
    try:
        data = path.read_bytes()
        Translations(io.BytesIO(data), domain=DOMAIN)
    except (OSError, ValueError, LookupError, struct.error):
        return None
    return data


def _write_cached(path: Path, data: bytes) -> None:
    """Keep a compilation, written whole or not at all; a read-only home only skips this."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, name = tempfile.mkstemp(dir=path.parent, prefix=".", suffix=".tmp")
    except OSError:
        return
    temporary = Path(name)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        temporary.replace(path)
    except OSError:
        with contextlib.suppress(OSError):
            temporary.unlink()


def extract_labels(
    fileobj: IO[bytes],
    keywords: Collection[str],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    """Babel extractor for labels .toml files: each label as pgettext(dotted key, English)."""
    source = fileobj.read().decode("utf-8")
    lines = source.splitlines()
    table = ""
    where: dict[str, int] = {}
    for number, line in enumerate(lines, start=1):
        header = re.match(r"\s*\[([\w.\-]+)\]\s*$", line)
        if header:
            table = header.group(1) + "."
            continue
        leaf = re.match(r"\s*([\w\-]+)\s*=", line)
        if leaf:
            where[table + leaf.group(1)] = number
    for key, text in flatten(tomllib.loads(source)).items():
        yield where.get(key, 0), "pgettext", (key, text), []


def _forget_others(kept: Path, lang: str) -> None:
    """Delete the language's earlier compilations, so the cache holds one per language."""
    with contextlib.suppress(OSError):
        for old in kept.parent.glob(f"{lang}-*.mo"):
            if old != kept:
                old.unlink(missing_ok=True)

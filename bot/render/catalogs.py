"""Gettext catalogs: English labels by key, translations per language, and Babel's label extractor.

English is the source language: templates/messages/*.html hold English inside {% trans %}
blocks and templates/labels/*.toml hold English labels under dotted keys. Each other language
has one catalog, templates/locale/<lang>/LC_MESSAGES/messages.po, in which a label's dotted key
is its msgctxt. A catalog is compiled in memory at start-up unless a .mo file at least as new
as the .po sits beside it (what `make i18n-compile` writes).
"""

from __future__ import annotations

import io
import re
import tomllib
from collections.abc import Collection, Iterator, Mapping
from typing import IO, TYPE_CHECKING, Any

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

if TYPE_CHECKING:
    from pathlib import Path

DOMAIN = "messages"


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
    with po.open("rb") as handle:
        catalog = read_po(handle, locale=lang, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog)
    buffer.seek(0)
    return Translations(buffer, domain=DOMAIN)


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

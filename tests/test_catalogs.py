"""Gettext catalogs: complete, not fuzzy, in step with the templates, and plural forms that work."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.pofile import read_po

from bot.domain.catalogue import LANGUAGES
from bot.render import catalogs
from bot.render.catalogs import catalog_path, extract_labels, load_translations
from bot.render.texts import Texts
from templates import TEMPLATES_DIR

if TYPE_CHECKING:
    from pathlib import Path

    from babel.messages.catalog import Catalog

LOCALE = TEMPLATES_DIR / "locale"
TRANSLATED = [lang for lang in LANGUAGES if lang != "en"]
KEYWORDS = {**DEFAULT_KEYWORDS, "in_every_language": None}
PLACEHOLDER = re.compile(r"%\(\w+\)s|\{\w+\}")
TAG = re.compile(r"</?\w+[^>]*>")
NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


def read(path: Path, lang: str | None = None) -> Catalog:
    """Read a .po or .pot file."""
    with path.open("rb") as handle:
        return read_po(handle, locale=lang)


def extracted() -> set[tuple[str | None, str]]:
    """Every (msgctxt, msgid) in the templates and labels now, as `make i18n-extract` finds them."""
    with (TEMPLATES_DIR / "babel.cfg").open() as handle:
        method_map, options_map = parse_mapping_cfg(handle)
    found = set()
    for _file, _line, message, _comments, context in extract_from_dir(
        str(TEMPLATES_DIR), method_map, options_map, keywords=KEYWORDS
    ):
        msgid = message[0] if isinstance(message, tuple) else message
        found.add((context, msgid))
    return found


def ids(catalog: Catalog) -> set[tuple[str | None, str]]:
    """The (msgctxt, msgid) pairs of a catalog, singular form for plurals."""
    return {(m.context, m.id[0] if isinstance(m.id, tuple) else m.id) for m in catalog if m.id}


def test_the_template_catalog_is_up_to_date() -> None:
    pot = read(LOCALE / "messages.pot")
    fresh = extracted()
    assert ids(pot) == fresh, "run `make i18n-extract i18n-update` and translate what is new"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_message_is_translated_and_none_is_fuzzy(lang: str) -> None:
    catalog = read(catalog_path(LOCALE, lang), lang)
    assert ids(catalog) == extracted(), f"{lang}: run `make i18n-update`"
    assert not catalog.fuzzy, f"{lang}: the catalog header is marked fuzzy"
    problems = []
    for message in catalog:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy or not all(strings):
            problems.append(message.id)
    assert not problems, f"{lang}: untranslated or fuzzy: {problems}"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_placeholders_and_markup(lang: str) -> None:
    catalog = read(catalog_path(LOCALE, lang), lang)
    for message in catalog:
        if not message.id:
            continue
        source = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        wanted = set(PLACEHOLDER.findall(source[-1]))
        for text in strings:
            assert set(PLACEHOLDER.findall(text)) <= wanted | set(PLACEHOLDER.findall(source[0]))
            assert set(PLACEHOLDER.findall(text)) >= wanted - {"%(count)s"}, (lang, message.id)
            assert sorted(TAG.findall(text)) == sorted(TAG.findall(source[0])), (lang, text)


def outside_trans(source: str) -> str:
    """The text a template prints outside {% trans %} blocks, tags and expressions removed."""
    source = re.sub(r"{%-?\+?\s*trans\b.*?endtrans\s*\+?-?%}", "", source, flags=re.S)
    source = re.sub(r"{#.*?#}|{%.*?%}", "", source, flags=re.S)
    source = re.sub(r"{{.*?}}", "", source, flags=re.S)
    return TAG.sub("", source)


@pytest.mark.parametrize(
    "path", sorted((TEMPLATES_DIR / "messages").glob("*.html")), ids=lambda p: p.name
)
def test_no_template_prints_words_outside_the_catalogs(path: Path) -> None:
    source = path.read_text()
    words = re.findall(r"[^\W\d_]{2,}", outside_trans(source))
    assert not words, f"{path.name}: text outside {{% trans %}}: {words}"
    for expression in re.findall(r"{{(.*?)}}|{%\s*(?:if|elif|trans)\b(.*?)%}", source, re.S):
        code = " ".join(expression)
        code = re.sub(r"(?:label|in_every_language|_)\(\s*(['\"]).*?\1", "", code)
        code = re.sub(r"(?:[=!]=|^)\s*(['\"]).*?\1", "", code)  # compared, or a msgctxt
        literals = [s for _, s in re.findall(r"(['\"])(.*?)\1", code)]
        shown = [s for s in literals if re.search(r"[^\W\d_]{2,}", s)]
        assert not shown, f"{path.name}: text in an expression: {shown}"


def test_the_checker_sees_text_outside_the_catalogs() -> None:
    assert outside_trans("<b>{% trans %}Hello{% endtrans %}</b> world") == " world"
    assert outside_trans("{% if x %}{{ y }}{% endif %} • ✅") == " • ✅"


def test_plural_forms_come_from_the_catalogs() -> None:
    texts = Texts()
    one = texts.render("en", "error_length", got=1, min=2, max=100)
    many = texts.render("en", "error_length", got=5, min=2, max=100)
    assert one.startswith("That answer has 1 character;")
    assert many.startswith("That answer has 5 characters;")
    assert "1 carácter;" in texts.render("es", "error_length", got=1, min=2, max=100)
    assert "5 caractères ;" in texts.render("fr", "error_length", got=5, min=2, max=100)


def test_labels_are_looked_up_by_key_in_each_language() -> None:
    texts = Texts()
    assert texts.label("en", "countries.other") == "Other"
    assert texts.label("es", "countries.other") == "Otro"
    assert texts.label("es", "institutions.other") == "Otra"
    assert texts.label("fr", "countries.TT") == "Trinité-et-Tobago"


def test_the_label_extractor_gives_each_label_its_key_as_context() -> None:
    source = b'top = "Top"\n\n[buttons]\nskip = "Skip"\n'
    found = list(extract_labels(__import__("io").BytesIO(source), [], [], {}))
    assert found == [
        (1, "pgettext", ("top", "Top"), []),
        (4, "pgettext", ("buttons.skip", "Skip"), []),
    ]


def test_a_catalog_is_compiled_in_memory_and_a_missing_one_is_named(tmp_path: Path) -> None:
    po = catalog_path(tmp_path, "es")
    po.parent.mkdir(parents=True)
    po.write_text('msgid ""\nmsgstr ""\n"Language: es\\n"\n\nmsgid "Hello"\nmsgstr "Hola"\n')
    assert load_translations(tmp_path, "es").gettext("Hello") == "Hola"
    with pytest.raises(FileNotFoundError, match="no catalog"):
        load_translations(tmp_path, "pt")


def _catalog(locale_dir: Path, translation: str) -> None:
    """A one-message Spanish catalog translating Hello."""
    po = catalog_path(locale_dir, "es")
    po.parent.mkdir(parents=True, exist_ok=True)
    po.write_text(
        f'msgid ""\nmsgstr ""\n"Language: es\\n"\n\nmsgid "Hello"\nmsgstr "{translation}"\n'
    )


def test_a_compiled_catalog_is_kept_and_read_back_without_compiling(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _catalog(tmp_path / "locale", "Hola")
    assert load_translations(tmp_path / "locale", "es").gettext("Hello") == "Hola"
    kept = list((tmp_path / "cache" / catalogs.CACHE_FOLDER).glob("es-*.mo"))
    assert len(kept) == 1

    def no_compiling(source: bytes, lang: str) -> bytes:
        raise AssertionError("compiled again")

    monkeypatch.setattr(catalogs, "compile_catalog", no_compiling)
    assert load_translations(tmp_path / "locale", "es").gettext("Hello") == "Hola"


def test_a_changed_catalog_is_compiled_again_and_replaces_the_old_compilation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _catalog(tmp_path / "locale", "Hola")
    load_translations(tmp_path / "locale", "es")
    _catalog(tmp_path / "locale", "Buenas")
    assert load_translations(tmp_path / "locale", "es").gettext("Hello") == "Buenas"
    kept = list((tmp_path / "cache" / catalogs.CACHE_FOLDER).glob("es-*.mo"))
    assert len(kept) == 1


def test_a_damaged_or_unwritable_cache_only_means_compiling_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _catalog(tmp_path / "locale", "Hola")
    load_translations(tmp_path / "locale", "es")
    (kept,) = (tmp_path / "cache" / catalogs.CACHE_FOLDER).glob("es-*.mo")
    kept.write_bytes(b"not a catalog")
    assert load_translations(tmp_path / "locale", "es").gettext("Hello") == "Hola"
    assert kept.read_bytes() != b"not a catalog"
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder would be")
    monkeypatch.setenv("XDG_CACHE_HOME", str(blocked))
    assert load_translations(tmp_path / "locale", "es").gettext("Hello") == "Hola"

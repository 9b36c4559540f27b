"""Every text the bot sends: templates/messages/*.html and labels, translated through gettext."""

from __future__ import annotations

import functools
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from babel import Locale
from babel.dates import (
    format_date,
    format_time,
    get_datetime_format,
    get_timezone_location,
)
from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from bot.domain.catalogue import LANGUAGES, locale_for
from bot.render.catalogs import load_labels, load_translations, nest
from templates import TEMPLATES_DIR

if TYPE_CHECKING:
    from pathlib import Path

    from babel.support import NullTranslations


def utc_offset_label(moment: datetime, zone: ZoneInfo) -> str:
    """Return a zone's offset at a moment as 'UTC−4' or 'UTC+5:30'."""
    offset = moment.astimezone(zone).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "") if minutes else "UTC"


def zone_name(zone: str, moment: datetime, lang: str) -> str:
    """Name a zone in a language with its offset: 'hora de Belice (UTC−6)', or 'UTC−5' alone."""
    tz = ZoneInfo(zone)
    offset = utc_offset_label(moment, tz)
    if "/" not in zone or zone.startswith("Etc/"):
        return offset
    locale = Locale.parse(locale_for(lang))
    place = str(get_timezone_location(zone, locale=locale))
    region = str(locale.zone_formats["region"])
    if region.rstrip().endswith(":%s") or ": %s" in region:
        # "heure : Belize" reads as a form field; the place alone is clearer there.
        place = place.removeprefix(region.split("%s", maxsplit=1)[0])
    return f"{place} ({offset})"


def zone_city(zone: str, lang: str) -> str:
    """A zone's city or country in a language, for a button: 'Puerto España', 'Londres'."""
    return str(get_timezone_location(zone, locale=locale_for(lang), return_city=True))


def format_number(value: float, lang: str) -> str:
    """A count or measure written as the language writes numbers: '12,345', '12.345', '12 345'."""
    return str(format_decimal(value, locale=locale_for(lang)))


def local_datetime(moment: datetime, zone: str, lang: str) -> str:
    """A moment as a full local date and time: 'miércoles, 20 de enero de 2027, 8:00'."""
    locale = locale_for(lang)
    local = moment.astimezone(ZoneInfo(zone))
    date = format_date(local, "full", locale=locale)
    time = format_time(local, "short", locale=locale)
    return str(get_datetime_format("long", locale=locale)).replace("{1}", date).replace("{0}", time)


@functools.cache
def shared_texts() -> Texts:
    """The texts of the installed templates, loaded once (for code that has no Texts at hand)."""
    return Texts()


class Texts:
    """Renders message templates and looks up button labels in each language."""

    def __init__(self, directory: Path = TEMPLATES_DIR) -> None:
        self.directory = directory
        english = load_labels(directory / "labels")
        self.translations: dict[str, NullTranslations] = {
            lang: load_translations(directory / "locale", lang) for lang in LANGUAGES
        }
        self.labels: dict[str, dict[str, Any]] = {
            lang: nest({key: str(found.pgettext(key, text)) for key, text in english.items()})
            for lang, found in self.translations.items()
        }
        self.envs = {lang: self._environment(lang) for lang in LANGUAGES}
        self.env = self.envs[LANGUAGES[0]]

    def _environment(self, lang: str) -> Environment:
        """A Jinja environment whose {% trans %} and _() speak one language."""
        env = Environment(
            loader=FileSystemLoader(str(self.directory / "messages")),
            autoescape=select_autoescape(enabled_extensions=("html",), default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,
            extensions=["jinja2.ext.i18n"],
        )
        env.install_gettext_translations(self.translations[lang], newstyle=True)  # type: ignore[attr-defined]
        env.filters["localtime"] = self._localtime
        env.filters["localdate"] = self._localdate
        env.filters["hourminute"] = self._hourminute
        env.filters["zonename"] = zone_name
        env.filters["number"] = functools.partial(format_number, lang=lang)
        env.globals["in_every_language"] = self.in_every_language
        return env

    def render(self, lang: str, template_name: str, /, **context: Any) -> str:
        """Render templates/messages/<template_name>.html in a language; `label` looks up labels."""
        template = self.envs[lang].get_template(f"{template_name}.html")
        context.setdefault("lang", lang)
        context["label"] = lambda key: self.label(lang, key)
        return template.render(**context).strip()

    def in_every_language(self, message: str) -> str:
        """One message in every language, joined with ' / ' (for the language question)."""
        seen: list[str] = []
        for lang in LANGUAGES:
            text = self.translations[lang].gettext(message)
            if text not in seen:
                seen.append(text)
        return " / ".join(seen)

    def gettext(self, lang: str, message: str) -> str:
        """Translate an English message (one the catalogs hold) into a language."""
        return self.translations[lang].gettext(message)

    def ngettext(self, lang: str, singular: str, plural: str, count: int) -> str:
        """Translate an English message with plural forms for a count."""
        return self.translations[lang].ngettext(singular, plural, count)

    def label(self, lang: str, key: str) -> str:
        """Return the label at a dotted key such as 'countries.BZ' (KeyError when missing)."""
        node: Any = self.labels[lang]
        for part in key.split("."):
            node = node[part]
        if not isinstance(node, str):
            raise KeyError(key)
        return node

    def label_map(self, lang: str, key: str) -> dict[str, str]:
        """Return a whole table of labels, such as every country name."""
        node: Any = self.labels[lang]
        for part in key.split("."):
            node = node[part]
        return dict(node)

    @staticmethod
    def _localtime(moment: datetime, zone: str, lang: str) -> Markup:
        """Format a moment as a full local date and time with its UTC offset."""
        text = local_datetime(moment, zone, lang)
        return Markup.escape(f"{text} ({utc_offset_label(moment, ZoneInfo(zone))})")

    @staticmethod
    def _localdate(moment: datetime, zone: str, lang: str) -> str:
        """Format a moment as a short local date, such as '20 Jan 2027'."""
        return format_date(moment.astimezone(ZoneInfo(zone)), "medium", locale=locale_for(lang))

    @staticmethod
    def _hourminute(moment: datetime, zone: str, lang: str) -> str:
        """Format a moment as a local time of day."""
        return format_time(moment, "short", tzinfo=ZoneInfo(zone), locale=locale_for(lang))

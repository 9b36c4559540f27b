"""Every text the bot sends, rendered from templates/ in the reader's language."""

from __future__ import annotations

import tomllib
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from babel.dates import format_date, format_datetime, format_time
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup

from bot.domain.catalogue import LANGUAGES
from templates import TEMPLATES_DIR


def utc_offset_label(moment: datetime, zone: ZoneInfo) -> str:
    """Return a zone's offset at a moment as 'UTC−4' or 'UTC+5:30'."""
    offset = moment.astimezone(zone).utcoffset() or timedelta(0)
    minutes = int(offset.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    hours, rest = divmod(abs(minutes), 60)
    return f"UTC{sign}{hours}" + (f":{rest:02d}" if rest else "") if minutes else "UTC"


class Texts:
    """Renders message templates and looks up button labels for one language at a time."""

    def __init__(self, directory: Path = TEMPLATES_DIR) -> None:
        self.directory = directory
        self.env = Environment(
            loader=FileSystemLoader(str(directory)),
            autoescape=select_autoescape(enabled_extensions=("html",), default=True),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
            keep_trailing_newline=False,
            auto_reload=False,
        )
        self.labels: dict[str, dict[str, Any]] = {}
        for lang in LANGUAGES:
            # labels.toml plus any other *.toml of the language (one per feature), merged;
            # a table defined in two files is an error, not a silent override.
            merged: dict[str, Any] = {}
            for path in sorted((directory / lang).glob("*.toml")):
                with path.open("rb") as handle:
                    table = tomllib.load(handle)
                clash = set(table) & set(merged)
                if clash:
                    raise ValueError(f"{path}: {sorted(clash)} already defined in another file")
                merged.update(table)
            self.labels[lang] = merged
        self.env.filters["localtime"] = self._localtime
        self.env.filters["localdate"] = self._localdate
        self.env.filters["hourminute"] = self._hourminute

    def render(self, lang: str, template_name: str, /, **context: Any) -> str:
        """Render templates/<lang>/<template_name>.html; `label` looks up labels in it."""
        template = self.env.get_template(f"{lang}/{template_name}.html")
        context.setdefault("lang", lang)
        context["label"] = lambda key: self.label(lang, key)
        return template.render(**context).strip()

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
        tz = ZoneInfo(zone)
        text = format_datetime(moment, "EEEE d MMMM y, HH:mm", tzinfo=tz, locale=lang)
        return Markup.escape(f"{text} ({utc_offset_label(moment, tz)})")

    @staticmethod
    def _localdate(moment: datetime, zone: str, lang: str) -> str:
        """Format a moment as a short local date, such as '20 Jan 2027'."""
        return format_date(moment.astimezone(ZoneInfo(zone)), "d MMM y", locale=lang)

    @staticmethod
    def _hourminute(moment: datetime, zone: str, lang: str) -> str:
        """Format a moment as a local time of day."""
        return format_time(moment, "HH:mm", tzinfo=ZoneInfo(zone), locale=lang)

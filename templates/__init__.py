"""Every text the bot sends: templates/messages (English with {% trans %}), templates/labels
(English labels by key) and templates/locale (one gettext catalog per other language)."""

from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent

"""Every text the bot sends, per language: Jinja2 templates and labels.toml (package data)."""

from pathlib import Path

TEMPLATES_DIR = Path(__file__).resolve().parent

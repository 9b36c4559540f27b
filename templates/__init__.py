"""Every text the bot sends, per language: Jinja2 templates and labels.toml (package data)."""

"""The documentation keeps up with the code: every command is described, every link resolves."""

from __future__ import annotations

import re
import unicodedata
from typing import TYPE_CHECKING

import pytest
from telegram.ext import CommandHandler

from bot.app import build_application
from handlers import COMMANDS
from tests.support.settings import ROOT, TOKEN, example_series, settings_for

if TYPE_CHECKING:
    from pathlib import Path

DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"(?<!!)\[[^\]]*\]\(([^)\s]+)\)|!\[[^\]]*\]\(([^)\s]+)\)")
CODE_BLOCK = re.compile(r"^```.*?^```", re.MULTILINE | re.DOTALL)


def slug(heading: str) -> str:
    """The anchor GitHub gives a heading: lower case, punctuation dropped, spaces to hyphens."""
    text = unicodedata.normalize("NFKC", heading).strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path: Path) -> set[str]:
    """The anchors of a Markdown file's headings."""
    text = CODE_BLOCK.sub("", path.read_text(encoding="utf-8"))
    return {slug(m.group(1)) for m in re.finditer(r"^#{1,6} +(.+?) *#*$", text, re.MULTILINE)}


def relative_links(path: Path) -> list[str]:
    """The links of a Markdown file that point inside the repository (code blocks left out)."""
    text = CODE_BLOCK.sub("", path.read_text(encoding="utf-8"))
    targets = [m.group(1) or m.group(2) for m in LINK.finditer(text)]
    return [t for t in targets if not re.match(r"^[a-z][a-z0-9+.-]*:", t)]


def documented_commands(tmp_path: Path) -> set[str]:
    """Every command the bot answers: its menu (COMMANDS) and every command handler."""
    application = build_application(
        settings_for(tmp_path, "http://127.0.0.1:9/bot"), example_series(), TOKEN
    )
    handled = {
        command
        for group in application.handlers.values()
        for handler in group
        if isinstance(handler, CommandHandler)
        for command in handler.commands
    }
    return handled | {command.name for command in COMMANDS}


def test_the_documents_exist() -> None:
    names = {path.name for path in DOCS}
    expected = {"participants.md", "organizers.md", "operators.md", "architecture.md"}
    assert expected | {"README.md", "development.md"} <= names


@pytest.mark.parametrize("path", DOCS, ids=lambda p: p.name)
def test_every_relative_link_resolves(path: Path) -> None:
    broken = []
    for target in relative_links(path):
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / file_part).resolve() if file_part else path
        if not resolved.exists():
            broken.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            broken.append(f"{target}: no heading with that anchor")
    assert not broken, f"{path.name}: {broken}"


def test_every_command_is_documented(tmp_path: Path) -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in DOCS)
    commands = documented_commands(tmp_path)
    assert {"start", "help", "broadcast", "export"} <= commands
    missing = sorted(c for c in commands if not re.search(rf"`/{c}\b", text))
    assert not missing, f"commands not in README.md or docs/: {missing}"


def test_the_readme_stays_short() -> None:
    assert len((ROOT / "README.md").read_bytes()) <= 8 * 1024

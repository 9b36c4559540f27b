"""End to end: materials and recordings after a webinar, to attendees and absentees, once each."""

from __future__ import annotations

import dataclasses
from datetime import timedelta
from typing import TYPE_CHECKING, Any

import pytest

from bot.app import apply_series, build_application, start_polling, stop_polling
from bot.clock import ManualClock
from bot.domain.materials import Material
from bot.domain.series import load_series
from tests.support.bots import RunningBot
from tests.support.delivery import at, settle
from tests.support.follow_up import SPANISH, imported
from tests.support.settings import ROOT, START, TOKEN, settings_for
from tests.support.users import SimUser, button_data, register

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from sandbox import SandboxClient, SandboxServer

RECORDING = 'recording_url = "https://example.org/recording/1"\n'
MATERIALS = """
[[webinars.materials]]
title = "Slides: a preventive strategy"
url = "https://example.org/slides/1"
file = "slides.pdf"

[[webinars.materials]]
title = "Regional roadmap"
url = "https://example.org/roadmap"
"""


def write_series(folder: Path) -> Path:
    """The example series with materials for its first webinar, and the PDF beside it."""
    text = (ROOT / "series.example.toml").read_text(encoding="utf-8")
    marker = 'join_url = "https://example.org/join/crime-gun-strategy"\n'
    text = text.replace(marker, marker + RECORDING, 1)
    second = text.index("\n[[webinars]]", text.index("\n[[webinars]]") + 1) + 1
    path = folder / "series.toml"
    path.write_text(text[:second] + MATERIALS.lstrip() + "\n" + text[second:], encoding="utf-8")
    (folder / "slides.pdf").write_bytes(b"%PDF-1.4\n% slides\n%%EOF\n")
    return path


@pytest.fixture
async def bot(sandbox: SandboxServer, tmp_path: Path) -> AsyncIterator[RunningBot]:
    """The real bot, for a series whose first webinar has materials and a recording."""
    clock = ManualClock(START)
    settings = dataclasses.replace(
        settings_for(tmp_path, sandbox.api_base_url), series_file=write_series(tmp_path)
    )
    application = build_application(settings, load_series(settings.series_file), TOKEN, clock=clock)
    await start_polling(application, poll_timeout=1)
    yield RunningBot(application, clock)
    await stop_polling(application)


async def message_with(user: SimUser, fragment: str) -> dict[str, Any]:
    """The next message whose text contains `fragment` (others, such as surveys, are passed)."""
    while True:
        message = await user.next_message(timeout=15)
        if fragment in (message["text"] or ""):
            return message


async def materials_rows(bot: RunningBot) -> dict[int, list[str]]:
    """Materials outbox rows per Telegram user: their statuses, oldest first."""
    rows = await bot.services.db.fetchall(
        "SELECT p.telegram_id, o.status FROM outbox o JOIN participants p"
        " ON p.id = o.participant_id WHERE o.kind = 'materials' ORDER BY o.id"
    )
    found: dict[int, list[str]] = {}
    for row in rows:
        found.setdefault(row["telegram_id"], []).append(row["status"])
    return found


async def test_attendees_and_absentees_get_theirs_once_and_later_only_the_new(
    bot: RunningBot, client: SandboxClient
) -> None:
    ana = await SimUser(client, 1701).join()
    bea = await SimUser(client, 1702, language_code="es").join()
    await register(ana)
    await register(bea, **SPANISH)
    webinar = bot.services.series.webinars[0]
    await imported(bot, 1701, True, 100)
    for user in (ana, bea):
        await user.drain()
    await at(bot, webinar.ends_at + timedelta(minutes=14))
    await ana.say("/materials")
    listed = await ana.expect("Materials of your webinars")
    assert "Slides: a preventive strategy" in listed["text"]
    assert "Recording of the webinar" in listed["text"]
    await at(bot, webinar.ends_at + timedelta(minutes=15))

    thanks = await message_with(ana, "🙏 Thank you for attending")
    assert "Here are its materials" in thanks["text"]
    assert (
        "Slides: a preventive strategy" in thanks["text"] and "Regional roadmap" in thanks["text"]
    )
    assert "Recording of the webinar" in thanks["text"]
    links = {e.get("url") for e in thanks["entities"] if e["type"] == "text_link"}
    assert {"https://example.org/slides/1", "https://example.org/recording/1"} <= links
    document = await ana.next_message(timeout=15)
    assert document["document"]["file_name"] == "slides.pdf"
    assert document["caption"] == "Slides: a preventive strategy"
    sorry = await message_with(bea, "Lamentamos no haberle visto")
    assert "Grabación del webinario" in sorry["text"] and "Regional roadmap" in sorry["text"]
    await settle(bot)
    assert await materials_rows(bot) == {1701: ["sent"], 1702: ["sent"]}

    added = dataclasses.replace(
        webinar,
        materials=(*webinar.materials, Material("Questions answered", "https://example.org/qa")),
    )
    series = bot.services.series
    webinars = tuple(added if w.id == webinar.id else w for w in series.webinars)
    await apply_series(bot.services, dataclasses.replace(series, webinars=webinars))
    later = await message_with(ana, "Something new has been added")
    assert "Questions answered" in later["text"]
    assert "Slides" not in later["text"] and "Recording" not in later["text"]
    nuevo = await message_with(bea, "Material nuevo")
    assert "Questions answered" in nuevo["text"] and "Regional roadmap" not in nuevo["text"]
    await settle(bot)
    assert await materials_rows(bot) == {1701: ["sent", "sent"], 1702: ["sent", "sent"]}


async def test_an_organizer_adds_materials_with_preview_and_confirmation(
    bot: RunningBot, client: SandboxClient
) -> None:
    organizer = await SimUser(client, 1000).join()  # ADMIN_IDS in the tests' settings
    ana = await SimUser(client, 1711).join()
    await register(ana)
    webinar = bot.services.series.webinars[0]
    await imported(bot, 1711, True, 100)
    await ana.drain()
    await at(bot, webinar.ends_at + timedelta(minutes=15))
    await message_with(ana, "🙏 Thank you for attending")

    await organizer.say("/materials")
    pick = await organizer.expect("Which webinar are the materials for?")
    await organizer.press(pick, "1. Building a Crime Gun")
    ask = await organizer.expect("Building a Crime Gun")
    assert "Regional roadmap: https://example.org/roadmap" in ask["text"]
    await organizer.say("Answers to your questions | https://example.org/qa\nno bar here")
    await organizer.expect("Line 2 has no “|”")
    await organizer.say("Answers | ftp://example.org/qa")
    await organizer.expect("Line 1: the link must be an http(s) address")
    await organizer.say(
        "Answers to your questions | https://example.org/qa\n"
        "recording | https://example.org/recording/2"
    )
    preview = await organizer.expect("Add to Building a Crime Gun")
    assert "Answers to your questions: https://example.org/qa" in preview["text"]
    assert "its participants get this right away" in preview["text"]
    assert await materials_rows(bot) == {1711: ["sent"]}  # nothing before the confirmation
    await organizer.press(preview, "Confirm")
    await organizer.expect("Added to")

    later = await message_with(ana, "Something new has been added")
    assert "Answers to your questions" in later["text"]
    assert "Recording of the webinar" in later["text"]  # the recording link changed
    assert "Regional roadmap" not in later["text"]
    links = {e.get("url") for e in later["entities"] if e["type"] == "text_link"}
    assert "https://example.org/recording/2" in links
    stored = await bot.services.db.fetchone(
        "SELECT materials, recording_url FROM webinar_overrides"
    )
    assert "https://example.org/qa" in stored["materials"]
    assert stored["recording_url"] == "https://example.org/recording/2"
    await ana.say("/materials")
    listed = await ana.expect("Materials of your webinars")
    assert "Answers to your questions" in listed["text"] and "Regional roadmap" in listed["text"]

    await organizer.say("/materials")
    pick = await organizer.expect("Which webinar are the materials for?")
    await organizer.press(pick, "1. Building a Crime Gun")
    await organizer.expect("Answers to your questions: https://example.org/qa")
    stale = button_data(pick, "1. Building a Crime Gun")  # its step has passed: refused
    await organizer.drain()
    await client.press_forged(1000, pick["message_id"], stale)
    assert await organizer.toast() == bot.services.texts.label("en", "toasts.invalid")

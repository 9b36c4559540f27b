"""End to end: questions for the speakers, from the day-before reminder until the start."""

from __future__ import annotations

import csv
import io
import json
from datetime import timedelta
from typing import TYPE_CHECKING

import openpyxl

from bot.reporting.export_writers import ExportRequest, run_export
from tests.support.delivery import at
from tests.support.follow_up import SPANISH
from tests.support.users import SimUser, button_data, register

if TYPE_CHECKING:
    from pathlib import Path

    from sandbox import SandboxClient
    from tests.support.bots import RunningBot


async def ask(user: SimUser, prompt: dict, text: str, topic: str, who: str) -> dict:
    """Type a question after its prompt, pick a topic and the anonymity; return the receipt."""
    await user.say(text)
    topics = await user.expect("topic" if user.language_code == "en" else "temas")
    await user.press(topics, topic)
    anonymity = await user.shown()
    await user.press(anonymity, who)
    return await user.shown()


async def test_questions_from_the_day_before_until_the_start(
    bot: RunningBot, client: SandboxClient, tmp_path: Path
) -> None:
    ana = await SimUser(client, 1801).join()
    bea = await SimUser(client, 1802, language_code="es").join()
    organizer = await SimUser(client, 1000).join()
    await register(ana)
    await register(bea, **SPANISH)
    webinar = bot.services.series.webinars[0]
    await at(bot, webinar.starts_at - timedelta(days=2))
    await ana.drain()
    await ana.say("/ask")
    await ana.expect("None of your webinars is open for questions now")

    await at(bot, webinar.starts_at - timedelta(days=1))
    reminder = await ana.expect("Reminder: Building a Crime Gun")
    await ana.press(reminder, "Ask the speakers a question")
    prompt = await ana.expect("Type your question for the speakers")
    receipt = await ask(
        ana, prompt, "How do regional <b>databases</b> share images?", "3. Ballistic", "Show my"
    )
    assert "has been sent to the organizers." in receipt["text"]

    await bea.drain()
    await bea.say("/ask")
    prompt = await bea.expect("Escriba su pregunta")
    await bea.say("¿Qué apoyo hay para aduanas?")
    topics = await bea.expect("temas")
    await bea.say("typed instead of pressing a button")
    await bea.expect("con los botones")
    await bea.press(topics, "Ningún tema")
    await bea.press(await bea.shown(), "anónima")
    receipt = await bea.shown()
    assert "sin su nombre" in receipt["text"]
    own = button_data(receipt, "Retirar")

    await ana.say("/ask")
    prompt = await ana.expect("Your questions so far")
    assert "regional <b>databases</b>" in prompt["text"]
    receipt = await ask(ana, prompt, "A question I take back", "1. Stakeholder", "Show my")
    await ana.drain()
    await client.press_forged(1801, receipt["message_id"], own)  # Bea's question: refused
    assert await ana.toast() == "That button is not valid."
    await ana.press(receipt, "Withdraw")
    await ana.expect("has been withdrawn")

    await organizer.say("/questions")
    await organizer.expect("Send /questions and a webinar’s number or id")
    await organizer.say("/questions 1")
    listed = await organizer.expect("Questions for Building a Crime Gun")
    text = listed["text"]
    assert "(2)" in text and "A question I take back" not in text
    assert text.index("Ballistic imaging") < text.index("How do regional <b>databases</b>")
    assert "— Ana Smith" in text
    assert text.index("Other questions") < text.index("¿Qué apoyo hay para aduanas? — anonymous")
    await ana.say("/questions 1")
    await ana.expect("I did not understand")  # organizers only

    rows = await export_rows(bot, tmp_path)
    assert [(r["topic"], r["author"], r["anonymous"]) for r in rows] == [
        ("Ballistic imaging", "Ana Smith", "no"),
        ("(no topic)", "", "yes"),
    ]

    await at(bot, webinar.starts_at)
    await ana.drain()
    await ana.say("/ask")
    await ana.expect("None of your webinars is open for questions now")


async def export_rows(bot: RunningBot, tmp_path: Path) -> list[dict[str, str]]:
    """The questions export as CSV rows (JSON and XLSX checked to agree)."""
    database, series = bot.services.settings.database_path, bot.services.series
    out = io.BytesIO()
    request = ExportRequest("questions", "csv", "crime-gun-strategy")
    assert run_export(database, series, request, stdout=out) == 2
    rows = list(csv.DictReader(io.StringIO(out.getvalue().decode("utf-8-sig"))))
    data = io.BytesIO()
    run_export(database, series, ExportRequest("questions", "json"), stdout=data)
    parsed = json.loads(data.getvalue())
    assert [q["question"] for q in parsed] == [r["question"] for r in rows]
    xlsx = tmp_path / "questions.xlsx"
    run_export(database, series, ExportRequest("questions", "xlsx", out=xlsx))
    book = openpyxl.load_workbook(xlsx)
    sheet = next(s for s in book.worksheets if s.title != "Summary")
    assert [c.value for c in sheet[1]][:4] == ["webinar id", "question id", "topic", "question"]
    assert sheet.cell(2, 3).value == "Ballistic imaging"
    return rows

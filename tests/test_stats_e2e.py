"""/stats and /report through the sandbox: organizers get text, charts and the report file."""

from __future__ import annotations

import io
import re
from datetime import timedelta

import docx

from bot.reporting.charts import HEIGHT, WIDTH
from sandbox import SandboxClient
from tests.support.bots import RunningBot
from tests.support.files import png_chunks
from tests.support.settings import START
from tests.support.stats_data import ERASED_NAME, build
from tests.support.users import SimUser


async def test_stats_for_an_organizer(bot: RunningBot, client: SandboxClient) -> None:
    data = await build(bot.services.db, bot.services.series, count=60)
    organizer = await SimUser(client, 1000, timeout=30).join()
    first = bot.services.series.webinars[0]
    bot.clock.set(first.ends_at + timedelta(days=1))
    await organizer.say("/stats")
    working = await organizer.next_message()
    assert working["text"] == "Preparing the statistics…"
    message = await organizer.next_event("edit")
    assert message["message_id"] == working["message_id"]
    text = message["text"]
    assert text.startswith("Statistics: ") and "All webinars: 60 people registered" in text
    assert text.count("attended: ") == 1 and text.count("not held yet") == 2
    assert ERASED_NAME not in text and "Person " not in text
    for _ in range(5):
        photo = await organizer.next_message()
        assert photo["caption"]
        size = photo["photo"][-1]
        assert (size["width"], size["height"]) == (WIDTH, HEIGHT)
        png = await client.file_content(size["file_id"])
        assert png_chunks(png)[0][0] == b"IHDR"
    assert data.erased  # erased people were in the data, counted, never named


async def test_stats_in_spanish(bot: RunningBot, client: SandboxClient) -> None:
    await build(bot.services.db, bot.services.series, count=20)
    organizer = await SimUser(client, 1000, language_code="es", timeout=30).join()
    await organizer.say("/stats")
    assert (await organizer.next_message())["text"] == "Preparando las estadísticas…"
    message = await organizer.next_event("edit")
    assert message["text"].startswith("Estadísticas: ") and "Por sexo" in message["text"]
    photo = await organizer.next_message()
    assert photo["caption"].startswith("Inscritos, asistentes")


async def test_report_for_an_organizer(bot: RunningBot, client: SandboxClient) -> None:
    await build(bot.services.db, bot.services.series, count=60)
    organizer = await SimUser(client, 1000, timeout=30).join()
    await organizer.say("/report")
    document = (await organizer.next_message())["document"]
    assert document["file_name"] == f"report-{START.date().isoformat()}.html"
    html = (await client.file_content(document["file_id"])).decode("utf-8")
    assert "The series in total" in html and "data:image/png;base64," in html
    assert ERASED_NAME not in html
    first = bot.services.series.webinars[0]
    webinar = first.id
    await organizer.say(f"/report md {webinar}")
    document = (await organizer.next_message())["document"]
    assert document["file_name"] == f"report-{webinar}-{START.date().isoformat()}.md"
    markdown = (await client.file_content(document["file_id"])).decode("utf-8")
    assert markdown.startswith("# Building a Crime Gun") and "will host the webinar" in markdown
    assert "took part." not in markdown and "| Attended |" not in markdown
    bot.clock.set(first.ends_at + timedelta(days=1))
    await organizer.say(f"/report md {webinar}")
    document = (await organizer.next_message())["document"]
    markdown = (await client.file_content(document["file_id"])).decode("utf-8")
    assert "hosted the webinar" in markdown and "took part." in markdown
    attended = re.search(r"^\| Attended \| (\d+) \|$", markdown, flags=re.M)
    assert attended is not None
    await organizer.say(f"/report docx {webinar}")
    document = (await organizer.next_message())["document"]
    assert document["file_name"].endswith(".docx")
    word = docx.Document(io.BytesIO(await client.file_content(document["file_id"])))
    headings = [p.text for p in word.paragraphs if p.style.name.startswith("Heading")]
    assert headings[:2] == [first.title, "In figures"]
    figures = {row.cells[0].text: row.cells[1].text for row in word.tables[0].rows}
    assert figures["Attended"] == attended.group(1)
    assert any("hosted the webinar" in p.text for p in word.paragraphs)
    assert len(word.inline_shapes) == 5
    await organizer.say("/report md nope")
    reply = await organizer.next_message()
    assert "unknown webinar id 'nope'" in reply["text"] and not reply.get("document")


async def test_others_get_nothing(bot: RunningBot, client: SandboxClient) -> None:
    await build(bot.services.db, bot.services.series, count=10)
    stranger = await SimUser(client, 1001).join()
    for command in ("/stats", "/report", "/report md"):
        await stranger.say(command)
        reply = await stranger.next_message()
        assert "did not understand" in reply["text"]
    await stranger.expect_nothing_more()
    transcript = await client.transcript(1001)
    bot_messages = [m for m in transcript if m.get("from_bot", True) and m.get("text") is None]
    assert not any(m.get("photo") or m.get("document") for m in transcript), bot_messages
    assert sum(1 for m in transcript if "did not understand" in (m.get("text") or "")) == 3

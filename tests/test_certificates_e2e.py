"""End to end: certificates sent once to exactly the eligible, /certificate again, /verify."""

from __future__ import annotations

import dataclasses
import io
from datetime import timedelta
from typing import TYPE_CHECKING

import pytest
from pypdf import PdfReader

from bot.app import build_application, start_polling, stop_polling
from bot.clock import ManualClock
from bot.domain.certificates import make_code
from tests.support.bots import RunningBot
from tests.support.delivery import at, settle
from tests.support.follow_up import SPANISH, imported, participant_id, series_with
from tests.support.settings import START, TOKEN, settings_for
from tests.support.users import SimUser, register

if TYPE_CHECKING:
    from collections.abc import AsyncIterator
    from pathlib import Path

    from sandbox import SandboxClient, SandboxServer

SECRET = "e2e-certificate-secret-0123456789abcdef"


@pytest.fixture
def certificate_lines() -> str:
    """The series' certificate settings (a test may override this fixture)."""
    return 'certificates = "attended"'


@pytest.fixture
async def bot(
    sandbox: SandboxServer, tmp_path: Path, certificate_lines: str
) -> AsyncIterator[RunningBot]:
    """The real bot, for a series that gives certificates, with CERTIFICATE_SECRET set."""
    clock = ManualClock(START)
    settings = dataclasses.replace(
        settings_for(tmp_path, sandbox.api_base_url), certificate_secret=SECRET
    )
    application = build_application(settings, series_with(certificate_lines), TOKEN, clock=clock)
    await start_polling(application, poll_timeout=1)
    yield RunningBot(application, clock)
    await stop_polling(application)


async def certificate_of(user: SimUser, client: SandboxClient) -> tuple[dict, str]:
    """Wait for the next message carrying a PDF; return it with the PDF's text."""
    while True:
        message = await user.next_message(timeout=15)
        document = message.get("document") or {}
        if document.get("file_name", "").endswith(".pdf"):
            data = await client.file_content(document["file_id"])
            assert len(data) <= 100_000
            reader = PdfReader(io.BytesIO(data))
            assert len(reader.pages) == 1
            return message, " ".join(reader.pages[0].extract_text().split())


async def certificate_rows(bot: RunningBot) -> dict[int, list[str]]:
    """Outbox certificate rows per Telegram user (erased participants under 0)."""
    rows = await bot.services.db.fetchall(
        "SELECT COALESCE(p.telegram_id, 0) AS who, o.status FROM outbox o"
        " JOIN participants p ON p.id = o.participant_id WHERE o.kind = 'certificate'"
    )
    found: dict[int, list[str]] = {}
    for row in rows:
        found.setdefault(row["who"], []).append(row["status"])
    return found


async def test_exactly_the_attendees_get_one_certificate_each(
    bot: RunningBot, client: SandboxClient
) -> None:
    ana = await SimUser(client, 1601).join()
    bea = await SimUser(client, 1602, language_code="es").join()
    carl = await SimUser(client, 1603).join()
    dora = await SimUser(client, 1604).join()
    eve = await SimUser(client, 1605).join()
    await register(ana)
    await register(bea, **SPANISH)
    await register(carl, name="Carl Absent")
    await register(dora, name="Dora Forgotten")
    await register(eve, name="Eve Later")
    webinar = bot.services.series.webinars[0]
    await imported(bot, 1604, True, 80)
    await dora.say("/forget")
    await dora.press(await dora.expect("Erase your personal data?"), "Yes, erase")
    await dora.expect("has been erased")
    await imported(bot, 1602, True, 50)
    await imported(bot, 1603, False, None)
    for user in (ana, bea, carl):
        await user.drain()
    await at(bot, webinar.ends_at + timedelta(minutes=15))

    invitation = await ana.expect("Your feedback on Building a Crime Gun")
    await ana.press(invitation, "Yes, I attended")
    message, text = await certificate_of(ana, client)
    code = make_code(SECRET, await participant_id(bot, 1601), webinar.id)
    assert "Your certificate of participation" in (message["caption"] or "")
    assert code in (message["caption"] or "")
    assert "Ana Smith" in text and webinar.title in text and code in text
    assert "Hours of participation: 2" in text  # said in the chat: the whole webinar
    assert "ana@police.gov.gy" not in text

    _, text = await certificate_of(bea, client)
    assert "Certificado de participación" in text and "Beatriz Ñáñez Güémez" in text
    assert webinar.title_es is not None and webinar.title_es in text
    assert "Horas de participación: 0,8" in text
    assert make_code(SECRET, await participant_id(bot, 1602), webinar.id) in text

    await imported(bot, 1605, True, 120)  # a later import: Eve's comes on its own
    _, text = await certificate_of(eve, client)
    assert "Eve Later" in text
    await settle(bot)
    rows = await certificate_rows(bot)
    assert rows == {1601: ["sent"], 1602: ["sent"], 1605: ["sent"]}
    made = await bot.services.db.fetchall("SELECT code FROM certificates ORDER BY participant_id")
    assert code in [row["code"] for row in made] and len(made) == 3

    await ana.say("/certificate")
    _, again = await certificate_of(ana, client)
    assert code in again and "Ana Smith" in again
    await carl.drain()
    await carl.say("/certificate")
    await carl.expect("You have no certificate of participation yet")

    await carl.say(f"/verify {code.lower().replace('-', ' ')}")
    genuine = await carl.expect("is a genuine certificate")
    assert "Ana Smith" in genuine["text"] and webinar.title in genuine["text"]
    forged = code[:-1] + ("Z" if code[-1] != "Z" else "Y")
    await carl.say(f"/verify {forged}")
    await carl.expect("is not a genuine certificate code")
    await carl.say("/verify hello")
    await carl.expect("is not shaped like a code")
    await carl.say("/verify")
    await carl.expect("Send the code printed on a certificate")


async def test_an_erased_holder_is_verified_without_a_name(
    bot: RunningBot, client: SandboxClient
) -> None:
    ana = await SimUser(client, 1611).join()
    await register(ana)
    webinar = bot.services.series.webinars[0]
    await imported(bot, 1611, True, 90)
    await ana.drain()
    await at(bot, webinar.ends_at + timedelta(minutes=1))
    _, text = await certificate_of(ana, client)
    code = make_code(SECRET, await participant_id(bot, 1611), webinar.id)
    assert code in text
    await ana.say("/forget")
    await ana.press(await ana.expect("Erase your personal data?"), "Yes, erase")
    await ana.expect("has been erased")
    await ana.say(f"/verify {code}")
    answer = await ana.expect("is a genuine certificate")
    assert "Ana Smith" not in answer["text"] and "erased their data" in answer["text"]


@pytest.mark.parametrize(
    "certificate_lines",
    ['certificates = "attended_and_survey"\ncertificate_min_minutes = 30'],
)
async def test_a_minimum_and_the_survey_when_the_series_asks(
    bot: RunningBot, client: SandboxClient
) -> None:
    users = [await SimUser(client, 1620 + i).join() for i in range(3)]
    for i, user in enumerate(users):
        await register(user, name=f"Person {i}")
    webinar = bot.services.series.webinars[0]
    await imported(bot, 1620, True, 29)  # too short
    await imported(bot, 1621, True, 45)  # long enough, survey not completed yet
    await imported(bot, 1622, True, None)  # minutes unknown: a minimum needs them
    await at(bot, webinar.ends_at + timedelta(minutes=1))
    for telegram_id in (1620, 1621, 1622):
        await bot.services.survey.ensure_response(
            webinar.id, await participant_id(bot, telegram_id), bot.clock.now()
        )
    await bot.services.db.execute("UPDATE responses SET status = 'completed'")
    bot.services.sender.wake()
    await users[1].drain()
    _, text = await certificate_of(users[1], client)
    assert "Person 1" in text and "Hours of participation: 0.8" in text
    await users[0].say("/certificate")
    none = await users[0].expect("You have no certificate of participation yet")
    assert "at least 30 minutes" in none["text"] and "feedback survey" in none["text"]
    await settle(bot)
    assert await certificate_rows(bot) == {1621: ["sent"]}

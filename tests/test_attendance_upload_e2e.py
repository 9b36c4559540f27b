"""End to end: an organizer sends an attendance report in the chat, checks it, and confirms."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.clock import to_iso
from tests.support.attendance import FIXTURES, PEOPLE
from tests.support.organizers import ORGANIZER
from tests.support.users import SimUser

if TYPE_CHECKING:
    from sandbox import SandboxClient
    from tests.support.bots import RunningBot

FIRST_ID = 5001  # the registrants' Telegram ids follow on from here
# The fixture's meeting, moved to the example series' first webinar (2027-01-20, same hours).
REPORT = (FIXTURES / "zoom_meeting_with_summary.csv").read_bytes().replace(b"/2026", b"/2027")


async def seed(bot: RunningBot) -> None:
    """The eight registrants of the fixtures, registered for the first webinar."""
    webinar = bot.services.series.webinars[0]
    for telegram_id, (name, email) in enumerate(PEOPLE, start=FIRST_ID):
        await bot.services.participants.create(
            telegram_id,
            {
                "language": "en",
                "full_name": name,
                "country": "TT",
                "timezone": "America/Port_of_Spain",
                "institution": "police",
                "position": "Officer",
                "sex": "woman",
                "email": None if name == "Renée Charles" else email,
                "webinars": [webinar.id],
                "consent_at": to_iso(bot.clock.now()),
                "consent_version": "test",
            },
            bot.clock.now(),
        )


async def minutes(bot: RunningBot) -> dict[str, tuple[int, str, int | None]]:
    """Attendance on record for the first webinar by name, read through the stores."""
    webinar = bot.services.series.webinars[0]
    recorded: dict[str, tuple[int, str, int | None]] = {}
    for telegram_id, (name, _) in enumerate(PEOPLE, start=FIRST_ID):
        participant = await bot.services.participants.get(telegram_id)
        assert participant is not None
        record = await bot.services.attendance.get(participant.id, webinar.id)
        if record is not None:
            recorded[name] = (int(record.attended), record.source, record.minutes)
    return recorded


async def send(organizer: SimUser, name: str, content: bytes | None, mime: str | None) -> None:
    """The organizer sends a document."""
    await organizer.client.send_rich(organizer.id, document=name, content=content, mime_type=mime)


async def test_report_sent_in_the_chat_is_shown_then_recorded_on_confirm(
    bot: RunningBot, client: SandboxClient
) -> None:
    await seed(bot)
    first, second = bot.services.series.webinars[:2]
    bot.clock.set(second.ends_at + timedelta(hours=1))
    organizer = await SimUser(client, ORGANIZER).join()
    await send(organizer, "participants_85123456789.csv", REPORT, "text/csv")
    question = await organizer.expect("which webinar is it for?")
    titles = [row[0]["text"] for row in question["reply_markup"]["inline_keyboard"]]
    assert titles[:2] == [second.title[:60], first.title[:60]]  # the most recently ended first
    await organizer.press(question, first.title[:40])
    summary = await organizer.expect("nothing recorded yet")
    assert "Format: Zoom participants report, with meeting data" in summary["text"]
    assert "Matched: 6 registrants (5 by e-mail, 1 by name)" in summary["text"]
    assert "Marcus De Freitas <m.defreitas@example.gov.gy>: in the waiting room" in summary["text"]
    assert await minutes(bot) == {}
    await organizer.press(summary, "Record this attendance")
    await organizer.expect("6 changed, 0 already so")
    recorded = await minutes(bot)
    assert recorded["Zoë Hernández-Núñez"] == (1, "import", 145)
    assert recorded["Renée Charles"] == (1, "import", 100)
    assert len(recorded) == 6


async def test_wrong_files_are_refused_and_change_nothing(
    bot: RunningBot, client: SandboxClient
) -> None:
    await seed(bot)
    first = bot.services.series.webinars[0]
    bot.clock.set(first.ends_at + timedelta(hours=1))
    organizer = await SimUser(client, ORGANIZER).join()
    await send(organizer, "slides.pdf", None, None)
    await organizer.expect("does not look like an attendance report")
    await send(organizer, "huge.csv", b"Name,Email\n" * (5 * 1024 * 1024 // 11 + 1), "text/csv")
    await organizer.expect("larger than 5 MB")
    await send(organizer, "other.csv", b"Topic,Start Time\nWebinar,01/20/2027 10:00\n", "text/csv")
    question = await organizer.expect("which webinar is it for?")
    await organizer.press(question, first.title[:40])
    await organizer.expect("Nothing was recorded: no participants table")
    await send(organizer, "report.csv", REPORT, "text/csv")
    question = await organizer.expect("which webinar is it for?")
    await organizer.press(question, first.title[:40])
    summary = await organizer.expect("nothing recorded yet")
    await organizer.press(summary, "Cancel")
    await organizer.expect("Cancelled: nothing was recorded.")
    await organizer.drain()
    await client.press_forged(ORGANIZER, summary["message_id"], "ai:ok")  # Confirm after Cancel
    assert await organizer.toast() == bot.services.texts.label("en", "toasts.stale")
    assert await minutes(bot) == {}

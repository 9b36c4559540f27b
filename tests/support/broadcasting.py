"""Broadcasting as an organizer: seeding participants, the /broadcast dialogue, waiting."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.clock import to_iso
from bot.domain.catalogue import COUNTRY_ZONES
from tests.support.waiting import eventually

if TYPE_CHECKING:
    from sandbox import SandboxClient
    from tests.support.bots import RunningBot
    from tests.support.users import SimUser

ORGANIZER = 1000  # ADMIN_IDS in the test settings
FIRST_ID = 70_000
TEXT = "Hello <team> & friends, see the agenda."


def entities_of(text: str) -> list[dict[str, Any]]:
    """Bold 'Hello', italic 'friends', and a link on 'agenda' (offsets: ASCII = UTF-16)."""
    return [
        {"type": "bold", "offset": 0, "length": 5},
        {"type": "italic", "offset": text.index("friends"), "length": 7},
        {
            "type": "text_link",
            "offset": text.index("agenda"),
            "length": 6,
            "url": "https://example.org/a?x=1&y=2",
        },
    ]


async def seed(
    bot: RunningBot, client: SandboxClient, people: list[tuple[str, str, str]]
) -> list[int]:
    """Store participants given as (country, language, institution); return their ids."""
    store = bot.services.participants
    webinar = bot.services.series.webinars[0]
    ids = []
    for number, (country, lang, institution) in enumerate(people):
        telegram_id = FIRST_ID + number
        await client.add_user(telegram_id, first_name=f"P{number}", language_code=lang)
        await store.create(
            telegram_id,
            {
                "language": lang,
                "full_name": f"Participant {number}",
                "country": country,
                "timezone": COUNTRY_ZONES[country],
                "institution": institution,
                "position": "Officer",
                "sex": "woman",
                "email": None,
                "webinars": [webinar.id],
                "consent_at": to_iso(bot.clock.now()),
                "consent_version": "test",
            },
            bot.clock.now(),
        )
        ids.append(telegram_id)
    return ids


async def compose(
    organizer: SimUser,
    *,
    text: str | None = TEXT,
    photo: bool = False,
    caption: str | None = None,
    audience: tuple[str, str] = ("By state", "Belize"),
    spanish: str | None = None,
) -> dict[str, Any]:
    """/broadcast up to the "When" question; return that question's message."""
    await organizer.say("/broadcast")
    await organizer.expect("New broadcast")
    if photo:
        await organizer.client.send_rich(
            organizer.id, photo=True, caption=caption, caption_entities=entities_of(caption or "")
        )
    else:
        await organizer.client.send_rich(organizer.id, text=text, entities=entities_of(text))
    question = await organizer.expect("Who should get it?")
    await organizer.press(question, audience[0])
    if audience[0] != "Everyone":
        choice = await organizer.expect("which")
        await organizer.press(choice, audience[1])
    question = await organizer.expect("Spanish")
    if spanish is None:
        await organizer.press(question, "Skip")
    else:
        await organizer.say(spanish)
    return await organizer.expect("When should it go out?")


Preview = tuple[dict[str, Any], list[dict[str, Any]]]


async def send_now(organizer: SimUser, question: dict[str, Any], spanish: bool = False) -> Preview:
    """Press "Send now" and read the preview; return the summary and the previewed messages."""
    await organizer.press(question, "Send now")
    return await read_preview(organizer, spanish)


async def read_preview(organizer: SimUser, spanish: bool) -> Preview:
    """Read the preview; return the summary (with Confirm / Cancel) and the messages."""
    await organizer.expect("Preview")
    shown = [await organizer.next_message()]
    if spanish:
        await organizer.expect("in Spanish will see")
        shown.append(await organizer.next_message())
    return await organizer.expect("Ready to send"), shown


async def confirm(organizer: SimUser, summary: dict[str, Any]) -> dict[str, Any]:
    """Press Confirm; return the progress message."""
    await organizer.press(summary, "Confirm and send")
    return await organizer.next_message(timeout=15)


async def wait_text(
    client: SandboxClient, chat: int, message_id: int, fragment: str, timeout: float = 30.0
) -> dict[str, Any]:
    """Wait until a message of the chat shows `fragment`; return it."""

    async def showing() -> dict[str, Any] | None:
        for message in await client.transcript(chat):
            if message["message_id"] == message_id and fragment in (message["text"] or ""):
                return message
        return None

    return await eventually(showing, timeout, f"message {message_id} shows {fragment!r}")


async def wait_sent(bot: RunningBot, count: int, timeout: float = 30.0) -> None:
    """Wait until `count` broadcast rows are sent."""

    async def sent() -> bool:
        counts = await bot.services.outbox.counts(kind="broadcast")
        return int(counts.get("sent", 0)) >= count

    await eventually(sent, timeout, f"{count} broadcast rows sent")


async def got(client: SandboxClient, user_id: int) -> list[dict[str, Any]]:
    """The bot's messages to a participant."""
    return [m for m in await client.transcript(user_id) if m["from_bot"]]


async def slow_down(bot: RunningBot, client: SandboxClient) -> None:
    """Two messages in flight and 150 ms per request: about 13 sends a second."""
    bot.services.sender.concurrency = 2
    await client.configure(latency=0.15)

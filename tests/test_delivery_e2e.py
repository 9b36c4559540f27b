"""End to end: /delivery names each message as an organizer would, with exact counts."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from bot.render.texts import Texts
from bot.reporting.delivery_summary import message_name
from sandbox import SandboxClient
from tests.support.bots import RunningBot
from tests.support.delivery import drain_outbox, fan_out, seed_registrants
from tests.support.organizers import ORGANIZER
from tests.support.users import SimUser


async def test_delivery_report_in_plain_words(bot: RunningBot, client: SandboxClient) -> None:
    services = bot.services
    ids = await seed_registrants(bot, client, 4)
    await client.inject_faults(
        method="sendMessage", status=400, count=1, description="Bad Request: message is too long"
    )
    await fan_out(bot)  # the first webinar's reminders 7 days and 1 day before fall due
    await drain_outbox(bot)
    await client.block(ids[0])  # found out by the next message to them
    webinar = services.series.webinars[0]
    queued = await services.schedule.enqueue_for_registrants(
        "change_notice", webinar.id, "v1", services.clock.now()
    )
    assert queued == 4
    store = services.sender.broadcasts.store
    broadcast_id = await store.create(ORGANIZER, ORGANIZER, "en", services.clock.now())
    await store.update(
        broadcast_id, content_type="text", body_html="Hello", audience={"kind": "all"}
    )
    assert await store.queue(broadcast_id, services.clock.now()) == 4
    services.sender.wake()
    await drain_outbox(bot)
    organizer = await SimUser(client, ORGANIZER).join()
    await organizer.say("/delivery")
    report = await organizer.expect("Delivery report")
    lines = report["text"].split("\n")
    assert lines[
        : lines.index("Unreachable participants (blocked the bot or deleted their account): 1")
    ] == [
        "Delivery report",
        "",
        f"1. {webinar.title_for('en')}",
        " • reminder 7 days before: skipped (too late) 4",
        " • reminder 1 day before: sent 3, failed 1",
        " • change notice: sent 3, unreachable 1",
        "",
        "Broadcasts",
        " • broadcast of 19 Jan: sent 3, unreachable 1",
        "",
        "Failures, with Telegram's reason",
        f" • reminder 1 day before ({webinar.title_for('en')}): Message is too long (1)",
        "",
    ]
    assert "Participant 0 (Guyana)" in lines[-1] and "blocked by the user" in lines[-1]


def test_messages_are_named_in_the_organizers_language() -> None:
    texts, zone = Texts(), ZoneInfo("America/Port_of_Spain")
    assert message_name(texts, "es", zone, "reminder", "86400@x", None) == (
        "recordatorio 1 día antes"
    )
    assert message_name(texts, "en", zone, "reminder", "900@x", None) == (
        "reminder 15 minutes before"
    )
    assert message_name(texts, "en", zone, "reminder", "5400@x", None) == (
        "reminder 90 minutes before"
    )
    when = "2027-01-13T02:00:00Z"  # still the 12th in Port of Spain
    assert message_name(texts, "es", zone, "broadcast", "b1", when) == "mensaje masivo del 12 ene"
    assert message_name(texts, "en", zone, "survey", "invite", None) == "survey invitation"
    assert message_name(texts, "es", zone, "nudge", "nudge", None) == (
        "recordatorio de la encuesta"
    )

"""End to end: reminders in each participant's zone and language, planned from the database."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from bot.app import apply_series
from sandbox import SandboxClient
from tests.support.bots import RunningBot
from tests.support.delivery import at, bot_texts, settle
from tests.support.survey import first_webinar
from tests.support.users import SPANISH_BELIZE, SimUser, register


async def test_belize_and_guyana_see_their_own_local_times(
    bot: RunningBot, client: SandboxClient
) -> None:
    guyana = await SimUser(client, 901).join()
    belize = await SimUser(client, 902, language_code="es").join()
    await register(guyana)
    await register(belize, **SPANISH_BELIZE)
    webinar = first_webinar(bot)
    await guyana.drain()
    await belize.drain()
    await at(bot, webinar.starts_at - timedelta(days=7))
    english = await guyana.expect("Reminder: Building a Crime Gun")
    spanish = await belize.expect("Recordatorio: Hacia una estrategia")
    assert "Wednesday, 20 January 2027, 10:00 (UTC−4)" in english["text"]
    assert "in 1 week" in english["text"] or "in 7 days" in english["text"]
    assert "miércoles, 20 de enero de 2027, 8:00 (UTC−6)" in spanish["text"]
    assert webinar.join_url in english["text"]
    buttons = [b for row in english["reply_markup"]["inline_keyboard"] for b in row]
    assert buttons[0]["url"] == webinar.join_url and buttons[1]["callback_data"] == "cal:0"
    # the calendar button sends the webinar's .ics file
    await guyana.press(english, "calendar")
    invite = await guyana.next_message()
    assert invite["document"]["file_name"] == f"{webinar.id}.ics"
    content = await client.file_content(invite["document"]["file_id"])
    assert b"BEGIN:VEVENT" in content and webinar.id.encode() in content
    counts = await bot.services.outbox.counts("reminder")
    assert counts == {"sent": 2}


async def test_every_offset_once_and_starting_now(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 903).join()
    await register(user)
    webinar = first_webinar(bot)
    for offset in (timedelta(days=7), timedelta(days=1), timedelta(hours=1), timedelta(0)):
        await at(bot, webinar.starts_at - offset)
        await at(bot, webinar.starts_at - offset + timedelta(seconds=30))  # no second copy
    texts = [t for t in await bot_texts(client, 903) if webinar.title in t]
    assert len(texts) == 4
    assert texts[-1].startswith("🔴 Starting now")
    rows = await bot.services.db.fetchall(
        "SELECT status FROM outbox WHERE participant_id = (SELECT id FROM participants"
        " WHERE telegram_id = 903) AND kind = 'reminder' AND webinar_id = ?",
        (webinar.id,),
    )
    assert [r["status"] for r in rows] == ["sent"] * 4


async def test_late_registration_gets_one_last_minute_message(
    bot: RunningBot, client: SandboxClient
) -> None:
    webinar = first_webinar(bot)
    bot.clock.set(webinar.starts_at - timedelta(minutes=30))
    await settle(bot)  # the earlier slots fall due with nobody registered yet
    user = await SimUser(client, 904).join()
    await register(user)
    late = await user.expect("starts in 30 minutes")
    assert webinar.join_url in late["text"]
    await at(bot, webinar.starts_at)
    await user.expect("Starting now")
    texts = await bot_texts(client, 904)
    assert not any(t.startswith("⏰ Reminder") for t in texts)  # no stale 1h/1d/7d reminder


async def test_downtime_sends_only_what_is_still_useful(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 905).join()
    await register(user)
    webinar = first_webinar(bot)
    await bot.services.sender.stop()  # the bot is "down" while these fall due
    bot.clock.set(webinar.starts_at - timedelta(minutes=20))
    await bot.services.sender.start()
    await settle(bot)
    texts = [t for t in await bot_texts(client, 905) if t.startswith("⏰ Reminder")]
    assert len(texts) == 1 and "in 20 minutes" in texts[0]
    slots = await bot.services.db.fetchall(
        "SELECT offset_s, status, reason FROM reminder_slots WHERE webinar_id = ?"
        " ORDER BY offset_s DESC",
        (webinar.id,),
    )
    assert [(s["offset_s"], s["status"]) for s in slots] == [
        (604800, "skipped"),
        (86400, "skipped"),
        (3600, "enqueued"),
        (0, "planned"),
    ]
    assert slots[0]["reason"] == "a later reminder was due as well"
    # down again until the webinar is over: the "starting now" one is recorded, not sent
    await bot.services.sender.stop()
    bot.clock.set(webinar.ends_at + timedelta(minutes=1))
    await bot.services.sender.start()
    await settle(bot)
    rows = await bot.services.db.fetchall(
        "SELECT status, last_error FROM outbox WHERE kind = 'reminder' AND purpose LIKE '0@%'"
    )
    assert [(r["status"], r["last_error"]) for r in rows] == [("skipped", "the webinar had ended")]
    assert not any("Starting now" in t for t in await bot_texts(client, 905))


async def test_reminders_can_be_turned_off(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 906).join()
    await register(user)
    await user.say("/settings")
    settings = await user.expect("Reminders: on")
    assert "Language: English" in settings["text"] and "Time zone: " in settings["text"]
    await user.press(settings, "Turn reminders off")
    await user.expect("Reminders: off")
    await at(bot, first_webinar(bot).starts_at - timedelta(days=1))
    assert not any("⏰ Reminder" in t for t in await bot_texts(client, 906))
    assert await bot.services.outbox.counts("reminder") == {}


async def test_webinar_change_moves_reminders_and_notifies(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 907).join()
    await register(user)
    webinar = first_webinar(bot)
    await at(bot, webinar.starts_at - timedelta(days=7))
    await user.expect("Reminder")
    moved = dataclasses.replace(
        webinar,
        starts_at=webinar.starts_at + timedelta(days=2),
        join_url="https://example.org/join/new-room",
    )
    series = dataclasses.replace(
        bot.services.series, webinars=(moved, *bot.services.series.webinars[1:])
    )
    assert await apply_series(bot.services, series) == 1
    await settle(bot)
    notice = await user.expect("Change to Building a Crime Gun")
    assert "Friday, 22 January 2027, 10:00" in notice["text"]
    assert "new-room" in notice["text"]
    # reminders now follow the new time; the old times pass quietly
    await at(bot, moved.starts_at - timedelta(days=7))
    week = await user.expect("Reminder")
    assert "Friday, 22 January 2027" in week["text"] and "new-room" in week["text"]
    await at(bot, webinar.starts_at - timedelta(days=1))
    assert sum("⏰ Reminder" in t for t in await bot_texts(client, 907)) == 2
    await at(bot, moved.starts_at - timedelta(days=1))
    day = await user.expect("Reminder")
    assert "Friday, 22 January 2027" in day["text"]
    assert sum("⏰ Reminder" in t for t in await bot_texts(client, 907)) == 3
    cancelled = await bot.services.db.fetchall(
        "SELECT status, reason FROM reminder_slots WHERE webinar_id = ? AND status = 'cancelled'",
        (webinar.id,),
    )
    assert {r["reason"] for r in cancelled} == {"the webinar moved"} and len(cancelled) == 3


async def test_schedule_join_and_leave(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 908, language_code="es").join()
    await register(user, **{**SPANISH_BELIZE, "name": "Ana Bel"})
    await user.say("/schedule")
    schedule = await user.expect("Hacia una estrategia")
    assert "8:00 (UTC−6)" in schedule["text"]
    # the organizers' time beside it, their zone named in Spanish
    assert "hora de los organizadores: 10:00, hora de Trinidad y Tobago (UTC−4)" in schedule["text"]
    assert "America/" not in schedule["text"] and "/a" not in schedule["text"]
    await user.press(schedule, "Salir del webinario 1")
    edited = await user.next_event("edit")
    assert "Inscribirme en el webinario 1" in str(edited["reply_markup"])
    participant = await bot.services.participants.get(908)
    assert participant is not None and first_webinar(bot).id not in participant.webinar_ids


async def test_unregistered_reader_sees_the_schedule(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 909).join()
    await user.say("/schedule")
    schedule = await user.expect("Send /start to register")
    assert "Stakeholder buy-in" in schedule["text"]
    assert "example.org/join" not in schedule["text"]  # links only for registrants

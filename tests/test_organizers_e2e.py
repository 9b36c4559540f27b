"""End to end: the organizer console, /organizers and /webinar, through the sandbox."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bot.app import apply_series, build_application, reload_series, start_polling, stop_polling
from bot.clock import ManualClock, from_iso
from bot.config import load_settings
from bot.services import SERVICES_KEY, Services
from sandbox import SandboxClient, SandboxServer
from storage.overrides import OverrideStore
from tests.support.bots import RunningBot
from tests.support.delivery import at, bot_texts, settle
from tests.support.organizers import ORGANIZER, add_organizer, open_add
from tests.support.settings import ROOT, START, TOKEN, example_series
from tests.support.users import SimUser, button_data, register

INVALID = "That button is not valid."
NEW_START = datetime(2027, 1, 22, 14, 0, tzinfo=UTC)  # 10:00 in Port of Spain (UTC-4)


async def test_add_an_organizer_who_can_then_use_delivery(
    bot: RunningBot, client: SandboxClient
) -> None:
    organizer = await SimUser(client, ORGANIZER).join()
    newcomer = await SimUser(client, 2001).join()
    await newcomer.say("/delivery")
    await newcomer.expect("did not understand")
    await open_add(organizer)
    for bad in ("abc", "0", "-7", "12 34", "99999999999999999999", "9223372036854775808"):
        await organizer.say(bad)
        await organizer.expect("not a Telegram user id")
    await organizer.say(str(ORGANIZER))
    await organizer.expect("already an organizer")
    await organizer.say("2001")
    question = await organizer.expect("Add 2001 as an organizer?")
    await organizer.press(question, "Confirm")
    menu = await organizer.expect("2001 is now an organizer")
    assert "Remove 2001" in str(menu["reply_markup"])
    await newcomer.say("/delivery")
    await newcomer.expect("Delivery report")
    assert 2001 in await bot.services.organizers.ids()
    # a double tap on Confirm adds nothing twice: the old button is dead
    await organizer.drain()
    await client.press_forged(ORGANIZER, question["message_id"], button_data(question, "Confirm"))
    assert await organizer.toast() == INVALID
    actions = await bot.services.organizers.actions()
    assert [(a["telegram_id"], a["action"], json.loads(a["detail"])) for a in actions] == [
        (ORGANIZER, "organizer.added", {"organizer_id": 2001})
    ]


async def test_admin_ids_cannot_be_removed_but_added_ones_can(
    bot: RunningBot, client: SandboxClient
) -> None:
    organizer = await SimUser(client, ORGANIZER).join()
    menu = await add_organizer(organizer, 2002)
    assert "1000" in menu["text"] and "ADMIN_IDS" in menu["text"]
    assert "Remove 1000" not in str(menu["reply_markup"])  # no button for the fixed one
    remove = button_data(menu, "Remove 2002")
    forged = remove.replace(":rm:2002", f":rm:{ORGANIZER}")
    await organizer.drain()
    await client.press_forged(ORGANIZER, menu["message_id"], forged)
    assert "ADMIN_IDS" in (await organizer.toast() or "")
    assert ORGANIZER in bot.services.settings.admin_ids
    await client.press(ORGANIZER, menu["message_id"], remove)
    question = await organizer.expect("Remove 2002 from the organizers?")
    await organizer.press(question, "Confirm")
    menu = await organizer.expect("2002 is no longer an organizer")
    assert "Remove 2002" not in str(menu["reply_markup"])
    assert await bot.services.organizers.ids() == set()
    former = await SimUser(client, 2002).join()
    await former.say("/delivery")
    await former.expect("did not understand")
    actions = [
        (a["action"], json.loads(a["detail"])["organizer_id"])
        for a in reversed(await bot.services.organizers.actions())
    ]
    assert actions == [("organizer.added", 2002), ("organizer.removed", 2002)]
    # Cancel on a confirmation changes nothing
    menu = await add_organizer(organizer, 2003)
    await organizer.press(menu, "Remove 2003")
    await organizer.press(await organizer.expect("Remove 2003"), "Cancel")
    menu = await organizer.expect("Organizers")
    assert "Remove 2003" in str(menu["reply_markup"])
    await organizer.press(menu, "Close")
    await organizer.expect("Closed")


async def test_non_organizers_get_nothing(bot: RunningBot, client: SandboxClient) -> None:
    organizer = await SimUser(client, ORGANIZER).join()
    stranger = await SimUser(client, 3001).join()
    participant = await SimUser(client, 3002).join()
    await register(participant)
    menu = await add_organizer(organizer, 2004)
    await organizer.say("/webinar")
    picker = await organizer.expect("Which webinar")
    for user in (stranger, participant):
        await user.drain()
        for command in ("/organizers", "/webinar"):
            await user.say(command)
            reply = await user.expect("did not understand")
            assert "2004" not in reply["text"] and "Organizer" not in reply["text"]
        # the organizers' buttons, replayed on the stranger's own message and on the menu's id
        own = reply["message_id"]
        for message_id, data in (
            (own, button_data(menu, "Remove 2004")),
            (own, button_data(menu, "Add")),
            (menu["message_id"], button_data(menu, "Close")),
            (own, button_data(picker, "1.")),
            (picker["message_id"], button_data(picker, "2.")),
            (own, "org:x:menu:rm:2004"),
            (own, "wb:x:pick:x"),
        ):
            await client.press_forged(user.id, message_id, data)
            assert await user.toast() == INVALID
        await user.say("2005")  # typed ids do nothing either
        await user.expect("did not understand")
        await settle(bot)
        assert not [e for e in user.pending if e["kind"] != "callback_answer"], user.pending
    assert await bot.services.organizers.ids() == {2004}
    assert {(await bot.services.conversations.get(u.id)) for u in (stranger, participant)} == {None}
    # the organizer's open conversation (/webinar) was not touched by the replays
    await organizer.press(picker, "1.")
    await organizer.expect("What do you want to change?")
    assert len(await bot.services.organizers.actions()) == 1


async def choose_field(organizer: SimUser, field: str) -> None:
    """/webinar, the first webinar, then the field to change."""
    await organizer.say("/webinar")
    picker = await organizer.expect("Which webinar")
    await organizer.press(picker, "1.")
    await organizer.press(await organizer.expect("What do you want to change?"), field)
    await organizer.expect("Send the new")


async def test_webinar_move_notifies_and_moves_reminders(
    bot: RunningBot, client: SandboxClient
) -> None:
    participant = await SimUser(client, 4001).join()
    await register(participant)
    organizer = await SimUser(client, ORGANIZER).join()
    webinar = bot.services.series.webinars[0]
    await at(bot, webinar.starts_at - timedelta(days=7))
    await participant.expect("Reminder")
    await choose_field(organizer, "Start")
    for bad, answer in (
        ("next friday", "could not read"),
        ("2027-02-30 10:00", "could not read"),
        ("2027-01-10 10:00", "already passed"),
        ("2040-01-01 10:00", "five years"),
        ("2027-01-20 10:00", "already the webinar's start"),
    ):
        await organizer.say(bad)
        reply = await organizer.expect(answer)
        assert "2027-01-22 10:00" in reply["text"]  # the example is repeated
    await organizer.say("2027-01-22 10:00")
    question = await organizer.expect("Move the start")
    assert "Wednesday, 20 January 2027, 10:00 (UTC−4)" in question["text"]
    assert "Friday, 22 January 2027, 10:00 (UTC−4)" in question["text"]
    assert "1 registrant will get a change notice" in question["text"]
    await organizer.press(question, "Confirm")
    done = await organizer.expect("now starts on Friday, 22 January 2027, 10:00")
    assert "Change notice queued for 1 registrant" in done["text"]
    await settle(bot)
    notice = await participant.expect("Change to Building a Crime Gun")
    assert "Friday, 22 January 2027, 10:00" in notice["text"]
    assert bot.services.series.webinar(webinar.id).starts_at == NEW_START
    # reminders follow the new time (the week-ahead one again, for the new date); the one
    # due a day before the old time does not come
    await at(bot, NEW_START - timedelta(days=7))
    week = await participant.expect("Reminder")
    assert "Friday, 22 January 2027" in week["text"]
    await at(bot, webinar.starts_at - timedelta(days=1))
    assert sum("⏰ Reminder" in t for t in await bot_texts(client, 4001)) == 2
    await at(bot, NEW_START - timedelta(days=1))
    day = await participant.expect("Reminder")
    assert "Friday, 22 January 2027" in day["text"]
    assert sum("⏰ Reminder" in t for t in await bot_texts(client, 4001)) == 3
    [row] = await OverrideStore(bot.services.db).all()
    assert (row["webinar_id"], from_iso(row["starts_at"]), row["join_url"], row["changed_by"]) == (
        webinar.id,
        NEW_START,
        None,
        ORGANIZER,
    )
    [action] = await bot.services.organizers.actions()
    assert action["action"] == "webinar.moved" and action["telegram_id"] == ORGANIZER
    assert json.loads(action["detail"])["notified"] == 1
    # the confirmation is spent: pressing it again does nothing
    await organizer.drain()
    await client.press_forged(ORGANIZER, question["message_id"], button_data(question, "Confirm"))
    assert await organizer.toast() == INVALID
    assert await bot.services.outbox.counts("change_notice") == {"sent": 1}


async def test_bad_links_and_cancel(bot: RunningBot, client: SandboxClient) -> None:
    organizer = await SimUser(client, ORGANIZER).join()
    await choose_field(organizer, "Join link")
    for bad, answer in (
        ("javascript:alert(1)", "not a web link"),
        ("https://example.org/" + "a" * 4980, "has 5000 characters"),
        ("<b>https://evil</b>", "not a web link"),
        (bot.services.series.webinars[0].join_url, "already the webinar's"),
    ):
        await organizer.say(bad)
        await organizer.expect(answer)
    await organizer.say("https://example.org/join/new-room?a=1&b=2")
    question = await organizer.expect("Change the join link")
    assert "new-room?a=1&b=2" in question["text"]
    assert "0 registrants will get a change notice" in question["text"]
    await organizer.press(question, "Cancel")
    await organizer.expect("the webinar was not changed")
    assert await OverrideStore(bot.services.db).all() == []
    assert await bot.services.organizers.actions() == []


async def test_overrides_survive_a_restart_and_a_reload(
    sandbox: SandboxServer, client: SandboxClient, tmp_path: Path
) -> None:
    series_file = tmp_path / "series.toml"
    series_file.write_text((ROOT / "series.example.toml").read_text())
    settings = load_settings(
        environ={
            "BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": sandbox.api_base_url,
            "DATABASE_PATH": str(tmp_path / "bot.sqlite3"),
            "ADMIN_IDS": str(ORGANIZER),
            "SERIES_FILE": str(series_file),
        },
        env_file=None,
    )
    first = build_application(settings, example_series(), TOKEN, clock=ManualClock(START))
    await start_polling(first, poll_timeout=1)
    participant = await SimUser(client, 5001).join()
    organizer = await SimUser(client, ORGANIZER).join()
    try:
        await register(participant)
        await choose_field(organizer, "Start")
        await organizer.say("2027-01-22 10:00")
        await organizer.press(await organizer.expect("Move the start"), "Confirm")
        await organizer.expect("now starts on")
        await choose_field(organizer, "Join link")
        await organizer.say("https://example.org/join/new-room")
        await organizer.press(await organizer.expect("Change the join link"), "Confirm")
        await organizer.expect("has a new join link")
        await participant.expect("Change to")
        await participant.expect("Change to")
    finally:
        await stop_polling(first)

    second = build_application(settings, example_series(), TOKEN, clock=ManualClock(START))
    await start_polling(second, poll_timeout=1)
    services: Services = second.bot_data[SERVICES_KEY]
    try:
        webinar_id = example_series().webinars[0].id
        for _ in range(2):  # at start-up, then after a SIGHUP reload of the series file
            webinar = services.series.webinar(webinar_id)
            assert webinar is not None and webinar.starts_at == NEW_START
            assert webinar.join_url == "https://example.org/join/new-room"
            await reload_series(second)
        participant_row = await services.participants.get(participant.id)
        assert participant_row is not None
        rows = await services.outbox.rows_for(participant_row.id)
        notices = [r["purpose"] for r in rows if r["kind"] == "change_notice"]
        assert notices == ["v2", "v3"]  # no new notice at restart
        await participant.say("/schedule")
        schedule = await participant.expect("Building a Crime Gun")
        assert "Friday, 22 January 2027" in schedule["text"]
    finally:
        await stop_polling(second)


async def test_moving_back_restores_the_reminders(bot: RunningBot, client: SandboxClient) -> None:
    participant = await SimUser(client, 6001).join()
    await register(participant)
    organizer = await SimUser(client, ORGANIZER).join()
    webinar = bot.services.series.webinars[0]
    for typed in ("2027-01-22 10:00", "2027-01-20 10:00"):  # a mistake, then put right
        await choose_field(organizer, "Start")
        await organizer.say(typed)
        await organizer.press(await organizer.expect("Move the start"), "Confirm")
        await organizer.expect("now starts on")
    await settle(bot)
    assert bot.services.series.webinar(webinar.id).starts_at == webinar.starts_at
    await at(bot, webinar.starts_at - timedelta(days=7))
    await at(bot, webinar.starts_at - timedelta(days=1))
    texts = [t for t in await bot_texts(client, 6001) if t.startswith("⏰ Reminder")]
    assert len(texts) == 2 and all("Wednesday, 20 January 2027" in t for t in texts)
    assert sum(t.startswith("📣 Change to") for t in await bot_texts(client, 6001)) == 2


async def test_moving_back_requeues_reminders_cancelled_before_sending(
    bot: RunningBot, client: SandboxClient
) -> None:
    participant = await SimUser(client, 6002).join()
    await register(participant)
    services, webinar = bot.services, bot.services.series.webinars[0]
    await services.sender.stop()  # the week-ahead reminder is queued but not yet sent
    bot.clock.set(webinar.starts_at - timedelta(days=7))
    for slot in await services.schedule.due_slots(bot.clock.now()):
        await services.schedule.fill_slot(slot, bot.clock.now(), None)
    series = services.series
    moved = dataclasses.replace(webinar, starts_at=NEW_START)
    await apply_series(
        services, dataclasses.replace(series, webinars=(moved, *series.webinars[1:]))
    )

    async def reminders() -> list[str]:
        """The statuses of the participant's reminders for the webinar, via the storage API."""
        row = await services.participants.get(participant.id)
        assert row is not None
        rows = await services.outbox.rows_for(row.id)
        return [
            r["status"] for r in rows if r["kind"] == "reminder" and r["webinar_id"] == webinar.id
        ]

    assert await reminders() == ["cancelled"]
    await apply_series(services, series)
    assert await reminders() == ["pending"]
    await services.sender.start()
    await settle(bot)
    assert await reminders() == ["sent"]

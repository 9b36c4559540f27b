"""End to end: the organizers' daily digest at a set local time, through the outbox and the sandbox.

The series' organizers are in America/Port_of_Spain (UTC−4, no summer time): 18:00 there is
22:00 UTC. The tests' clock starts on Tuesday 5 January 2027 at 14:00 UTC.
"""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, time
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from bot.app import build_application, start_polling, stop_polling
from bot.clock import from_iso
from storage.daily_digest import DAILY_DIGEST_KIND
from tests.support.delivery import at, bot_texts, seed_registrants, settle
from tests.support.settings import TOKEN, example_series, settings_for
from tests.support.users import SPANISH_BELIZE, SimUser, register

if TYPE_CHECKING:
    from pathlib import Path

    from telegram.ext import Application

    from bot.domain.series import Series
    from bot.services import Services
    from sandbox import SandboxClient, SandboxServer
    from tests.support.bots import RunningBot

ORGANIZER = 1000  # ADMIN_IDS in the tests' settings
ADDED = 2001  # an organizer added in the chat
HEADING = "Daily digest"
SIX_PM = datetime(2027, 1, 5, 22, 0, tzinfo=UTC)  # Tuesday 5 January, 18:00 in Port of Spain
NEXT_SIX_PM = datetime(2027, 1, 6, 22, 0, tzinfo=UTC)


def daily(series: Series, **changes: Any) -> Series:
    """The series with the daily digest on (and any other change)."""
    return dataclasses.replace(series, organizer_digest="daily", **changes)


async def digests(client: SandboxClient, chat: int) -> list[str]:
    """The daily digests the bot has sent to one chat."""
    return [text for text in await bot_texts(client, chat) if HEADING in text]


async def daily_rows(services: Services) -> list[tuple[int, str, str, str | None]]:
    """(chat, due_at, status, reason) of every daily digest row, via the storage API."""
    found = await services.db.fetchall(
        "SELECT chat_id, due_at, status, last_error FROM outbox WHERE kind = ?"
        " ORDER BY due_at, chat_id",
        (DAILY_DIGEST_KIND,),
    )
    return [
        (r["chat_id"], from_iso(r["due_at"]).strftime("%m-%d %H:%M"), r["status"], r["last_error"])
        for r in found
    ]


async def turn_on(bot: RunningBot, **changes: Any) -> None:
    """Switch the running bot's series to the daily digest and let it queue the first one."""
    bot.services.series = daily(bot.services.series, **changes)
    await settle(bot)


async def restart(
    bot: RunningBot, sandbox: SandboxServer, tmp_path: Path, down_until: datetime | None = None
) -> Application:
    """Stop the bot, keep it down until `down_until` (by its clock), start it again."""
    await stop_polling(bot.application)
    if down_until is not None:
        bot.clock.set(down_until)
    again = build_application(
        settings_for(tmp_path, sandbox.api_base_url),
        daily(example_series()),
        TOKEN,
        clock=bot.clock,
    )
    await start_polling(again, poll_timeout=1)
    bot.application = again
    await settle(bot)
    return again


async def test_the_days_registrations_reach_every_organizer_once_at_six_pm_local(
    bot: RunningBot, client: SandboxClient
) -> None:
    services = bot.services
    for chat in (ORGANIZER, ADDED):
        await SimUser(client, chat).join()
    await services.organizers.add(ADDED, "Added", ORGANIZER, bot.clock.now())
    await turn_on(bot)
    assert await daily_rows(services) == [
        (ORGANIZER, "01-05 22:00", "pending", None),
        (ADDED, "01-05 22:00", "pending", None),
    ]
    await register(await SimUser(client, 5101).join())
    await register(await SimUser(client, 5102).join(), **SPANISH_BELIZE)
    await at(bot, SIX_PM)
    title = services.series.title
    expected = (
        f"📋 Daily digest, 5 Jan 2027: {title}\n\n"
        "2 new registrations since Monday, 4 January 2027, 18:00 (UTC−4):\n"
        "• Guyana · Police · Woman · webinars: 3\n"
        "• Belize · Customs · Woman · webinars: 3\n\n"
        "Registered so far: 2 people (as /stats counts them).\n"
        "By state\n • Belize: 1\n • Guyana: 1\n"
        "By sex\n • Woman: 2"
    )
    for chat in (ORGANIZER, ADDED):
        assert await digests(client, chat) == [expected]
    assert "Ana Smith" not in expected
    assert await daily_rows(services) == [
        (ORGANIZER, "01-05 22:00", "sent", None),
        (ADDED, "01-05 22:00", "sent", None),
        (ORGANIZER, "01-06 22:00", "pending", None),
        (ADDED, "01-06 22:00", "pending", None),
    ]

    # The next day has no registration: a short message with the totals still comes.
    await at(bot, NEXT_SIX_PM)
    later = await digests(client, ORGANIZER)
    assert len(later) == 2
    assert later[1].startswith(f"📋 Daily digest, 6 Jan 2027: {title}\n\n")
    assert "No new registration since Tuesday, 5 January 2027, 18:00 (UTC−4)." in later[1]
    assert "Registered so far: 2 people" in later[1]


async def test_the_stats_and_the_digest_give_the_same_totals(
    bot: RunningBot, client: SandboxClient
) -> None:
    organizer = await SimUser(client, ORGANIZER).join()
    await turn_on(bot)
    await register(await SimUser(client, 5111).join())
    await register(await SimUser(client, 5112).join(), **SPANISH_BELIZE)
    await register(await SimUser(client, 5113).join(), country="Belize", sex="Prefer not")
    await at(bot, SIX_PM)
    [digest] = await digests(client, ORGANIZER)
    assert (
        "By state\n • Belize: 2\n • Guyana: 1\nBy sex\n • Woman: 2\n • Prefer not to say: 1"
        in digest
    )
    await organizer.say("/stats")
    stats = await organizer.expect("By sex", timeout=30)
    assert "Belize: 2" in stats["text"]
    assert "Guyana: 1" in stats["text"]
    assert "Woman: 2" in stats["text"]
    assert "Prefer not to say: 1" in stats["text"]


async def test_names_only_when_the_series_asks_and_in_the_organizers_language(
    bot: RunningBot, client: SandboxClient
) -> None:
    organizer = await SimUser(client, ORGANIZER).join()
    await register(organizer, **SPANISH_BELIZE)  # the organizer is also a participant, in Spanish
    await turn_on(bot, organizer_digest_names=True)
    await register(await SimUser(client, 5121).join(), name="Ana <b>Smith</b>")
    await at(bot, SIX_PM)
    [digest] = [t for t in await bot_texts(client, ORGANIZER) if "Resumen diario" in t]
    assert digest.startswith("📋 Resumen diario, 5 ene 2027")
    # The organizer's own registration is one of the day's (in the chosen language, Spanish).
    assert "2 nuevas inscripciones desde el lunes, 4 de enero de 2027" in digest
    assert "• María Bel · Belice · Aduanas · Mujer · seminarios web: 3" in digest
    assert "• Ana <b>Smith</b> · Guyana · Policía · Mujer · seminarios web: 3" in digest
    assert "Inscritos hasta ahora: 2 personas" in digest


async def test_a_restart_before_or_after_six_pm_neither_skips_nor_repeats_the_day(
    bot: RunningBot, client: SandboxClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await SimUser(client, ORGANIZER).join()
    await turn_on(bot)
    await register(await SimUser(client, 5131).join())
    again = await restart(bot, sandbox, tmp_path, datetime(2027, 1, 5, 20, 0, tzinfo=UTC))
    try:
        assert await daily_rows(bot.services) == [(ORGANIZER, "01-05 22:00", "pending", None)]
        await at(bot, SIX_PM)
        assert len(await digests(client, ORGANIZER)) == 1
        again = await restart(bot, sandbox, tmp_path, datetime(2027, 1, 5, 23, 0, tzinfo=UTC))
        assert len(await digests(client, ORGANIZER)) == 1
        assert await daily_rows(bot.services) == [
            (ORGANIZER, "01-05 22:00", "sent", None),
            (ORGANIZER, "01-06 22:00", "pending", None),
        ]
    finally:
        await stop_polling(again)


async def test_a_bot_down_at_six_pm_sends_that_digest_once_when_it_is_back(
    bot: RunningBot, client: SandboxClient, sandbox: SandboxServer, tmp_path: Path
) -> None:
    await SimUser(client, ORGANIZER).join()
    await turn_on(bot)
    await register(await SimUser(client, 5141).join())
    # Down from 17:00 on Tuesday until 19:00 on Thursday: two 18:00s missed.
    again = await restart(bot, sandbox, tmp_path, datetime(2027, 1, 7, 23, 0, tzinfo=UTC))
    try:
        [late] = await digests(client, ORGANIZER)
        assert "1 new registration since Monday, 4 January 2027, 18:00" in late
        assert await daily_rows(bot.services) == [
            (ORGANIZER, "01-05 22:00", "sent", None),
            (ORGANIZER, "01-08 22:00", "pending", None),
        ]
        # The days missed are covered by the next digest, from the one sent late.
        await register(await SimUser(client, 5142).join(), **SPANISH_BELIZE)
        await at(bot, datetime(2027, 1, 8, 22, 0, tzinfo=UTC))
        assert len(await digests(client, ORGANIZER)) == 2
        friday = (await digests(client, ORGANIZER))[1]
        assert "1 new registration since Tuesday, 5 January 2027, 18:00" in friday
        assert "• Belize · Customs · Woman" in friday
    finally:
        await stop_polling(again)


async def test_the_local_time_follows_the_organizers_zone_across_summer_time(
    bot: RunningBot, client: SandboxClient
) -> None:
    await SimUser(client, ORGANIZER).join()
    bot.clock.set(datetime(2027, 3, 13, 12, 0, tzinfo=UTC))  # Saturday; summer time starts Sunday
    await turn_on(bot, timezone=ZoneInfo("America/New_York"), organizer_digest_time=time(18, 0))
    assert await daily_rows(bot.services) == [(ORGANIZER, "03-13 23:00", "pending", None)]
    await at(bot, datetime(2027, 3, 13, 23, 0, tzinfo=UTC))  # 18:00 EST
    assert await daily_rows(bot.services) == [
        (ORGANIZER, "03-13 23:00", "sent", None),
        (ORGANIZER, "03-14 22:00", "pending", None),  # 18:00 EDT
    ]
    await at(bot, datetime(2027, 3, 14, 22, 0, tzinfo=UTC))
    sunday = (await digests(client, ORGANIZER))[1]
    assert "No new registration since Saturday, 13 March 2027, 18:00 (UTC−5)." in sunday


async def test_a_changed_time_moves_the_queued_digest(
    bot: RunningBot, client: SandboxClient
) -> None:
    await SimUser(client, ORGANIZER).join()
    await turn_on(bot)
    await turn_on(bot, organizer_digest_time=time(20, 30))
    assert await daily_rows(bot.services) == [
        (ORGANIZER, "01-05 22:00", "cancelled", "the digest's time was changed"),
        (ORGANIZER, "01-06 00:30", "pending", None),
    ]
    await at(bot, datetime(2027, 1, 6, 0, 30, tzinfo=UTC))
    [digest] = await digests(client, ORGANIZER)
    assert "No new registration since Monday, 4 January 2027, 20:30 (UTC−4)." in digest


async def test_organizers_added_or_removed_before_six_pm_are_honoured(
    bot: RunningBot, client: SandboxClient
) -> None:
    services = bot.services
    for chat in (ORGANIZER, ADDED, ADDED + 1):
        await SimUser(client, chat).join()
    await services.organizers.add(ADDED + 1, "Leaving", ORGANIZER, bot.clock.now())
    await turn_on(bot)
    await services.organizers.add(ADDED, "Added", ORGANIZER, bot.clock.now())
    await services.organizers.remove(ADDED + 1)
    await at(bot, SIX_PM)
    assert len(await digests(client, ORGANIZER)) == 1
    assert len(await digests(client, ADDED)) == 1
    assert await digests(client, ADDED + 1) == []
    assert (ADDED + 1, "01-05 22:00", "cancelled", "no longer an organizer") in await daily_rows(
        services
    )


async def test_turning_daily_off_or_to_each_drops_the_queued_digest(
    bot: RunningBot, client: SandboxClient
) -> None:
    services = bot.services
    organizer = await SimUser(client, ORGANIZER).join()
    await turn_on(bot)
    services.series = dataclasses.replace(services.series, organizer_digest="each")
    await settle(bot)
    assert await daily_rows(services) == [
        (ORGANIZER, "01-05 22:00", "cancelled", "the daily digest was turned off")
    ]
    await register(await SimUser(client, 5151).join())
    await at(bot, SIX_PM)
    assert await digests(client, ORGANIZER) == []
    each = [t for t in await bot_texts(client, ORGANIZER) if "New registration" in t]
    assert len(each) == 1
    await organizer.drain()
    await organizer.say("/delivery")
    report = await organizer.expect("daily digest to organizers")
    assert "not sent (no longer needed) 1" in report["text"]


async def test_off_and_each_queue_no_daily_digest(bot: RunningBot, client: SandboxClient) -> None:
    services = bot.services
    await SimUser(client, ORGANIZER).join()
    for mode in ("off", "each"):
        services.series = dataclasses.replace(services.series, organizer_digest=mode)
        await at(bot, SIX_PM)
        assert await daily_rows(services) == []
    assert await digests(client, ORGANIZER) == []


async def test_a_digest_in_flight_at_a_crash_is_sent_once_after_the_restart(
    bot: RunningBot, client: SandboxClient
) -> None:
    services = bot.services
    await SimUser(client, ORGANIZER).join()
    await turn_on(bot)
    await services.sender.stop()
    bot.clock.set(SIX_PM)
    claimed = await services.outbox.claim_due(bot.clock.now(), 10, lambda _chat: False)
    assert [(d.kind, d.telegram_id) for d in claimed] == [(DAILY_DIGEST_KIND, ORGANIZER)]
    assert await daily_rows(services) == [(ORGANIZER, "01-05 22:00", "sending", None)]
    await services.sender.start()  # as after a crash: the row left 'sending' goes again
    await settle(bot)
    assert len(await digests(client, ORGANIZER)) == 1
    assert await daily_rows(services) == [
        (ORGANIZER, "01-05 22:00", "sent", None),
        (ORGANIZER, "01-06 22:00", "pending", None),
    ]


async def test_a_busy_day_lists_forty_registrations_and_counts_the_rest(
    bot: RunningBot, client: SandboxClient
) -> None:
    await SimUser(client, ORGANIZER).join()
    await turn_on(bot)
    await seed_registrants(bot, client, 45)
    await at(bot, SIX_PM)
    [digest] = await digests(client, ORGANIZER)
    assert "45 new registrations since" in digest
    assert digest.count("\n• Guyana · Police · ") == 40
    assert "… and 5 more: /export lists everyone." in digest
    assert "Registered so far: 45 people" in digest


async def test_an_organizer_who_blocked_the_bot_misses_the_day_and_gets_the_next(
    bot: RunningBot, client: SandboxClient
) -> None:
    services = bot.services
    await SimUser(client, ORGANIZER).join()
    await turn_on(bot)
    await client.block(ORGANIZER)
    await at(bot, SIX_PM)
    assert await daily_rows(services) == [
        (ORGANIZER, "01-05 22:00", "unreachable", "Forbidden: bot was blocked by the user"),
        (ORGANIZER, "01-06 22:00", "pending", None),
    ]
    await client.unblock(ORGANIZER)
    await at(bot, NEXT_SIX_PM)
    [digest] = await digests(client, ORGANIZER)
    assert "No new registration since Tuesday, 5 January 2027, 18:00 (UTC−4)." in digest

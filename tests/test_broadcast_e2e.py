"""End to end: /broadcast through the sandbox, from the dialogue to the final report."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from bot.app import build_application, start_polling, stop_polling
from sandbox import SandboxClient, SandboxServer
from storage.broadcasts import BroadcastStore
from tests.support.bots import RunningBot
from tests.support.broadcasting import (
    ORGANIZER,
    TEXT,
    compose,
    confirm,
    got,
    read_preview,
    seed,
    send_now,
    slow_down,
    wait_sent,
    wait_text,
)
from tests.support.delivery import drain_outbox
from tests.support.settings import TOKEN, example_series, settings_for
from tests.support.users import SimUser, button_data
from tests.support.waiting import eventually


def most_edits_per_second(stamps: list[float]) -> int:
    """The largest number of edits within any one-second window."""
    stamps, most, start = sorted(stamps), 0, 0
    for end, moment in enumerate(stamps):
        while moment - stamps[start] >= 1.0:
            start += 1
        most = max(most, end - start + 1)
    return most


async def test_filtered_bilingual_broadcast_with_faults_and_a_blocked_participant(
    bot: RunningBot, client: SandboxClient
) -> None:
    people = (
        [("BZ", "en", "police")] * 20
        + [("BZ", "es", "customs")] * 10
        + [("GY", "en", "police")] * 5
    )
    ids = await seed(bot, client, people)
    belize_en, belize_es, guyana = ids[:20], ids[20:30], ids[30:]
    await client.block(belize_en[0])
    organizer = await SimUser(client, ORGANIZER).join()
    question = await compose(organizer, spanish="Hola <equipo> & amigos")
    summary, (english, spanish) = await send_now(organizer, question, spanish=True)
    assert "Recipients: 30" in summary["text"] and "By state: Belize" in summary["text"]
    assert english["html"] == (
        "<b>Hello</b> &lt;team&gt; &amp; <i>friends</i>, see the "
        '<a href="https://example.org/a?x=1&amp;y=2">agenda</a>.'
    )
    assert spanish["text"] == "Hola <equipo> & amigos"
    assert spanish["html"] == "Hola &lt;equipo&gt; &amp; amigos"
    assert await bot.services.outbox.counts(kind="broadcast") == {}  # nothing before Confirm
    await client.inject_faults(method="sendMessage", status=502, probability=0.1)
    await client.inject_faults(method="sendMessage", status=502, count=1)  # one at least
    progress = await confirm(organizer, summary)
    counts = await drain_outbox(bot)
    assert counts == {"sent": 29, "unreachable": 1}
    report = await wait_text(client, ORGANIZER, progress["message_id"], "Broadcast finished")
    assert "sent: 29" in report["text"] and "unreachable" in report["text"]
    assert report["reply_markup"] is None  # no Cancel button on the report
    assert (await client.stats())["injected_5xx"] > 0
    for user_id in belize_en[1:]:
        [message] = await got(client, user_id)
        assert message["html"] == english["html"] and message["entities"] == english["entities"]
        assert {
            "type": "text_link",
            "offset": TEXT.index("agenda"),
            "length": 6,
            "url": "https://example.org/a?x=1&y=2",
        } in message["entities"]
    for user_id in belize_es:
        [message] = await got(client, user_id)
        assert message["text"] == "Hola <equipo> & amigos"
    for user_id in [belize_en[0], *guyana]:
        assert await got(client, user_id) == []

    async def recorded() -> list[str] | None:
        actions = [row["action"] for row in reversed(await bot.services.organizers.actions())]
        return actions if len(actions) == 2 else None

    # the report is shown, then the broadcast is marked finished
    actions = await eventually(recorded, 10, "the sending and the finish recorded")
    assert actions == ["broadcast.sent", "broadcast.finished"]


async def test_cancel_half_way_and_progress_edits_at_most_once_a_second(
    bot: RunningBot, client: SandboxClient
) -> None:
    ids = await seed(bot, client, [("GY", "en", "police")] * 120)
    # refusals before the broadcast (at start-up, the organizer's menu: "chat not found")
    organizer = await SimUser(client, ORGANIZER).join()
    question = await compose(organizer, audience=("Everyone", ""))
    summary, _ = await send_now(organizer, question)
    assert "Recipients: 120" in summary["text"]
    await slow_down(bot, client)
    progress = await confirm(organizer, summary)
    assert "Sending the broadcast" in progress["text"]
    await wait_sent(bot, 40)
    live = await wait_text(client, ORGANIZER, progress["message_id"], "Time left")
    await organizer.press(live, "Cancel the rest")
    report = await wait_text(client, ORGANIZER, progress["message_id"], "Broadcast cancelled")
    counts = await bot.services.outbox.counts(kind="broadcast")
    assert set(counts) == {"sent", "cancelled"} and sum(counts.values()) == 120
    assert 40 <= counts["sent"] < 90
    assert f"sent: {counts['sent']}" in report["text"]
    assert f"not sent (cancelled): {counts['cancelled']}" in report["text"]
    received = [len(await got(client, user_id)) for user_id in ids]
    assert max(received) == 1 and sum(received) == counts["sent"]
    stats = await client.stats()
    assert stats["edits"] >= 3  # edited live, then into the report
    assert most_edits_per_second(stats["edit_timestamps"]) == 1
    assert not [e for e in stats["error_texts"] if "not modified" in e]
    # nothing more goes out after the report: the cancelled rows stay cancelled
    assert await bot.services.outbox.next_due() is None
    last = SimUser(client, ids[-1])
    await last.drain()
    await last.expect_nothing_more()
    assert sum([len(await got(client, user_id)) for user_id in ids]) == counts["sent"] + 1


async def test_photo_broadcast_keeps_the_file_and_the_caption(
    bot: RunningBot, client: SandboxClient
) -> None:
    ids = await seed(
        bot, client, [("TT", "en", "police"), ("TT", "es", "customs"), ("LC", "en", "police")]
    )
    organizer = await SimUser(client, ORGANIZER).join()
    caption = "Hello <all> & friends: the agenda"
    question = await compose(
        organizer, photo=True, caption=caption, audience=("By institution", "Police")
    )
    summary, [preview] = await send_now(organizer, question)
    assert "Recipients: 2" in summary["text"]
    file_id = preview["photo"][0]["file_id"]
    await confirm(organizer, summary)
    await drain_outbox(bot)
    for user_id in (ids[0], ids[2]):
        [message] = await got(client, user_id)
        assert message["photo"][0]["file_id"] == file_id
        assert message["caption"] == caption
        assert message["html"].startswith("<b>Hello</b> &lt;all&gt; &amp; <i>friends</i>")
    assert await got(client, ids[1]) == []


async def test_a_broadcast_time_the_clocks_skip_is_refused(
    bot: RunningBot, client: SandboxClient
) -> None:
    await seed(bot, client, [("AG", "en", "police")])
    new_york = ZoneInfo("America/New_York")  # 2027-03-14 02:30 does not exist there
    bot.services.series = dataclasses.replace(bot.services.series, timezone=new_york)
    organizer = await SimUser(client, ORGANIZER).join()
    question = await compose(organizer, audience=("Everyone", ""))
    await organizer.press(question, "At a set time")
    await organizer.expect("America/New_York")
    await organizer.say("14/03/2027 09:00")
    await organizer.expect("could not read")
    await organizer.say("2027-03-14 02:30")
    await organizer.expect("clocks jump over that time")
    await organizer.say("2099-03-14 09:00")
    await organizer.expect("more than five years ahead")
    await organizer.say("2027-03-14 03:30")  # 07:30 UTC, after the jump
    summary, _ = await read_preview(organizer, False)
    assert "Sunday, 14 March 2027, 03:30 (UTC−4)" in summary["text"]


async def test_scheduled_broadcast_waits_for_its_time(
    bot: RunningBot, client: SandboxClient
) -> None:
    ids = await seed(bot, client, [("AG", "en", "police")] * 3)
    organizer = await SimUser(client, ORGANIZER).join()
    question = await compose(organizer, audience=("Everyone", ""))
    await organizer.press(question, "At a set time")
    await organizer.expect("America/Port_of_Spain")
    await organizer.say("tomorrow morning")
    await organizer.expect("could not read")
    await organizer.say("2027-01-05 09:00")  # 13:00 UTC: an hour ago
    await organizer.expect("already passed")
    await organizer.say("2027-01-05 12:30")  # 16:30 UTC, the clock is at 14:00 UTC
    summary, _ = await read_preview(organizer, False)
    assert "Tuesday, 5 January 2027, 12:30 (UTC−4)" in summary["text"]
    progress = await confirm(organizer, summary)
    assert "scheduled" in progress["text"]
    assert (await bot.services.outbox.counts(kind="broadcast")) == {"pending": 3}
    assert await bot.services.outbox.next_due() == datetime(2027, 1, 5, 16, 30, tzinfo=UTC)
    first = SimUser(client, ids[0])
    await first.expect_nothing_more()
    assert [await got(client, i) for i in ids[1:]] == [[], []]
    bot.clock.set(bot.clock.now() + timedelta(hours=2, minutes=30))
    bot.services.sender.wake()
    await drain_outbox(bot, step=timedelta(0))
    assert [len(await got(client, i)) for i in ids] == [2, 1, 1]  # /help, then the broadcast
    await wait_text(client, ORGANIZER, progress["message_id"], "Broadcast finished")


async def test_non_organizers_get_nothing(bot: RunningBot, client: SandboxClient) -> None:
    await seed(bot, client, [("BZ", "en", "police")] * 2)
    stranger = await SimUser(client, 1001).join()
    await stranger.say("/broadcast")
    refusal = await stranger.expect("did not understand")
    assert "broadcast" not in refusal["text"].lower()
    organizer = await SimUser(client, ORGANIZER).join()
    question = await compose(organizer)
    summary, _ = await send_now(organizer, question)
    confirm_data = button_data(summary, "Confirm")
    broadcast_id = int(confirm_data.split(":")[1])
    for data in (confirm_data, f"bc:{broadcast_id}:stop", f"bc:{broadcast_id}:confirm:cancel"):
        await client.press_forged(stranger.id, summary["message_id"], data)
        assert await stranger.toast() == "That button is not valid."
    assert await bot.services.outbox.counts(kind="broadcast") == {}
    draft = await BroadcastStore(bot.services.db).get(broadcast_id)
    assert draft is not None and draft.status == "draft"
    assert await got(client, stranger.id) == [
        m for m in await got(client, stranger.id) if "did not understand" in (m["text"] or "")
    ]
    progress = await confirm(organizer, summary)  # the organizer's buttons still work
    await drain_outbox(bot)
    await wait_text(client, ORGANIZER, progress["message_id"], "sent: 2")
    await organizer.drain()
    await organizer.press(summary, "Confirm and send")  # a second tap queues nothing more
    assert await organizer.toast() == "This button is no longer active."
    assert await bot.services.outbox.counts(kind="broadcast") == {"sent": 2}


async def test_restart_mid_broadcast_resumes_without_duplicates(
    bot: RunningBot, client: SandboxClient, sandbox: SandboxServer, tmp_path: Any
) -> None:
    ids = await seed(bot, client, [("VC", "en", "police")] * 60)
    organizer = await SimUser(client, ORGANIZER).join()
    question = await compose(organizer, audience=("Everyone", ""))
    summary, _ = await send_now(organizer, question)
    await slow_down(bot, client)
    progress = await confirm(organizer, summary)
    await wait_sent(bot, 15)
    await stop_polling(bot.application)
    again = build_application(
        settings_for(tmp_path, sandbox.api_base_url), example_series(), TOKEN, clock=bot.clock
    )
    await start_polling(again, poll_timeout=1)
    try:
        report = await wait_text(
            client, ORGANIZER, progress["message_id"], "Broadcast finished", timeout=60
        )
        assert "sent: 60" in report["text"]
        received = [len(await got(client, user_id)) for user_id in ids]
        assert received == [1] * 60
        stats = await client.stats()
        assert most_edits_per_second(stats["edit_timestamps"]) == 1
    finally:
        await stop_polling(again)

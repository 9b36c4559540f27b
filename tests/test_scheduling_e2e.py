"""End to end: the sender sleeps until the JobQueue job armed for the next due moment rings."""

from __future__ import annotations

from datetime import timedelta

from bot.delivery.due_times import JOB_NAME, LONGEST_SLEEP
from sandbox import SandboxClient
from tests.support.bots import RunningBot
from tests.support.delivery import seed_registrants
from tests.support.waiting import eventually


async def test_idle_sender_arms_one_job_for_the_next_slot(
    bot: RunningBot, client: SandboxClient
) -> None:
    await seed_registrants(bot, client, 3)
    sender = bot.services.sender
    sender.wake()
    await sender.wait_idle()
    due = await bot.services.schedule.next_slot_due()
    assert due is not None
    expected = min((due - bot.clock.now()).total_seconds(), LONGEST_SLEEP)
    assert sender.alarm.rings_in is not None
    assert abs(sender.alarm.rings_in - expected) < 0.1
    jobs = bot.application.job_queue.get_jobs_by_name(JOB_NAME)
    assert len(jobs) == 1


async def test_the_job_rings_at_the_due_moment_without_a_wake(
    bot: RunningBot, client: SandboxClient
) -> None:
    ids = await seed_registrants(bot, client, 3)
    sender = bot.services.sender
    due = await bot.services.schedule.next_slot_due()
    assert due is not None
    bot.clock.set(due - timedelta(seconds=0.5))
    sender.wake()
    await sender.wait_idle()
    assert sender.alarm.rings_in is not None and 0.4 < sender.alarm.rings_in < 0.6
    bot.clock.advance(timedelta(seconds=0.5))  # the clock reaches the due moment; no wake()

    async def everyone_reminded() -> bool:
        transcripts = [await client.transcript(user_id) for user_id in ids]
        return all(any(m["from_bot"] for m in t) for t in transcripts)

    await eventually(everyone_reminded, 5, "the reminder went out")
    await sender.wait_idle()
    assert await bot.services.outbox.counts(kind="reminder") == {"sent": 3}


async def test_a_new_row_wakes_an_idle_sender_and_a_retry_rearms_it(
    bot: RunningBot, client: SandboxClient
) -> None:
    ids = await seed_registrants(bot, client, 1)
    sender = bot.services.sender
    await sender.wait_idle()
    await client.inject_faults(method="sendMessage", status=502, count=1)
    webinar = bot.services.series.webinars[0]
    bot.clock.set(webinar.starts_at - timedelta(days=1))
    sender.wake()
    await sender.wait_idle()
    [row] = [r for r in await bot.services.outbox.rows_for(1) if r["status"] != "skipped"]
    assert row["status"] == "pending" and row["attempts"] == 1  # the 502: a retry is armed
    assert sender.alarm.rings_in is not None and sender.alarm.rings_in <= 3.0
    bot.clock.advance(timedelta(seconds=5))
    sender.wake()
    await sender.wait_idle()
    assert (await bot.services.outbox.counts(kind="reminder")).get("sent") == 1
    assert len([m for m in await client.transcript(ids[0]) if m["from_bot"]]) == 1

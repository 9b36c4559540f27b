"""End to end: the database refuses writes (a full disk) during a broadcast and a survey fan-out.

The failure is injected at the storage layer: every write transaction and write statement of
the bot's Database raises SQLite's own "database or disk is full" while the disk is "full";
reads still work, as they do on a real full disk. The sender must pause (send nothing new),
/healthz must say 503, and once space returns every message goes out exactly once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

from bot.domain import survey
from bot.runtime.health import health_report
from sandbox import SandboxClient
from storage.database import Database
from tests.support.bots import RunningBot
from tests.support.broadcasting import (
    ORGANIZER,
    compose,
    confirm,
    got,
    seed,
    send_now,
    slow_down,
    wait_sent,
    wait_text,
)
from tests.support.users import SimUser
from tests.support.waiting import eventually

FULL = "database or disk is full"


class FullDisk:
    """Makes a Database refuse every write while `full` is set (reads keep working)."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.full = False
        self.refused = 0
        self._transaction = db.transaction
        self._execute = db.execute
        db.transaction = self._guarded_transaction  # type: ignore[method-assign]
        db.execute = self._guarded_execute  # type: ignore[method-assign]

    def _refuse(self) -> None:
        """Raise SQLite's full-disk error when full."""
        if self.full:
            self.refused += 1
            raise sqlite3.OperationalError(FULL)

    @asynccontextmanager
    async def _guarded_transaction(self) -> AsyncIterator[Any]:
        """The real transaction, refused at BEGIN while full."""
        self._refuse()
        async with self._transaction() as conn:
            yield conn

    async def _guarded_execute(self, sql: str, params: Any = ()) -> int:
        """The real single write, refused while full."""
        self._refuse()
        return await self._execute(sql, params)


async def sent_messages(client: SandboxClient) -> int:
    """Messages the sandbox has accepted from the bot so far."""
    return int((await client.stats())["messages_sent"])


async def hold_while_full(bot: RunningBot, client: SandboxClient, disk: FullDisk) -> None:
    """Fill the disk, check the sender pauses and /healthz says 503, then free the disk."""
    sender = bot.services.sender
    disk.full = True

    async def paused() -> bool:
        return bool(sender.paused)

    await eventually(paused, 20, "the sender paused")
    at_pause = await sent_messages(client)
    refused = disk.refused

    async def retried_twice() -> bool:
        return disk.refused >= refused + 2

    # While paused it keeps trying to write (with backoff) and sends nothing new.
    await eventually(retried_twice, 20, "the sender tried to write again")
    assert await sent_messages(client) <= at_pause + sender.concurrency
    report = await health_report(bot.application, "polling", True)
    assert report["healthy"] is False
    assert report["database"]["writable"] is False and report["outbox_sender_paused"] is True
    disk.full = False

    async def resumed() -> bool:
        return not sender.paused

    await eventually(resumed, 40, "the sender resumed")


async def test_full_disk_during_a_broadcast_pauses_and_finishes_once_space_returns(
    bot: RunningBot, client: SandboxClient
) -> None:
    ids = await seed(bot, client, [("GY", "en", "police")] * 40)
    organizer = await SimUser(client, ORGANIZER).join()
    question = await compose(organizer, audience=("Everyone", ""))
    summary, _ = await send_now(organizer, question)
    await slow_down(bot, client)
    progress = await confirm(organizer, summary)
    await wait_sent(bot, 8)
    disk = FullDisk(bot.services.db)
    await hold_while_full(bot, client, disk)
    report = await wait_text(
        client, ORGANIZER, progress["message_id"], "Broadcast finished", timeout=60
    )
    assert "sent: 40" in report["text"]
    assert [len(await got(client, user_id)) for user_id in ids] == [1] * 40
    assert await bot.services.outbox.counts(kind="broadcast") == {"sent": 40}
    healthy = await health_report(bot.application, "polling", True)
    assert healthy["database"]["writable"] is True and healthy["outbox_sender_paused"] is False


async def test_full_disk_during_survey_invitations_sends_each_once(
    bot: RunningBot, client: SandboxClient
) -> None:
    ids = await seed(bot, client, [("BZ", "en", "police")] * 30)
    await slow_down(bot, client)
    series = bot.services.series
    webinar = series.webinars[0]
    bot.clock.set(survey.invitation_due(series, webinar) + timedelta(seconds=1))
    bot.services.sender.wake()

    async def some_sent() -> bool:
        return (await bot.services.outbox.counts(kind="survey")).get("sent", 0) >= 6

    await eventually(some_sent, 20, "some survey invitations went out")
    disk = FullDisk(bot.services.db)
    await hold_while_full(bot, client, disk)
    await bot.services.sender.wait_idle(timeout=60)
    assert await bot.services.outbox.counts(kind="survey") == {"sent": 30}
    assert [len(await got(client, user_id)) for user_id in ids] == [1] * 30
    responses = await bot.services.db.fetchall(
        "SELECT message_id FROM responses WHERE webinar_id = ?", (webinar.id,)
    )
    assert len(responses) == 30 and all(r["message_id"] for r in responses)

"""The one sender: drains the outbox concurrently within Telegram's limits and records outcomes.

It sleeps until something falls due: `DueAlarm` keeps one JobQueue job armed for the next
reminder slot, outbox row, retry or survey step, and `wake()` (called when something new is
queued) looks at once. Idle, it makes no database query.

Crash safety: a row is marked 'sending' before its request goes out, and its outcome is kept in
memory until it is written. After a crash, rows still 'sending' are queued again at start-up,
so only the messages in flight (at most `concurrency`) can be sent twice. When the database
cannot be written the sender keeps its outcomes, claims nothing more and tries again with
backoff until the write succeeds.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
from typing import TYPE_CHECKING, Any

from telegram.error import Forbidden, NetworkError, RetryAfter

from bot.clock import to_iso
from bot.delivery import daily_digest
from bot.delivery.approval import send_decision
from bot.delivery.broadcast_sending import BroadcastRuntime
from bot.delivery.calendar_sending import send_registration_calendar
from bot.delivery.certificates import CertificateRuntime
from bot.delivery.chat_pacing import ChatPacing
from bot.delivery.due_times import DueAlarm, fill_due_slots, next_due, queue_surveys
from bot.delivery.materials import MaterialsRuntime
from bot.delivery.refusals import fault_backoff, refusal
from bot.delivery.row_content import Content, RowContent
from bot.runtime.rate_limiter import sending_in_bulk
from storage.approvals import DECISION_KIND
from storage.outbox import CALENDAR_KIND, REPLY_KIND

if TYPE_CHECKING:
    from telegram.ext import ExtBot, JobQueue

    from bot.delivery.relevance import Outcome
    from bot.services import Services
    from storage.outbox import Delivery

log = logging.getLogger(__name__)

HELD_BACK_RETRY = 0.25  # seconds before another look when due rows wait for a busy chat
# REPLY_KIND rows finish the bot's reply to a participant's own action (the calendar file
# after Confirm): claimed first, sent with the replies' priority, and, like the handler's
# replies, they do not hold back the chat's next bulk message.


class OutboxSender:
    """Fills due reminder slots, claims due rows and sends them, a bounded number at a time."""

    def __init__(
        self,
        services: Services,
        bot: ExtBot[Any],
        concurrency: int = 64,
        job_queue: JobQueue[Any] | None = None,
    ) -> None:
        self.services = services
        self.bot = bot
        self.concurrency = concurrency
        self.alarm = DueAlarm(job_queue, services.clock, self.wake)
        self._wake = asyncio.Event()
        self._idle = asyncio.Event()
        self._stopping = False
        self._runner: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self.pacing = ChatPacing()
        self._check_due = True
        self._outcomes: list[tuple[int, str, dict[str, Any]]] = []
        self.broadcasts = BroadcastRuntime(services, bot)
        self.certificates = CertificateRuntime(services, bot)
        self.materials = MaterialsRuntime(services, bot)
        self.content = RowContent(services, self.broadcasts, self.certificates, self.materials)
        self.sent = 0
        self.fault: str | None = None  # why the database cannot be written, while it cannot
        self._failures = 0

    @property
    def running(self) -> bool:
        """Whether the sweeper task is running."""
        return self._runner is not None and not self._runner.done() and not self._stopping

    @property
    def paused(self) -> bool:
        """Whether sending is held because the database cannot be written."""
        return self.fault is not None

    def wake(self) -> None:
        """Look at the outbox, the reminder slots and the surveys now."""
        self._check_due = True
        self._idle.clear()
        self._wake.set()

    async def wait_idle(self, timeout: float = 10.0) -> None:
        """Return once nothing is due, in flight or unwritten; TimeoutError after `timeout`."""
        await asyncio.wait_for(self._idle.wait(), timeout)

    @property
    def idle(self) -> bool:
        """Whether the sender is asleep with nothing due, in flight or unwritten."""
        return self._idle.is_set()

    async def start(self) -> None:
        """Requeue what a crash left in flight and start the sweeper."""
        requeued = await self.services.outbox.requeue_in_flight()
        if requeued:
            log.warning(
                "outbox: %d messages were in flight at the last stop; sending them again", requeued
            )
        self._stopping = False
        self._idle.clear()
        self._check_due = True
        self._runner = asyncio.create_task(self._run(), name="outbox-sender")
        await self.broadcasts.resume()

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming, let messages in flight finish (up to `timeout`), then stop."""
        self._stopping = True
        self._wake.set()
        if self._runner is not None:
            await self._runner
            self._runner = None
        self.alarm.cancel()
        if self._in_flight:
            _, pending = await asyncio.wait(self._in_flight, timeout=timeout)
            for task in pending:
                task.cancel()  # left 'sending': requeued at the next start
        try:
            await self.flush()
        except sqlite3.Error as exc:
            log.error(
                "outbox: %d outcomes could not be written at stop (%s); those messages"
                " will be sent again at the next start",
                len(self._outcomes),
                exc,
            )
        await self.broadcasts.stop()

    async def _run(self) -> None:
        """Sweep until stopped: flush, fill slots, claim, send; sleep until something is due."""
        while not self._stopping:
            self._wake.clear()
            try:
                busy = await self.sweep()
                if not busy and not self._stopping:
                    await self._arm_alarm()
            except Exception as exc:  # every failure pauses and is retried
                await self._hold(exc)
                continue
            if self.fault is not None:
                log.warning("outbox: the database takes writes again; sending resumes")
                self.fault, self._failures = None, 0
            if busy:
                await asyncio.sleep(0)
                continue
            await self._wake.wait()

    async def _hold(self, exc: Exception) -> None:
        """Send nothing more until a write succeeds; try again after a growing pause."""
        self._failures += 1
        reason = f"{type(exc).__name__}: {exc}"
        if self.fault is None:
            if isinstance(exc, sqlite3.Error):
                log.error("outbox: the database cannot be written (%s); sending paused", reason)
            else:
                log.exception("outbox: sweep failed; sending paused")
        self.fault = reason
        self._idle.clear()
        self._check_due = True  # the slots and surveys of the failed pass are looked at again
        delay = fault_backoff(self._failures)
        with contextlib.suppress(TimeoutError):  # no wake before the backoff ends: try again
            await asyncio.wait_for(self._wake.wait(), delay)
            await asyncio.sleep(min(delay, 0.05))  # a burst of wakes cannot make a busy loop

    async def _arm_alarm(self) -> None:
        """Arm the job for the next due moment; mark the sender idle when nothing is due now.

        While messages are in flight, each one wakes the sweeper as it finishes, so the due
        times are only looked up when no job is armed.
        """
        busy = bool(self._in_flight or self._outcomes)
        if busy and self.alarm.rings_in is not None:
            return
        now = self.services.clock.now()
        due = await next_due(self.services, now)
        if due is not None and due <= now:
            # Due rows held back by the concurrency or the one-message-a-second-per-chat rule.
            self.alarm.arm_in(HELD_BACK_RETRY)
            return
        self.alarm.arm_for(due)
        if not busy and not self._wake.is_set():
            self._idle.set()

    async def sweep(self) -> bool:
        """One pass; returns True when more rows may be due right away."""
        await self.flush()
        now = self.services.clock.now()
        if self._check_due:
            self._check_due = False
            await fill_due_slots(self.services, now)
            await queue_surveys(self.services, now)
            await self.certificates.plan(now)
            await self.materials.plan(now)
            await daily_digest.plan(self.services, now)
        free = self.concurrency - len(self._in_flight)
        if self._in_flight and free < max(1, self.concurrency // 4):
            # Claim in batches: one claim for many rows costs far less than one per row.
            await asyncio.wait(self._in_flight, return_when=asyncio.FIRST_COMPLETED)
            return True
        self.pacing.forget_old()
        claimed = await self.services.outbox.claim_due(now, free, self.pacing.busy)
        if claimed:
            log.info(
                "outbox batch: %d claimed, %d in flight, %d sent since start",
                len(claimed),
                len(self._in_flight) + len(claimed),
                self.sent,
            )
        for delivery in claimed:
            if delivery.kind != REPLY_KIND:
                self.pacing.mark(delivery.telegram_id)
            task = asyncio.create_task(self._deliver(delivery))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return len(claimed) == free

    async def _deliver(self, delivery: Delivery) -> None:
        """Send one row and keep its outcome until the sweeper writes it."""
        if delivery.kind != REPLY_KIND:
            sending_in_bulk()  # this task's requests wait behind replies to participants
        try:
            status, fields = await self._attempt(delivery)
        except asyncio.CancelledError:
            raise
        except sqlite3.Error as exc:
            # Nothing was sent: the row goes again once the database answers.
            log.warning("outbox row %d not sent: the database failed (%s)", delivery.id, exc)
            status, fields = "pending", {"attempts_delta": -1}
        except Exception as exc:  # recorded, never lost
            log.exception("outbox row %d could not be sent", delivery.id)
            status, fields = "failed", {"last_error": f"internal error: {exc!r}"[:500]}
        # Outcomes are written together by the sweeper (before it claims more), so the rows
        # marked 'sending' never number more than `concurrency`.
        self._outcomes.append((delivery.id, status, fields))
        if status == "sent":
            self.sent += 1
        # Out of the set now, not when its done-callback runs: several may finish at once.
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.discard(task)
        if not self._in_flight or (status == "pending" and fields.get("due_at") is None):
            self.wake()

    async def flush(self) -> None:
        """Write the outcomes of finished deliveries in one transaction, then forget them.

        When the write fails they stay in memory (and the error is raised): nothing is lost.
        """
        if not self._outcomes:
            return
        batch = list(self._outcomes)
        await self.services.outbox.settle(batch)
        del self._outcomes[: len(batch)]

    async def _attempt(self, delivery: Delivery) -> Outcome:
        """Decide, send, and classify Telegram's answer."""
        content = await self.content.prepare(delivery, self.services.clock.now())
        if not isinstance(content, Content):
            return content
        try:
            if delivery.kind == "broadcast":
                message = await self.broadcasts.send(delivery)
            elif delivery.kind == "certificate":
                message = await self.certificates.send(delivery)
            elif delivery.kind == "materials":
                message = await self.materials.send(delivery)
            elif delivery.kind == DECISION_KIND:
                message = await send_decision(self.services, self.bot, delivery)
            elif delivery.kind == CALENDAR_KIND:
                message = await send_registration_calendar(self.services, self.bot, delivery)
            else:
                assert delivery.telegram_id is not None, (
                    "still_wanted cancels an erased person's row"
                )
                message = await self.bot.send_message(
                    delivery.telegram_id,
                    content.text,
                    reply_markup=content.markup,
                    rate_limit_args=0,
                )
        except (RetryAfter, Forbidden, NetworkError) as exc:
            return refusal(exc, delivery, self.services.clock.now())
        if delivery.kind != REPLY_KIND:
            self.pacing.mark(delivery.telegram_id)
        return "sent", {
            "telegram_message_id": message.message_id,
            "sent_at": to_iso(self.services.clock.now()),
            # the survey now lives in this message (written with the outcome)
            "response_id": None if content.response is None else content.response.id,
        }

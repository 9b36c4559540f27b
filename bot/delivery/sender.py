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
import random
import sqlite3
import time
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter

from bot.clock import to_iso
from bot.delivery import daily_digest
from bot.delivery.approval import digest_buttons, send_decision
from bot.delivery.broadcast_sending import BroadcastRuntime
from bot.delivery.certificates import CertificateRuntime
from bot.delivery.digest import digest_line
from bot.delivery.due_times import DueAlarm, fill_due_slots, next_due, queue_surveys
from bot.delivery.materials import MaterialsRuntime
from bot.delivery.relevance import Outcome, still_wanted
from bot.domain import attendance, survey
from bot.render.messages import compose
from bot.runtime.rate_limiter import sending_in_bulk
from storage.approvals import DECISION_KIND
from storage.daily_digest import DAILY_DIGEST_KIND
from storage.outbox import DIGEST_KIND

if TYPE_CHECKING:
    from telegram.ext import ExtBot, JobQueue

    from bot.services import Services
    from storage.outbox import Delivery

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
PER_CHAT_INTERVAL = 1.0  # Telegram: no more than one message a second to the same chat
HELD_BACK_RETRY = 0.25  # seconds before another look when due rows wait for a busy chat
FAULT_BACKOFF_MAX = 30.0  # seconds between tries to write while the database refuses


def backoff(attempts: int) -> timedelta:
    """How long to wait before another try after `attempts` transient failures."""
    base = min(2.0**attempts, 120.0)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311 - jitter, not a secret


def fault_backoff(failures: int) -> float:
    """Seconds to wait before writing again after `failures` failed writes in a row."""
    return min(0.5 * 2.0 ** max(0, failures - 1), FAULT_BACKOFF_MAX)


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
        self._last_sent: dict[int, float] = {}
        self._check_due = True
        self._outcomes: list[tuple[int, str, dict[str, Any]]] = []
        self._compose_cache: dict[tuple[object, ...], tuple[str, Any]] = {}
        self.broadcasts = BroadcastRuntime(services, bot)
        self.certificates = CertificateRuntime(services, bot)
        self.materials = MaterialsRuntime(services, bot)
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
        self._forget_old_chats()
        claimed = await self.services.outbox.claim_due(now, free, self._chat_busy)
        if claimed:
            log.info(
                "outbox batch: %d claimed, %d in flight, %d sent since start",
                len(claimed),
                len(self._in_flight) + len(claimed),
                self.sent,
            )
        for delivery in claimed:
            if delivery.telegram_id is not None:
                self._last_sent[delivery.telegram_id] = time.monotonic()
            task = asyncio.create_task(self._deliver(delivery))
            self._in_flight.add(task)
            task.add_done_callback(self._in_flight.discard)
        return len(claimed) == free

    def _composed(self, delivery: Delivery, now: datetime) -> tuple[str, Any]:
        """The message for a row; identical for everyone with the same language and zone.

        In a fan-out all recipients with the same language and time zone get the same text,
        so it is rendered once per minute for each of them instead of once per message.
        """
        webinar = self.services.series.webinar(delivery.webinar_id or "")
        minute = now.replace(second=0, microsecond=0)
        key = (
            delivery.kind,
            delivery.purpose if delivery.kind == "reminder" else "",
            delivery.webinar_id,
            webinar.starts_at if webinar else None,
            webinar.join_url if webinar else None,
            delivery.language,
            delivery.timezone,
            minute,
        )
        found = self._compose_cache.get(key)
        if found is None:
            if len(self._compose_cache) > 2000:
                self._compose_cache.clear()
            found = self._compose_cache[key] = compose(
                self.services.texts, self.services.series, delivery, minute
            )
        return found

    def _chat_busy(self, chat: int | None) -> bool:
        """Whether this chat had a message less than a second ago."""
        if chat is None:
            return False
        return time.monotonic() - self._last_sent.get(chat, -1e9) < PER_CHAT_INTERVAL

    def _forget_old_chats(self) -> None:
        """Drop per-chat send times older than the per-chat interval."""
        if len(self._last_sent) < 10_000:
            return
        horizon = time.monotonic() - PER_CHAT_INTERVAL
        self._last_sent = {k: v for k, v in self._last_sent.items() if v >= horizon}

    async def _deliver(self, delivery: Delivery) -> None:
        """Send one row and keep its outcome until the sweeper writes it."""
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

    async def _survey_message(self, delivery: Delivery, now: datetime) -> Any:
        """The survey invitation or nudge, with the response it belongs to (or an Outcome)."""
        services = self.services
        webinar = services.series.webinar(delivery.webinar_id or "")
        assert webinar is not None, "still_wanted cancels rows of webinars no longer in the series"
        response = await services.survey.ensure_response(webinar.id, delivery.participant_id, now)
        if delivery.kind == "nudge" and response.status in ("completed", "absent"):
            return ("cancelled", {"last_error": "already answered"}), None
        record = await services.attendance.get(delivery.participant_id, webinar.id)
        recorded, source = (record.attended, record.source) if record else (None, None)
        if not attendance.survey_offered(recorded, source):
            return ("cancelled", {"last_error": "absent by the platform's report"}), None
        text, markup = survey.render_invitation(
            services.texts,
            delivery.language,
            webinar,
            response,
            recorded,
            delivery.kind == "nudge",
            survey.closes_at(services.series, webinar),
            delivery.timezone,
        )
        return (text, markup), response

    async def _attempt(self, delivery: Delivery) -> Outcome:
        """Decide, send, and classify Telegram's answer."""
        now = self.services.clock.now()
        unwanted = still_wanted(self.services, delivery, now)
        if unwanted is not None:
            return unwanted
        response = None
        if delivery.kind == "broadcast":
            unwanted = await self.broadcasts.unwanted(delivery)
            if unwanted is not None:
                return unwanted
            text, markup = "", None
        elif delivery.kind in ("certificate", "materials"):
            runtime = self.certificates if delivery.kind == "certificate" else self.materials
            unwanted = await runtime.unwanted(delivery)
            if unwanted is not None:
                return unwanted
            text, markup = "", None
        elif delivery.kind == DIGEST_KIND:
            line = await digest_line(self.services, delivery)
            if line is None:
                return "cancelled", {"last_error": "the participant is no longer registered"}
            text, markup = line, await digest_buttons(self.services, delivery)
        elif delivery.kind == DECISION_KIND:
            text, markup = "", None
        elif delivery.kind == DAILY_DIGEST_KIND:
            digest = await daily_digest.daily_digest_message(self.services, delivery)
            if not isinstance(digest, str):
                return digest
            text, markup = digest, None
        elif delivery.kind in ("survey", "nudge"):
            prepared, response = await self._survey_message(delivery, now)
            if response is None:
                return prepared
            text, markup = prepared
        else:
            text, markup = self._composed(delivery, now)
        try:
            if delivery.kind == "broadcast":
                message = await self.broadcasts.send(delivery)
            elif delivery.kind == "certificate":
                message = await self.certificates.send(delivery)
            elif delivery.kind == "materials":
                message = await self.materials.send(delivery)
            elif delivery.kind == DECISION_KIND:
                message = await send_decision(self.services, self.bot, delivery)
            else:
                assert delivery.telegram_id is not None, (
                    "still_wanted cancels an erased person's row"
                )
                message = await self.bot.send_message(
                    delivery.telegram_id,
                    text,
                    reply_markup=markup,
                    rate_limit_args=0,
                )
        except (RetryAfter, Forbidden, NetworkError) as exc:
            return refusal(exc, delivery, self.services.clock.now())
        if delivery.telegram_id is not None:
            self._last_sent[delivery.telegram_id] = time.monotonic()
        return "sent", {
            "telegram_message_id": message.message_id,
            "sent_at": to_iso(self.services.clock.now()),
            # the survey now lives in this message (written with the outcome)
            "response_id": None if response is None else response.id,
        }


def refusal(
    exc: RetryAfter | Forbidden | NetworkError, delivery: Delivery, now: datetime
) -> Outcome:
    """The outcome of a send Telegram refused or that failed on the way."""
    if isinstance(exc, RetryAfter):
        # The rate limiter has already paused every sender; this row simply goes again.
        return "pending", {"attempts_delta": -1}
    if isinstance(exc, Forbidden):
        return "unreachable", _unreachable(exc.message, now)
    if isinstance(exc, BadRequest):
        if "chat not found" in exc.message.lower():
            return "unreachable", _unreachable(exc.message, now)
        return "failed", {"last_error": exc.message}
    attempt = delivery.attempts + 1  # the claim counted this try in the database
    if attempt >= MAX_ATTEMPTS:
        return "failed", {"last_error": f"gave up after {attempt} attempts: {exc.message}"}
    return "pending", {"last_error": exc.message, "due_at": to_iso(now + backoff(attempt))}


def _unreachable(reason: str, now: datetime) -> dict[str, Any]:
    """The outcome fields of a refused send: the participant is marked unreachable with it."""
    return {"last_error": reason, "unreachable_reason": reason, "at": to_iso(now)}

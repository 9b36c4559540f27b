"""The one sender: drains the outbox concurrently within Telegram's limits and records outcomes.

Crash safety: a row is marked 'sending' before its request goes out and 'sent' right after
Telegram answers. After a crash, rows still 'sending' are queued again at start-up, so only the
messages in flight at the moment of the crash (at most `concurrency`) can be sent twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
import time
from datetime import datetime, timedelta
from typing import Any

from telegram.constants import ParseMode
from telegram.error import BadRequest, Forbidden, NetworkError, RetryAfter
from telegram.ext import ExtBot

from bot.clock import to_iso
from bot.delivery.broadcast_sending import BroadcastRuntime
from bot.delivery.certificates import CertificateRuntime
from bot.delivery.materials import MaterialsRuntime
from bot.domain import attendance, survey
from bot.domain.reminders import offset_of, skip_reason, start_of
from bot.render.messages import compose
from storage.outbox import Delivery

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 5
PER_CHAT_INTERVAL = 1.0  # Telegram: no more than one message a second to the same chat
SURVEY_CHECK_INTERVAL = 1.0  # seconds between looks for surveys and nudges to queue
SLOT_CHECK_INTERVAL = 0.2  # seconds between looks for due reminder slots (wake() looks at once)

Outcome = tuple[str, dict[str, Any]]


def backoff(attempts: int) -> timedelta:
    """How long to wait before another try after `attempts` transient failures."""
    base = min(2.0**attempts, 120.0)
    return timedelta(seconds=base * random.uniform(0.8, 1.2))  # noqa: S311 - jitter only


class OutboxSender:
    """Fills due reminder slots, claims due rows and sends them, a bounded number at a time."""

    def __init__(
        self, services: Any, bot: ExtBot[Any], concurrency: int = 64, poll_interval: float = 0.25
    ) -> None:
        self.services = services
        self.bot = bot
        self.concurrency = concurrency
        self.poll_interval = poll_interval
        self._wake = asyncio.Event()
        self._stopping = False
        self._runner: asyncio.Task[None] | None = None
        self._in_flight: set[asyncio.Task[None]] = set()
        self._last_sent: dict[int, float] = {}
        self._surveys_checked = -1e9
        self._slots_checked = -1e9
        self._check_slots = True
        self._outcomes: list[tuple[int, str, dict[str, Any]]] = []
        self._compose_cache: dict[tuple[object, ...], tuple[str, Any]] = {}
        self.broadcasts = BroadcastRuntime(services, bot)
        self.certificates = CertificateRuntime(services, bot)
        self.materials = MaterialsRuntime(services, bot)
        self.sent = 0

    @property
    def running(self) -> bool:
        """Whether the sweeper task is running."""
        return self._runner is not None and not self._runner.done() and not self._stopping

    def wake(self) -> None:
        """Look at the outbox (and the reminder slots) now rather than at the next poll."""
        self._check_slots = True
        self._wake.set()

    async def start(self) -> None:
        """Requeue what a crash left in flight and start the sweeper."""
        requeued = await self.services.outbox.requeue_in_flight()
        if requeued:
            log.warning(
                "outbox: %d messages were in flight at the last stop; sending them again", requeued
            )
        self._stopping = False
        self._runner = asyncio.create_task(self._run(), name="outbox-sender")
        await self.broadcasts.resume()

    async def stop(self, timeout: float = 10.0) -> None:
        """Stop claiming, let messages in flight finish (up to `timeout`), then stop."""
        self._stopping = True
        self._wake.set()
        if self._runner is not None:
            await self._runner
            self._runner = None
        if self._in_flight:
            _, pending = await asyncio.wait(self._in_flight, timeout=timeout)
            for task in pending:
                task.cancel()  # left 'sending': requeued at the next start
        await self.flush()
        await self.broadcasts.stop()

    async def _run(self) -> None:
        """Sweep until stopped: fill slots, claim, send; sleep only when nothing is due."""
        while not self._stopping:
            busy = False
            try:
                busy = await self.sweep()
            except Exception:
                log.exception("outbox sweep failed")
            if busy and not self._stopping:
                await asyncio.sleep(0)
                continue
            with contextlib.suppress(TimeoutError):  # nothing woke us: poll anyway
                await asyncio.wait_for(self._wake.wait(), self.poll_interval)
            self._wake.clear()

    async def sweep(self) -> bool:
        """One pass; returns True when more rows may be due right away."""
        now = self.services.clock.now()
        if self._check_slots or time.monotonic() - self._slots_checked >= SLOT_CHECK_INTERVAL:
            self._check_slots = False
            self._slots_checked = time.monotonic()
            await self.fill_due_slots(now)
        await self.plan_surveys(now)
        await self.certificates.plan(now)
        await self.materials.plan(now)
        await self.flush()
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

    async def fill_due_slots(self, now: datetime) -> None:
        """Turn reminder slots whose time has come into outbox rows (or skipped rows)."""
        series, schedule = self.services.series, self.services.schedule
        due = await schedule.due_slots(now)
        # After downtime several reminders of one webinar may be due at once: only the
        # latest one (the smallest offset) still says something useful.
        latest: dict[tuple[str, datetime], timedelta] = {}
        for slot in due:
            key = (slot.webinar_id, slot.starts_at)
            latest[key] = min(latest.get(key, slot.offset), slot.offset)
        for slot in due:
            webinar = series.webinar(slot.webinar_id)
            reason = (
                "the webinar is no longer in the series"
                if webinar is None
                else skip_reason(slot.offset, slot.starts_at, webinar.ends_at, now)
            )
            if reason is None and slot.offset > latest[(slot.webinar_id, slot.starts_at)]:
                reason = "a later reminder was due as well"
            count = await schedule.fill_slot(slot, now, reason)
            log.info(
                "reminder %s before %s: %d %s%s",
                slot.offset,
                slot.webinar_id,
                count,
                "queued" if reason is None else "skipped",
                f" ({reason})" if reason else "",
            )

    async def plan_surveys(self, now: datetime) -> None:
        """Queue survey invitations once a webinar is over, and the one nudge later on."""
        if time.monotonic() - self._surveys_checked < SURVEY_CHECK_INTERVAL:
            return
        self._surveys_checked = time.monotonic()
        series = self.services.series
        store = self.services.survey
        queued = await store.surveys_queued()
        for webinar in series.webinars:
            if not survey.is_open(series, webinar, now):
                continue
            if queued.get(webinar.id) is None:
                if survey.invitation_due(series, webinar) <= now:
                    count = await store.queue_invitations(webinar.id, now)
                    log.info("survey of %s: %d invitations queued", webinar.id, count)
                continue
            nudges = await store.queue_nudges(webinar.id, series.feedback_nudge_after, now)
            if nudges:
                log.info("survey of %s: %d nudges queued", webinar.id, nudges)

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
        """Send one row and record its outcome."""
        try:
            status, fields = await self._attempt(delivery)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # noqa: BLE001 - recorded, never lost
            log.exception("outbox row %d could not be sent", delivery.id)
            status, fields = "failed", {"last_error": f"internal error: {exc!r}"[:500]}
        # Outcomes are written together by the sweeper (before it claims more), so the rows
        # marked 'sending' never number more than `concurrency`.
        self._outcomes.append((delivery.id, status, fields))
        if status == "sent":
            self.sent += 1
        if len(self._in_flight) <= 1 or (status == "pending" and fields.get("due_at") is None):
            self.wake()

    async def flush(self) -> None:
        """Record the outcomes of finished deliveries in one transaction."""
        if self._outcomes:
            outcomes, self._outcomes = self._outcomes, []
            await self.services.outbox.settle(outcomes)

    def _still_wanted(self, delivery: Delivery, now: datetime) -> Outcome | None:
        """Why a row should not be sent after all (cancelled or skipped), or None."""
        if delivery.telegram_id is None:
            return "cancelled", {"last_error": "the participant erased their data"}
        if delivery.unreachable:
            return "unreachable", {"last_error": "the participant cannot be reached"}
        if delivery.kind == "broadcast":
            return None  # checked in _attempt, against its broadcast
        webinar = self.services.series.webinar(delivery.webinar_id or "")
        if webinar is None:
            return "cancelled", {"last_error": "the webinar is no longer in the series"}
        if delivery.kind in ("reminder", "late_reminder") and not delivery.registered:
            return "cancelled", {"last_error": "no longer registered for the webinar"}
        if delivery.kind == "reminder":
            if not delivery.reminders_enabled:
                return "cancelled", {"last_error": "reminders turned off"}
            if start_of(delivery.purpose) != to_iso(webinar.starts_at):
                return "cancelled", {"last_error": "the webinar moved"}
            reason = skip_reason(
                offset_of(delivery.purpose), webinar.starts_at, webinar.ends_at, now
            )
            if reason:
                return "skipped", {"last_error": reason}
        if delivery.kind == "late_reminder" and now >= webinar.ends_at:
            return "skipped", {"last_error": "the webinar had ended"}
        if delivery.kind == "change_notice" and delivery.purpose != f"v{delivery.webinar_version}":
            return "cancelled", {"last_error": "superseded by a later change"}
        if delivery.kind in ("survey", "nudge"):
            if not delivery.registered:
                return "cancelled", {"last_error": "no longer registered for the webinar"}
            if not survey.is_open(self.services.series, webinar, now):
                return "skipped", {"last_error": "the survey had closed"}
        return None

    async def _survey_message(self, delivery: Delivery, now: datetime) -> Any:
        """The survey invitation or nudge, with the response it belongs to (or an Outcome)."""
        services = self.services
        webinar = services.series.webinar(delivery.webinar_id or "")
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
        unwanted = self._still_wanted(delivery, now)
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
            else:
                message = await self.bot.send_message(
                    delivery.telegram_id,
                    text,
                    parse_mode=ParseMode.HTML,
                    reply_markup=markup,
                    rate_limit_args=0,
                )
        except RetryAfter:
            # The rate limiter has already paused every sender; this row simply goes again.
            return "pending", {"attempts_delta": -1}
        except Forbidden as exc:
            await self.services.outbox.mark_unreachable(delivery.participant_id, exc.message, now)
            return "unreachable", {"last_error": exc.message}
        except BadRequest as exc:
            if "chat not found" in exc.message.lower():
                await self.services.outbox.mark_unreachable(
                    delivery.participant_id, exc.message, now
                )
                return "unreachable", {"last_error": exc.message}
            return "failed", {"last_error": exc.message}
        except NetworkError as exc:
            attempt = delivery.attempts + 1  # the claim counted this try in the database
            if attempt >= MAX_ATTEMPTS:
                return "failed", {"last_error": f"gave up after {attempt} attempts: {exc.message}"}
            later = self.services.clock.now() + backoff(attempt)
            return "pending", {"last_error": exc.message, "due_at": to_iso(later)}
        if delivery.telegram_id is not None:
            self._last_sent[delivery.telegram_id] = time.monotonic()
        if response is not None:  # the survey now lives in this message
            await self.services.survey.update(response.id, now, message_id=message.message_id)
        return "sent", {
            "telegram_message_id": message.message_id,
            "sent_at": to_iso(self.services.clock.now()),
        }

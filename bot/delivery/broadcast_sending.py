"""Broadcasts at run time: their content for the outbox sender, and the live progress message.

The sender asks `unwanted()` and `send()` for each 'broadcast' row; the content is read once
per broadcast (and again at most every second, so a cancel is seen). A follower task per
confirmed broadcast edits one progress message in the organizer's chat from the outbox counts:
only when the figures changed, and never sooner than EDIT_INTERVAL after the previous edit
came back (so two edits never reach Telegram less than a second apart). At the end it edits
that message into the final report. After a restart `resume()` picks up every unfinished one.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
import time
from typing import TYPE_CHECKING, Any

from telegram.error import BadRequest, NetworkError

from bot.render.organizer_keyboards import broadcast_stop_keyboard
from storage.broadcasts import Broadcast, BroadcastStore, broadcast_id_of

if TYPE_CHECKING:
    from telegram import Bot, InlineKeyboardMarkup, Message

    from bot.services import Services
    from storage.outbox import Delivery

log = logging.getLogger(__name__)

EDIT_INTERVAL = 1.05  # seconds between an edit's answer and the next edit
POLL_INTERVAL = 0.25  # seconds between looks at the outbox counts
CONTENT_TTL = 1.0  # seconds a broadcast's content (and status) is cached by the sender
Outcome = tuple[str, dict[str, Any]]


async def send_content(
    bot: Bot, chat_id: int, broadcast: Broadcast, body: str | None, **kwargs: Any
) -> Message:
    """Send a broadcast's text, photo or document (with its caption) to one chat."""
    if broadcast.content_type == "photo":
        return await bot.send_photo(
            chat_id,
            photo=broadcast.file_id or "",
            caption=body,
            **kwargs,
        )
    if broadcast.content_type == "document":
        return await bot.send_document(
            chat_id,
            document=broadcast.file_id or "",
            caption=body,
            **kwargs,
        )
    return await bot.send_message(chat_id, body or "", **kwargs)


def body_for(broadcast: Broadcast, language: str) -> str | None:
    """The text a reader gets: the Spanish one for Spanish readers when there is one."""
    if language == "es" and broadcast.body_es_html:
        return broadcast.body_es_html
    return broadcast.body_html


def stop_keyboard(texts: Any, lang: str, broadcast_id: int) -> InlineKeyboardMarkup:
    """The Cancel button under a running broadcast's progress message."""
    return broadcast_stop_keyboard(texts, lang, broadcast_id)


class BroadcastRuntime:
    """The broadcasts' side of the outbox sender, and the progress followers."""

    def __init__(self, services: Services, bot: Bot) -> None:
        self.services = services
        self.bot = bot
        self.store = BroadcastStore(services.db)
        self.edit_interval = EDIT_INTERVAL
        self._content: dict[int, tuple[float, Broadcast | None]] = {}
        self._followers: dict[int, asyncio.Task[None]] = {}

    # --- the sender's side ---------------------------------------------------------------

    async def content(self, broadcast_id: int) -> Broadcast | None:
        """The broadcast, read at most once per CONTENT_TTL."""
        cached = self._content.get(broadcast_id)
        if cached is not None and time.monotonic() - cached[0] < CONTENT_TTL:
            return cached[1]
        if len(self._content) > 100:
            self._content.clear()
        broadcast = await self.store.get(broadcast_id)
        self._content[broadcast_id] = (time.monotonic(), broadcast)
        return broadcast

    def forget(self, broadcast_id: int) -> None:
        """Read the broadcast again next time (after a cancel)."""
        self._content.pop(broadcast_id, None)

    async def unwanted(self, delivery: Delivery) -> Outcome | None:
        """Why a broadcast row should not be sent (its broadcast cancelled or gone), or None."""
        broadcast_id = broadcast_id_of(delivery.purpose)
        broadcast = None if broadcast_id is None else await self.content(broadcast_id)
        if broadcast is None or broadcast.status not in ("queued", "done"):
            reason = (
                "the broadcast was cancelled"
                if broadcast is not None
                else "the broadcast no longer exists"
            )
            return "cancelled", {"last_error": reason}
        return None

    async def send(self, delivery: Delivery) -> Message:
        """Send a broadcast row in the reader's language (content from the cache)."""
        broadcast = await self.content(broadcast_id_of(delivery.purpose) or 0)
        assert broadcast is not None and delivery.telegram_id is not None
        return await send_content(
            self.bot,
            delivery.telegram_id,
            broadcast,
            body_for(broadcast, delivery.language),
            rate_limit_args=0,
        )

    # --- the progress message ------------------------------------------------------------

    def render(
        self, broadcast: Broadcast, counts: dict[str, int]
    ) -> tuple[str, InlineKeyboardMarkup | None, bool]:
        """The progress (or final report) text, its buttons, and whether it is final."""
        services = self.services
        busy = counts.get("pending", 0) + counts.get("sending", 0)
        total = sum(counts.values())
        final = busy == 0
        rate = max(1.0, float(services.settings.send_rate))
        left = math.ceil(busy / rate)
        now = services.clock.now()
        scheduled = (
            not final
            and broadcast.due_at is not None
            and broadcast.due_at > now
            and counts.get("pending", 0) == total
        )
        text = services.texts.render(
            broadcast.lang,
            "broadcast_report" if final else "broadcast_progress",
            n_sent=counts.get("sent", 0),
            n_failed=counts.get("failed", 0),
            n_unreachable=counts.get("unreachable", 0),
            n_cancelled=counts.get("cancelled", 0),
            n_pending=busy,
            n_total=total,
            left_min=left // 60,
            left_s=left % 60,
            scheduled=scheduled,
            due_at=broadcast.due_at or now,
            zone=services.series.timezone.key,
            stopped=broadcast.status == "cancelled",
        )
        markup = None if final else stop_keyboard(services.texts, broadcast.lang, broadcast.id)
        return text, markup, final

    def follow(self, broadcast_id: int, fresh: bool = False) -> None:
        """Keep the broadcast's progress message up to date until its report is written.

        `fresh`: just confirmed, so show it at once; otherwise (after a restart) the previous
        edit may have been a moment ago, so wait one interval first.
        """
        task = self._followers.get(broadcast_id)
        if task is None or task.done():
            self._followers[broadcast_id] = asyncio.create_task(
                self._follow(broadcast_id, fresh), name=f"broadcast-{broadcast_id}"
            )

    async def resume(self) -> None:
        """Follow every confirmed broadcast whose report is not written yet (at start-up)."""
        for broadcast in await self.store.unfinished():
            self.follow(broadcast.id)

    async def stop(self) -> None:
        """Stop the followers (resumed at the next start)."""
        tasks = [t for t in self._followers.values() if not t.done()]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._followers.clear()

    async def _follow(self, broadcast_id: int, fresh: bool) -> None:
        """Edit the progress message as the counts change, at most once per edit_interval."""
        last_edit = -1e9 if fresh else time.monotonic()
        while True:
            try:
                done = await self._step(broadcast_id, last_edit)
            except asyncio.CancelledError:
                raise
            except Exception:
                log.exception("broadcast %d: progress update failed", broadcast_id)
                done = None
            if done is True:
                return
            if isinstance(done, float):
                last_edit = done
            # Look again when an edit may be made: about one query a second while sending.
            await asyncio.sleep(
                max(POLL_INTERVAL, last_edit + self.edit_interval - time.monotonic())
            )

    async def _step(self, broadcast_id: int, last_edit: float) -> bool | float | None:
        """One look: True when finished, the edit's time when edited, else None."""
        broadcast = await self.store.get(broadcast_id)
        if broadcast is None or broadcast.finished_at is not None:
            return True
        counts = await self.store.counts(broadcast_id)
        text, markup, final = self.render(broadcast, counts)
        if text == broadcast.progress_text:
            if final:
                await self._finish(broadcast, counts)
                return True
            return None
        if time.monotonic() - last_edit < self.edit_interval:
            return None
        await self._show(broadcast, text, markup)
        return time.monotonic()

    async def _show(
        self, broadcast: Broadcast, text: str, markup: InlineKeyboardMarkup | None
    ) -> None:
        """Edit the progress message (or send a new one if it is gone) and remember the text."""
        message_id = broadcast.progress_message_id
        try:
            if message_id is not None:
                await self.bot.edit_message_text(
                    text,
                    broadcast.chat_id,
                    message_id,
                    reply_markup=markup,
                )
            else:
                message_id = await self._send_anew(broadcast, text, markup)
        except BadRequest as exc:
            if "not modified" not in exc.message.lower():
                log.warning(
                    "broadcast %d: progress message not edited (%s); sending anew",
                    broadcast.id,
                    exc.message,
                )
                message_id = await self._send_anew(broadcast, text, markup)
        except NetworkError:
            log.warning("broadcast %d: progress message not shown (network)", broadcast.id)
            return
        await self.store.update(broadcast.id, progress_text=text, progress_message_id=message_id)

    async def _send_anew(
        self, broadcast: Broadcast, text: str, markup: InlineKeyboardMarkup | None
    ) -> int:
        """Send the progress message as a new message; return its id."""
        message = await self.bot.send_message(broadcast.chat_id, text, reply_markup=markup)
        return message.message_id

    async def _finish(self, broadcast: Broadcast, counts: dict[str, int]) -> None:
        """The report is shown: mark the broadcast finished and record it."""
        services = self.services
        now = services.clock.now()
        await self.store.finish(broadcast.id, now)
        await services.organizers.record(
            broadcast.created_by,
            "broadcast.finished",
            {"broadcast": broadcast.id, "status": broadcast.status, **counts},
            now,
        )
        log.info("broadcast %d finished: %s", broadcast.id, counts)

"""Materials after a webinar: "thank you" to attendees, "sorry we missed you" to absentees.

When a webinar's survey invitations are due (its end plus feedback_after) and it has materials
or a recording, the sender asks `plan()` to queue a 'materials' row for each registrant and
attendee; the row's purpose names the items (see bot.domain.materials). Rows are sent through
the one outbox, once each; a later addition (in the series file or with /materials) queues a
new row and only the items a participant has not had yet are sent. Each material with a PDF
follows the message as a document.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram import InputFile, LinkPreviewOptions, Message
from telegram.constants import ParseMode

from bot.domain.materials import Material, item_keys, keys_of, purpose_for, recording_key
from storage.materials import MaterialStore

if TYPE_CHECKING:
    from datetime import datetime

    from telegram.ext import ExtBot

    from bot.domain.series import Webinar
    from bot.services import Services
    from storage.outbox import Delivery

log = logging.getLogger(__name__)

Outcome = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class NewItems:
    """What a materials row still has to bring to its participant."""

    materials: tuple[Material, ...]
    recording_url: str | None

    def __bool__(self) -> bool:
        """Whether there is anything to send."""
        return bool(self.materials) or self.recording_url is not None


def new_items(webinar: Webinar, purpose: str, sent: list[str]) -> NewItems:
    """The items of this row that still exist and were in no row sent before."""
    had = set().union(*(keys_of(p) for p in sent)) if sent else set()
    wanted = keys_of(purpose) - had
    materials = tuple(m for m in webinar.materials if m.key in wanted)
    url = webinar.recording_url
    recording = url if url and recording_key(url) in wanted else None
    return NewItems(materials, recording)


class MaterialsRuntime:
    """Queues materials when a webinar is over and sends the outbox's 'materials' rows."""

    def __init__(self, services: Services, bot: ExtBot[Any]) -> None:
        """Work with the bot's services (series, texts, database)."""
        self.services = services
        self.bot = bot
        self.store = MaterialStore(services.db)
        self._file_ids: dict[str, str] = {}  # PDF path -> Telegram file_id, once uploaded

    async def plan(self, now: datetime) -> None:
        """Queue the current materials of each webinar whose follow-up time has come."""
        series = self.services.series
        for webinar in series.webinars:
            keys = item_keys(webinar.materials, webinar.recording_url)
            if not keys or now < webinar.ends_at + series.feedback_after:
                continue
            count = await self.store.queue(webinar.id, purpose_for(keys), now)
            if count:
                log.info("materials of %s: %d messages queued", webinar.id, count)

    async def _new(self, delivery: Delivery) -> tuple[NewItems, bool]:
        """What the row still has to bring, and whether materials were sent before."""
        webinar = self.services.series.webinar(delivery.webinar_id or "")
        if webinar is None:
            return NewItems((), None), False
        sent = await self.store.purposes_sent(delivery.participant, webinar.id, delivery.id)
        return new_items(webinar, delivery.purpose, sent), bool(sent)

    async def unwanted(self, delivery: Delivery) -> Outcome | None:
        """Why a queued materials message should not be sent after all, or None."""
        items, _ = await self._new(delivery)
        if not items:
            return "skipped", {"last_error": "nothing new to send"}
        return None

    async def send(self, delivery: Delivery) -> Message:
        """Send the message ("thank you" or "sorry we missed you"), then any PDFs."""
        services = self.services
        webinar = services.series.webinar(delivery.webinar_id or "")
        items, later = await self._new(delivery)
        if webinar is None or delivery.telegram_id is None or not items:
            raise LookupError(f"materials row {delivery.id} has nothing to send")
        record = await services.attendance.get(delivery.participant, webinar.id)
        attended = record is not None and record.attended
        lang = delivery.language
        text = services.texts.render(
            lang,
            "materials_thanks" if attended else "materials_sorry",
            title=webinar.title_for(lang),
            materials=[{"title": m.title, "url": m.url} for m in items.materials],
            recording_url=items.recording_url,
            later=later,
        )
        message = await self.bot.send_message(
            delivery.telegram_id,
            text,
            parse_mode=ParseMode.HTML,
            link_preview_options=LinkPreviewOptions(is_disabled=True),
            rate_limit_args=0,
        )
        for material in items.materials:
            if material.file is not None:
                await self._send_file(delivery.telegram_id, material)
        return message

    async def _send_file(self, chat_id: int, material: Material) -> None:
        """Send a material's PDF, uploading it once and reusing Telegram's file id."""
        assert material.file is not None
        path = str(material.file)
        known = self._file_ids.get(path)
        document: str | InputFile = known or InputFile(
            await asyncio.to_thread(material.file.read_bytes),
            filename=material.file.name,
            attach=True,
        )
        sent = await self.bot.send_document(
            chat_id, document=document, caption=material.title, rate_limit_args=0
        )
        if known is None and sent.document is not None:
            self._file_ids[path] = sent.document.file_id

"""Certificates at run time: made for eligible participants, queued once each, sent as PDFs.

Once a webinar of a series that gives certificates has ended, the sender asks `plan()` every
second or so to put a 'certificate' row in the outbox for each eligible participant who has none
(attendance imported or said later still counts). `unwanted()` and `send()` are asked for each
such row: the rule is checked again when it is sent, the PDF is drawn in a worker thread and
the certificate is recorded as made.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from telegram import Bot, InputFile, Message
from telegram.constants import ParseMode

from bot.domain.certificates import CodeError, check_code, hours_of, make_code, normalise_code
from bot.render.certificate_pdf import CertificateContent, file_name, render_certificate
from storage.certificates import CertificateStore

if TYPE_CHECKING:
    from datetime import datetime

    from bot.domain.certificates import CertificateRule
    from bot.domain.series import Series, Webinar
    from bot.render.texts import Texts
    from bot.services import Services
    from storage.attendance import AttendanceStore, Attendee
    from storage.outbox import Delivery

log = logging.getLogger(__name__)

Outcome = tuple[str, dict[str, Any]]


@dataclass(frozen=True)
class Certificate:
    """One participant's certificate for one webinar, ready to send or write."""

    code: str
    minutes: int
    file_name: str
    pdf: bytes


def make_certificate(
    texts: Texts, series: Series, secret: str, webinar: Webinar, holder: Attendee
) -> Certificate:
    """Draw a participant's certificate for a webinar (CPU-bound: call it in a thread)."""
    webinar_minutes = int(webinar.duration.total_seconds() // 60)
    hours = hours_of(holder.minutes, webinar_minutes)
    code = make_code(secret, holder.participant_id, webinar.id)
    content = CertificateContent(
        language=holder.language,
        name=holder.full_name,
        title=webinar.title_for(holder.language),
        series_title=series.title_for(holder.language),
        organizer=series.organizer_for(holder.language),
        starts_at=webinar.starts_at,
        timezone=holder.timezone,
        hours=hours,
        code=code,
        logo=series.certificate_logo,
    )
    return Certificate(
        code=code,
        minutes=round(hours * 60),
        file_name=file_name(texts, holder.language, webinar.id),
        pdf=render_certificate(texts, content),
    )


async def send_certificate(
    bot: Bot, texts: Texts, chat_id: int, webinar: Webinar, language: str, made: Certificate
) -> Message:
    """Send a certificate as a document with its caption."""
    caption = texts.render(
        language, "certificate_caption", title=webinar.title_for(language), code=made.code
    )
    return await bot.send_document(
        chat_id,
        document=InputFile(made.pdf, filename=made.file_name, attach=True),
        caption=caption,
        parse_mode=ParseMode.HTML,
    )


async def eligible(
    attendance: AttendanceStore,
    store: CertificateStore,
    rule: CertificateRule,
    webinar_id: str,
    participant_id: int | None = None,
) -> list[Attendee]:
    """Everyone (or one participant) who earned the webinar's certificate, by id."""
    attendees = await attendance.attendees(webinar_id, participant_id)
    completed = await store.completed_survey(webinar_id) if rule.needs_survey else set()
    return [a for a in attendees if rule.earned(a.minutes, a.participant_id in completed)]


@dataclass(frozen=True)
class Verdict:
    """What a verification found: 'malformed', 'forged' or 'genuine', and for whom."""

    status: str
    code: str
    webinar: Webinar | None = None
    name: str | None = None  # None when erased or unknown here
    known: bool = False  # whether the participant is in the database


async def verify_code(
    store: CertificateStore | None, series: Series, secret: str, text: str
) -> Verdict:
    """Check a code with the key (no database needed), then look up whom it was made for.

    Without a store (no database) a genuine code is reported without a name.
    """
    try:
        code = normalise_code(text)
    except CodeError:
        return Verdict("malformed", text.strip()[:40])
    found = check_code(secret, code, (w.id for w in series.webinars))
    webinar = None if found is None else series.webinar(found.webinar_id)
    if found is None or webinar is None:
        return Verdict("forged", code)
    if store is None:
        return Verdict("genuine", code, webinar)
    known, name = await store.holder_name(found.participant_id)
    return Verdict("genuine", code, webinar, name, known)


class CertificateRuntime:
    """Queues certificates when they are earned and sends the outbox's 'certificate' rows."""

    def __init__(self, services: Services, bot: Bot) -> None:
        """Work with the bot's services (series, settings, texts, database)."""
        self.services = services
        self.bot = bot
        self.store = CertificateStore(services.db)
        self._warned = False

    @property
    def secret(self) -> str | None:
        """The key of the verification codes (None when unset)."""
        return self.services.settings.certificate_secret

    async def plan(self, now: datetime) -> None:
        """Queue a certificate for each newly eligible participant of each ended webinar."""
        rule = self.services.series.certificates
        if not rule.enabled:
            return
        if self.secret is None:
            if not self._warned:
                log.error("certificates are on but CERTIFICATE_SECRET is not set: none are sent")
                self._warned = True
            return
        for webinar in self.services.series.webinars:
            if webinar.ends_at > now:
                continue
            earned = await eligible(self.services.attendance, self.store, rule, webinar.id)
            count = await self.store.queue(webinar.id, (a.participant_id for a in earned), now)
            if count:
                log.info("certificates of %s: %d queued", webinar.id, count)

    async def unwanted(self, delivery: Delivery) -> Outcome | None:
        """Why a queued certificate should not be sent after all, or None."""
        rule = self.services.series.certificates
        if not rule.enabled or self.secret is None:
            return "cancelled", {"last_error": "the series gives no certificates now"}
        if not await self._holder(delivery):
            return "cancelled", {"last_error": "no longer eligible for a certificate"}
        return None

    async def _holder(self, delivery: Delivery) -> Attendee | None:
        """The participant of a row, when still eligible."""
        found = await eligible(
            self.services.attendance,
            self.store,
            self.services.series.certificates,
            delivery.webinar_id or "",
            delivery.participant,
        )
        return found[0] if found else None

    async def send(self, delivery: Delivery) -> Message:
        """Draw and send one certificate, and record it as made."""
        services = self.services
        webinar = services.series.webinar(delivery.webinar_id or "")
        holder = await self._holder(delivery)
        if webinar is None or holder is None or self.secret is None or delivery.telegram_id is None:
            raise LookupError(f"certificate row {delivery.id} is no longer sendable")
        made = await asyncio.to_thread(
            make_certificate, services.texts, services.series, self.secret, webinar, holder
        )
        message = await send_certificate(
            self.bot, services.texts, delivery.telegram_id, webinar, holder.language, made
        )
        await self.store.record(
            holder.participant_id, webinar.id, made.code, made.minutes, services.clock.now()
        )
        return message

"""What a claimed outbox row says, or why it is no longer sent: decided just before sending.

Reminders and notices are rendered once per minute for everyone with the same language and
time zone; survey invitations carry the participant's own response; broadcasts, certificates
and materials are decided by their own runtimes, which also send them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bot.delivery import daily_digest
from bot.delivery.approval import decision_unwanted, digest_buttons
from bot.delivery.calendar_sending import registration_calendar_unwanted
from bot.delivery.digest import digest_line
from bot.delivery.relevance import Outcome, still_wanted
from bot.domain import attendance, survey
from bot.render.messages import compose
from storage.approvals import DECISION_KIND
from storage.daily_digest import DAILY_DIGEST_KIND
from storage.outbox import CALENDAR_KIND, DIGEST_KIND

if TYPE_CHECKING:
    from datetime import datetime

    from bot.delivery.broadcast_sending import BroadcastRuntime
    from bot.delivery.certificates import CertificateRuntime
    from bot.delivery.materials import MaterialsRuntime
    from bot.services import Services
    from storage.outbox import Delivery
    from storage.survey import Response

COMPOSED_KEPT = 2000  # rendered texts kept before the cache starts again


@dataclass(frozen=True)
class Content:
    """The text and buttons of a row (empty when its runtime sends it), and its survey response."""

    text: str
    markup: Any
    response: Response | None = None


class RowContent:
    """Decides, for each claimed row, whether it still goes out and with what text."""

    def __init__(
        self,
        services: Services,
        broadcasts: BroadcastRuntime,
        certificates: CertificateRuntime,
        materials: MaterialsRuntime,
    ) -> None:
        self.services = services
        self.broadcasts = broadcasts
        self.certificates = certificates
        self.materials = materials
        self._composed_texts: dict[tuple[object, ...], tuple[str, Any]] = {}

    async def prepare(self, delivery: Delivery, now: datetime) -> Content | Outcome:
        """The row's content, or the outcome (cancelled, skipped...) that replaces sending it."""
        unwanted = still_wanted(self.services, delivery, now)
        if unwanted is not None:
            return unwanted
        runtime = self._runtime(delivery.kind)
        if runtime is not None:
            unwanted = await runtime.unwanted(delivery)
            return Content("", None) if unwanted is None else unwanted
        if delivery.kind == DIGEST_KIND:
            line = await digest_line(self.services, delivery)
            if line is None:
                return "cancelled", {"last_error": "the participant is no longer registered"}
            return Content(line, await digest_buttons(self.services, delivery))
        if delivery.kind == DECISION_KIND:
            unwanted = await decision_unwanted(self.services, delivery)
            return Content("", None) if unwanted is None else unwanted
        if delivery.kind == CALENDAR_KIND:
            unwanted = await registration_calendar_unwanted(self.services, delivery)
            return Content("", None) if unwanted is None else unwanted
        if delivery.kind == DAILY_DIGEST_KIND:
            digest = await daily_digest.daily_digest_message(self.services, delivery)
            return Content(digest, None) if isinstance(digest, str) else digest
        if delivery.kind in ("survey", "nudge"):
            return await self._survey_message(delivery, now)
        text, markup = self._composed(delivery, now)
        return Content(text, markup)

    def _runtime(
        self, kind: str
    ) -> BroadcastRuntime | CertificateRuntime | MaterialsRuntime | None:
        """The runtime that decides and sends rows of this kind, or None when the sender does."""
        if kind == "broadcast":
            return self.broadcasts
        if kind == "certificate":
            return self.certificates
        if kind == "materials":
            return self.materials
        return None

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
        found = self._composed_texts.get(key)
        if found is None:
            if len(self._composed_texts) > COMPOSED_KEPT:
                self._composed_texts.clear()
            found = self._composed_texts[key] = compose(
                self.services.texts, self.services.series, delivery, minute
            )
        return found

    async def _survey_message(self, delivery: Delivery, now: datetime) -> Content | Outcome:
        """The survey invitation or nudge with the response it belongs to, or why not."""
        services = self.services
        webinar = services.series.webinar(delivery.webinar_id or "")
        assert webinar is not None, "still_wanted cancels rows of webinars no longer in the series"
        response = await services.survey.ensure_response(webinar.id, delivery.participant, now)
        if delivery.kind == "nudge" and response.status in ("completed", "absent"):
            return "cancelled", {"last_error": "already answered"}
        record = await services.attendance.get(delivery.participant, webinar.id)
        recorded, source = (record.attended, record.source) if record else (None, None)
        if not attendance.survey_offered(recorded, source):
            return "cancelled", {"last_error": "absent by the platform's report"}
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
        return Content(text, markup, response)

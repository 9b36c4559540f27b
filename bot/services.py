"""What every handler needs, bundled once per application and reached through the context."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from telegram.ext import Application, CallbackContext, ExtBot

from bot.render.calendar_files import InviteFiles

if TYPE_CHECKING:
    from bot.clock import Clock
    from bot.config import Settings
    from bot.delivery.sender import OutboxSender
    from bot.domain.series import Series
    from bot.render.texts import Texts
    from storage.approvals import ApprovalStore
    from storage.attendance import AttendanceStore
    from storage.calendar_tokens import CalendarTokenStore
    from storage.conversations import ConversationStore
    from storage.database import Database
    from storage.organizers import OrganizerStore
    from storage.outbox import OutboxStore
    from storage.participants import ParticipantStore
    from storage.schedule import ScheduleStore
    from storage.survey import SurveyStore
    from storage.waiting_list import WaitingListStore

SERVICES_KEY = "services"


@dataclass
class Services:
    """The bot's domain objects: settings, series, storage, texts and the clock."""

    settings: Settings
    series: Series
    db: Database
    participants: ParticipantStore
    conversations: ConversationStore
    texts: Texts
    clock: Clock
    outbox: OutboxStore
    schedule: ScheduleStore
    survey: SurveyStore
    organizers: OrganizerStore
    attendance: AttendanceStore
    calendar_tokens: CalendarTokenStore
    approvals: ApprovalStore
    waiting_list: WaitingListStore
    sender: OutboxSender | None = None  # once the bot exists
    invites: InviteFiles = field(default_factory=InviteFiles)

    @property
    def webinar_ids(self) -> list[str]:
        """The series' webinar ids in order."""
        return [w.id for w in self.series.webinars]


class BotContext(CallbackContext[ExtBot[None], dict, dict, dict]):
    """A callback context that knows the application's Services."""

    def __init__(
        self, application: Application, chat_id: int | None = None, user_id: int | None = None
    ) -> None:
        super().__init__(application=application, chat_id=chat_id, user_id=user_id)

    @property
    def services(self) -> Services:
        """The Services this application was built with."""
        return self.application.bot_data[SERVICES_KEY]

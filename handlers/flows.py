"""The registry: every conversation flow and button family, and every command, in one table.

A flow has a name (what `conversations.flow` stores while it is open), the prefix of its
buttons' callback data, the handler of its buttons and, for flows that take typed answers, the
handler of those. The router (handlers/router.py) looks flows up here; the application's wiring
(handlers/__init__.py) is driven by these tables.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Final

from telegram import Update

from bot.render import callback_data
from bot.render.callback_data import Press
from bot.services import BotContext
from handlers import (
    account,
    attendance_upload,
    broadcast,
    certificates,
    delivery_report,
    export,
    materials,
    organizers,
    pending,
    registration,
    schedule,
    speaker_questions,
    stats,
    survey,
    webinar_edit,
)
from handlers.access import is_guarded
from storage.conversations import Conversation

ButtonHandler = Callable[[Update, BotContext, Press], Coroutine[Any, Any, None]]
TextHandler = Callable[[Update, BotContext, Conversation], Coroutine[Any, Any, None]]
CommandHandler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]


@dataclass(frozen=True)
class Flow:
    """A conversation flow or a family of buttons, and the handlers of its input."""

    name: str
    prefix: str
    on_button: ButtonHandler
    on_text: TextHandler | None = None
    organizers_only: bool = False


@dataclass(frozen=True)
class Command:
    """A slash command and its handler."""

    name: str
    handler: CommandHandler

    @property
    def organizers_only(self) -> bool:
        """Whether the handler is guarded by `organizers_only` (and so on the organizers' menu)."""
        return is_guarded(self.handler)


FLOWS: Final = (
    Flow("register", callback_data.REGISTER, registration.button, registration.text_answer),
    Flow("profile", callback_data.PROFILE, registration.profile_button, registration.text_answer),
    Flow("forget", callback_data.FORGET, account.forget_button),
    Flow("mydata", callback_data.MYDATA, account.mydata_file),
    Flow("schedule", callback_data.SCHEDULE, schedule.join_or_leave),
    Flow("calendar", callback_data.CALENDAR, schedule.calendar_file),
    Flow("settings", callback_data.SETTINGS, schedule.toggle_reminders),
    Flow("survey", callback_data.SURVEY, survey.survey_button, survey.text_answer),
    Flow("attending", callback_data.ATTENDING, survey.attending),
    Flow("export", callback_data.EXPORT, export.export_button, organizers_only=True),
    Flow(
        "broadcast",
        callback_data.BROADCAST,
        broadcast.button,
        broadcast.answer,
        organizers_only=True,
    ),
    Flow(
        "organizers",
        callback_data.ORGANIZERS,
        organizers.organizers_button,
        organizers.text_answer,
        organizers_only=True,
    ),
    Flow(
        "webinar",
        callback_data.WEBINAR,
        webinar_edit.webinar_button,
        webinar_edit.text_answer,
        organizers_only=True,
    ),
    Flow(
        "attendance",
        callback_data.ATTENDANCE,
        attendance_upload.button,
        organizers_only=True,
    ),
    Flow(
        "materials",
        callback_data.MATERIALS,
        materials.materials_button,
        materials.text_answer,
        organizers_only=True,
    ),
    Flow("ask", callback_data.ASK, speaker_questions.button, speaker_questions.text_answer),
    Flow("approval", callback_data.APPROVAL, pending.decision_button, organizers_only=True),
)

# A document sent outside any conversation: an organizer's attendance report.
DOCUMENT_OUTSIDE_FLOW: Final = attendance_upload.document

BY_NAME: Final = {flow.name: flow for flow in FLOWS}
BY_PREFIX: Final = {flow.prefix: flow for flow in FLOWS}

# Every command; handlers/menus.py lists them by role, in the menus' order.
COMMANDS: Final = (
    Command("start", registration.start),
    Command("schedule", schedule.schedule),
    Command("feedback", survey.feedback),
    Command("profile", account.profile),
    Command("settings", schedule.settings),
    Command("mydata", account.mydata),
    Command("forget", account.forget),
    Command("ask", speaker_questions.ask_command),
    Command("materials", materials.materials_command),
    Command("certificate", certificates.certificate_command),
    Command("verify", certificates.verify_command),
    Command("help", account.help_command),
    Command("cancel", account.cancel),
    Command("stats", stats.stats_command),
    Command("report", stats.report_command),
    Command("export", export.export_command),
    Command("broadcast", broadcast.broadcast_command),
    Command("delivery", delivery_report.delivery),
    Command("organizers", organizers.organizers),
    Command("webinar", webinar_edit.webinar_command),
    Command("questions", speaker_questions.questions_command),
    Command("pending", pending.pending_command),
)

"""Telegram handlers, wired in one place."""

from __future__ import annotations

import html
import logging

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from bot.services import BotContext
from handlers import (
    account,
    broadcast,
    certificates,
    delivery_report,
    export,
    materials,
    organizers,
    registration,
    schedule,
    speaker_questions,
    stats,
    survey,
    webinar_edit,
)

log = logging.getLogger(__name__)

COMMANDS = (
    "start",
    "schedule",
    "feedback",
    "profile",
    "settings",
    "mydata",
    "forget",
    "ask",
    "materials",
    "certificate",
    "verify",
    "help",
    "cancel",
)


def register_handlers(application: Application) -> None:
    """Attach every handler of the bot to the application."""
    private = filters.ChatType.PRIVATE
    application.add_handler(MessageHandler(private, reachable_again), group=-1)
    application.add_handler(CommandHandler("start", registration.start, filters=private))
    application.add_handler(CommandHandler("schedule", schedule.schedule, filters=private))
    application.add_handler(CommandHandler("settings", schedule.settings, filters=private))
    application.add_handler(CommandHandler("feedback", survey.feedback, filters=private))
    application.add_handler(CommandHandler("delivery", delivery_report.delivery, filters=private))
    application.add_handler(CommandHandler("export", export.export_command, filters=private))
    application.add_handler(CommandHandler("stats", stats.stats_command, filters=private))
    application.add_handler(CommandHandler("report", stats.report_command, filters=private))
    application.add_handler(
        CommandHandler("broadcast", broadcast.broadcast_command, filters=private)
    )
    application.add_handler(CommandHandler("organizers", organizers.organizers, filters=private))
    application.add_handler(
        CommandHandler("webinar", webinar_edit.webinar_command, filters=private)
    )
    application.add_handler(CommandHandler("profile", account.profile, filters=private))
    application.add_handler(CommandHandler("mydata", account.mydata, filters=private))
    application.add_handler(CommandHandler("forget", account.forget, filters=private))
    application.add_handler(CommandHandler("help", account.help_command, filters=private))
    application.add_handler(
        CommandHandler("certificate", certificates.certificate_command, filters=private)
    )
    application.add_handler(CommandHandler("verify", certificates.verify_command, filters=private))
    application.add_handler(
        CommandHandler("materials", materials.materials_command, filters=private)
    )
    application.add_handler(CommandHandler("ask", speaker_questions.ask_command, filters=private))
    application.add_handler(
        CommandHandler("questions", speaker_questions.questions_command, filters=private)
    )
    application.add_handler(CommandHandler("cancel", account.cancel, filters=private))
    application.add_handler(CallbackQueryHandler(account.profile_field, pattern=r"^p:menu:"))
    application.add_handler(CallbackQueryHandler(account.forget_button, pattern=r"^f:confirm:"))
    application.add_handler(CallbackQueryHandler(registration.button, pattern=r"^[rp]:[a-z_]+:"))
    application.add_handler(CallbackQueryHandler(schedule.join_or_leave, pattern=r"^s:"))
    application.add_handler(CallbackQueryHandler(schedule.calendar_file, pattern=r"^cal:"))
    application.add_handler(CallbackQueryHandler(survey.survey_button, pattern=r"^sv:"))
    application.add_handler(CallbackQueryHandler(survey.attending, pattern=r"^att:"))
    application.add_handler(
        CallbackQueryHandler(schedule.toggle_reminders, pattern=r"^set:reminders:")
    )
    application.add_handler(CallbackQueryHandler(export.export_button, pattern=r"^x:"))
    application.add_handler(CallbackQueryHandler(organizers.organizers_button, pattern=r"^org:"))
    application.add_handler(CallbackQueryHandler(webinar_edit.webinar_button, pattern=r"^wb:"))
    application.add_handler(CallbackQueryHandler(broadcast.button, pattern=r"^bc:"))
    application.add_handler(CallbackQueryHandler(materials.materials_button, pattern=r"^mt:"))
    application.add_handler(
        CallbackQueryHandler(speaker_questions.ask_button, pattern=r"^ask:\d{1,3}$")
    )
    application.add_handler(
        CallbackQueryHandler(speaker_questions.question_button, pattern=r"^aq:")
    )
    application.add_handler(CallbackQueryHandler(stale_button))
    application.add_handler(
        MessageHandler(
            private & (filters.PHOTO | filters.Document.ALL) & ~filters.UpdateType.EDITED,
            broadcast.media,
        )
    )
    application.add_handler(
        MessageHandler(
            private & ~filters.COMMAND & ~filters.UpdateType.EDITED, registration.text_answer
        )
    )
    application.add_handler(MessageHandler(private & filters.COMMAND, account.unknown))
    application.add_error_handler(error_handler)


async def reachable_again(update: Update, context: BotContext) -> None:
    """A participant marked unreachable (blocked the bot) who writes again is reachable."""
    if update.effective_user is not None:
        await context.services.participants.clear_unreachable(update.effective_user.id)


async def stale_button(update: Update, context: BotContext) -> None:
    """Answer a button press whose data is not ours (forged or from an old version)."""
    query = update.callback_query
    assert query is not None
    lang = "es" if (query.from_user.language_code or "").startswith("es") else "en"
    await query.answer(context.services.texts.label(lang, "toasts.invalid"))


async def error_handler(update: object, context: BotContext) -> None:
    """Log the error with its traceback and tell the user politely when there is one."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.callback_query is not None:
        try:
            await update.callback_query.answer()
        except Exception:  # noqa: BLE001 - the query may be too old; nothing more to do
            log.debug("could not answer the callback query after an error")
    try:
        user = update.effective_user
        lang = "es" if user and (user.language_code or "").startswith("es") else "en"
        await update.effective_chat.send_message(
            context.services.texts.render(lang, "error_internal"), parse_mode=ParseMode.HTML
        )
    except Exception:  # noqa: BLE001 - reporting the failure must not fail again
        log.warning(
            "could not tell the user about an error: %s", html.escape(str(context.error))[:200]
        )

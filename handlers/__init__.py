"""Telegram handlers, wired in one place."""

from __future__ import annotations

import html
import logging
from typing import TYPE_CHECKING

from telegram import Update
from telegram.ext import Application, CallbackQueryHandler, CommandHandler, MessageHandler, filters

from handlers.flow import unknown, user_language
from handlers.flows import COMMANDS
from handlers.menus import menu_on_first_message
from handlers.router import route_button, route_message

if TYPE_CHECKING:
    from bot.services import BotContext

log = logging.getLogger(__name__)


def register_handlers(application: Application) -> None:
    """Attach every handler of the bot to the application, from the registry."""
    private = filters.ChatType.PRIVATE & ~filters.UpdateType.EDITED  # an edit never runs a command
    application.add_handler(MessageHandler(private, menu_on_first_message), group=-2)
    application.add_handler(MessageHandler(private, reachable_again), group=-1)
    for command in COMMANDS:
        application.add_handler(CommandHandler(command.name, command.handler, filters=private))
    application.add_handler(CallbackQueryHandler(route_button))
    application.add_handler(
        MessageHandler(private & ~filters.COMMAND & ~filters.UpdateType.EDITED, route_message)
    )
    application.add_handler(MessageHandler(private & filters.COMMAND, unknown))
    application.add_error_handler(error_handler)


async def reachable_again(update: Update, context: BotContext) -> None:
    """A participant marked unreachable (blocked the bot) who writes again is reachable."""
    if update.effective_user is not None:
        await context.services.participants.clear_unreachable(update.effective_user.id)


async def error_handler(update: object, context: BotContext) -> None:
    """Log the error with its traceback and tell the user politely when there is one."""
    log.error("error while handling an update", exc_info=context.error)
    if not isinstance(update, Update) or update.effective_chat is None:
        return
    if update.callback_query is not None:
        try:
            await update.callback_query.answer()
        except Exception:
            log.debug("could not answer the callback query after an error")
    try:
        lang = user_language(update.effective_user)
        await update.effective_chat.send_message(
            context.services.texts.render(lang, "error_internal")
        )
    except Exception:
        log.warning(
            "could not tell the user about an error: %s", html.escape(str(context.error))[:200]
        )

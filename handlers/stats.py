"""/stats and /report (organizers only): the statistics with charts, and the narrative report.

Anyone else gets the generic "did not understand" reply and nothing more. The numbers are read
in a thread from the database file (read-only, one snapshot), so the bot keeps answering.
"""

from __future__ import annotations

import asyncio

from telegram import Update
from telegram.constants import ParseMode

from bot.domain.catalogue import language_for
from bot.reporting.export_rows import ExportError
from bot.reporting.narrative import FORMATS, make_report
from bot.reporting.stats_message import collect
from bot.services import BotContext
from handlers.access import is_organizer, record_action
from handlers.account import unknown


def _lang(update: Update) -> str:
    """The organizer's language, from Telegram's language code."""
    user = update.effective_user
    return language_for(user.language_code if user else None)


async def stats_command(update: Update, context: BotContext) -> None:
    """/stats: the statistics as a message, then one photo per chart."""
    user, chat = update.effective_user, update.effective_chat
    if not await is_organizer(context, user.id if user else None) or chat is None:
        await unknown(update, context)  # others learn nothing, not even that it exists
        return
    assert user is not None
    services, lang = context.services, _lang(update)
    try:
        text, charts = await asyncio.to_thread(
            collect, services.settings.database_path, services.series, services.texts, lang
        )
    except ExportError as exc:
        await chat.send_message(services.texts.label(lang, "stats.failed").format(error=exc))
        return
    await chat.send_message(text, parse_mode=ParseMode.HTML)
    for chart in charts:
        await context.bot.send_photo(chat.id, photo=chart.png, caption=chart.title)
    await record_action(context, user.id, "stats", charts=len(charts))


async def report_command(update: Update, context: BotContext) -> None:
    """/report [md|html] [webinar-id]: the narrative report as a document."""
    user, chat = update.effective_user, update.effective_chat
    if not await is_organizer(context, user.id if user else None) or chat is None:
        await unknown(update, context)
        return
    assert user is not None
    services, lang = context.services, _lang(update)
    texts = services.texts
    args = [arg.lower() for arg in context.args or []]
    fmt = args.pop(0) if args and args[0] in FORMATS else "html"
    if len(args) > 1:
        await chat.send_message(texts.label(lang, "stats.usage"))
        return
    webinar = args[0] if args else None
    try:
        report = await asyncio.to_thread(
            make_report, services.settings.database_path, services.series, webinar, fmt
        )
    except ExportError as exc:
        await chat.send_message(texts.label(lang, "stats.failed").format(error=exc))
        return
    day = services.clock.now().date().isoformat()
    name = f"report-{webinar + '-' if webinar else ''}{day}.{fmt}"
    caption = (
        texts.label(lang, "stats.report_caption_webinar").format(webinar=webinar, fmt=fmt.upper())
        if webinar
        else texts.label(lang, "stats.report_caption").format(fmt=fmt.upper())
    )
    await context.bot.send_document(
        chat.id, document=report.encode("utf-8"), filename=name, caption=caption
    )
    await record_action(context, user.id, "report", format=fmt, webinar=webinar)

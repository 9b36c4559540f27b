"""/stats and /report (organizers only): the statistics with charts, and the narrative report.

Anyone else gets the generic "did not understand" reply and nothing more. The numbers are read
in a thread from the database file (read-only, one snapshot), so the bot keeps answering.
"""

from __future__ import annotations

import asyncio
import html
from typing import TYPE_CHECKING

from bot.reporting.export_rows import REPORT_FORMATS, ExportError
from bot.reporting.narrative import make_report_file
from bot.reporting.stats_message import read_summary, stats_charts, stats_text
from handlers.access import organizers_only, record_action
from handlers.flow import user_language

if TYPE_CHECKING:
    from telegram import Update

    from bot.services import BotContext


@organizers_only
async def stats_command(update: Update, context: BotContext) -> None:
    """/stats: "Preparing…" at once, replaced by the statistics; then one photo per chart.

    The message comes as soon as the numbers are read; the charts (slower to draw) follow.
    """
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    services, lang = context.services, user_language(user)
    working = await chat.send_message(services.texts.label(lang, "stats.preparing"))
    now = services.clock.now()
    try:
        summary = await asyncio.to_thread(
            read_summary, services.settings.database_path, services.series
        )
    except ExportError as exc:
        await working.edit_text(
            services.texts.label(lang, "stats.failed").format(error=html.escape(str(exc)))
        )
        return
    waiting = {w: o.waiting for w, o in (await services.waiting_list.occupancy()).items()}
    text = stats_text(summary, services.series, services.texts, lang, now, waiting)
    awaiting = await services.approvals.count_awaiting()
    if awaiting:
        note = services.texts.label(lang, "stats.awaiting_approval").format(n=awaiting)
        text = "\n\n".join((text, note))
    await working.edit_text(text)
    charts = await asyncio.to_thread(
        stats_charts, summary, services.series, services.texts, lang, now
    )
    for chart in charts:
        await context.bot.send_photo(chat.id, photo=chart.png, caption=html.escape(chart.title))
    await record_action(context, user.id, "stats", charts=len(charts))


@organizers_only
async def report_command(update: Update, context: BotContext) -> None:
    """/report [md|html|docx] [webinar-id]: the narrative report as a document."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    services, lang = context.services, user_language(user)
    texts = services.texts
    args = [arg.lower() for arg in context.args or []]
    fmt = args.pop(0) if args and args[0] in REPORT_FORMATS else "html"
    if len(args) > 1:
        await chat.send_message(texts.label(lang, "stats.usage"))
        return
    webinar = args[0] if args else None
    now = services.clock.now()
    try:
        report = await asyncio.to_thread(
            make_report_file, services.settings.database_path, services.series, webinar, fmt, now
        )
    except ExportError as exc:
        await chat.send_message(
            texts.label(lang, "stats.failed").format(error=html.escape(str(exc)))
        )
        return
    day = now.date().isoformat()
    name = f"report-{webinar + '-' if webinar else ''}{day}.{fmt}"
    caption = (
        texts.label(lang, "stats.report_caption_webinar").format(
            webinar=html.escape(webinar), fmt=fmt.upper()
        )
        if webinar
        else texts.label(lang, "stats.report_caption").format(fmt=fmt.upper())
    )
    await context.bot.send_document(chat.id, document=report, filename=name, caption=caption)
    await record_action(context, user.id, "report", format=fmt, webinar=webinar)

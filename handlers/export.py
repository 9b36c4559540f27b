"""/export (organizers only): participants, attendance or feedback as a file in the chat.

`/export` shows buttons (what, then the format); `/export feedback xlsx [webinar-id]` exports at
once. Anyone else gets the generic "did not understand" reply, and a pressed export button is
checked again, so a replayed or forwarded button does nothing for a non-organizer. The export
runs in a thread against the database file (read-only), so the bot keeps answering meanwhile.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Final

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Message, Update, User

from bot.domain.catalogue import language_for
from bot.render.texts import Texts
from bot.reporting.export_rows import FORMATS, KINDS, ExportError
from bot.reporting.export_writers import ExportRequest, run_export
from bot.services import BotContext
from handlers.access import is_organizer, record_action
from handlers.account import unknown

TELEGRAM_UPLOAD_LIMIT: Final = 50 * 1024 * 1024


def _lang(user: User | None) -> str:
    """The organizer's language, from Telegram's language code."""
    return language_for(user.language_code if user else None)


def file_name(kind: str, fmt: str, webinar: str | None, day: str) -> str:
    """The document's name, e.g. feedback-2027-01-20.xlsx or attendance-webinar-2-….csv."""
    return f"{kind}-{webinar + '-' if webinar else ''}{day}.{fmt}"


def kind_keyboard(texts: Texts, lang: str) -> InlineKeyboardMarkup:
    """Buttons to pick what to export."""
    return InlineKeyboardMarkup(
        [
            [InlineKeyboardButton(texts.label(lang, f"export.{kind}"), callback_data=f"x:k:{kind}")]
            for kind in KINDS
        ]
    )


def format_keyboard(kind: str) -> InlineKeyboardMarkup:
    """Buttons to pick the format of an export."""
    return InlineKeyboardMarkup(
        [[InlineKeyboardButton(fmt.upper(), callback_data=f"x:f:{kind}:{fmt}") for fmt in FORMATS]]
    )


async def export_command(update: Update, context: BotContext) -> None:
    """/export: buttons, or an export straight from its arguments."""
    user, message = update.effective_user, update.effective_message
    if not await is_organizer(context, user.id if user else None) or message is None:
        await unknown(update, context)  # others learn nothing, not even that it exists
        return
    texts, lang = context.services.texts, _lang(user)
    args = list(context.args or [])
    if not args:
        await message.reply_text(
            texts.label(lang, "export.ask_kind"), reply_markup=kind_keyboard(texts, lang)
        )
        return
    kind, fmt = args[0].lower(), (args[1].lower() if len(args) > 1 else "xlsx")
    webinar = args[2] if len(args) > 2 else None
    if kind not in KINDS or fmt not in FORMATS or len(args) > 3:
        await message.reply_text(texts.label(lang, "export.usage"))
        return
    await send_export(context, message, lang, kind, fmt, webinar)


async def export_button(update: Update, context: BotContext) -> None:
    """The export buttons: check the presser again, then ask the format or export."""
    query = update.callback_query
    assert query is not None
    texts, lang = context.services.texts, _lang(query.from_user)
    if not await is_organizer(context, query.from_user.id):
        await query.answer(texts.label(lang, "toasts.invalid"))
        return
    parts = (query.data or "").split(":")
    message = query.message if isinstance(query.message, Message) else None
    if len(parts) == 3 and parts[1] == "k" and parts[2] in KINDS and message is not None:
        await query.answer()
        kind = texts.label(lang, f"export.{parts[2]}")
        await message.edit_text(
            texts.label(lang, "export.ask_format").format(kind=kind),
            reply_markup=format_keyboard(parts[2]),
        )
        return
    if (
        len(parts) == 4
        and parts[1] == "f"
        and parts[2] in KINDS
        and parts[3] in FORMATS
        and message is not None
    ):
        await query.answer(texts.label(lang, "export.preparing"))
        kind = texts.label(lang, f"export.{parts[2]}")
        await message.edit_text(
            texts.label(lang, "export.exporting").format(kind=kind, fmt=parts[3].upper())
        )
        await send_export(context, message, lang, parts[2], parts[3], None)
        return
    await query.answer(texts.label(lang, "toasts.invalid"))


async def send_export(
    context: BotContext, message: Message, lang: str, kind: str, fmt: str, webinar: str | None
) -> None:
    """Make the export in a thread into a temporary file and send it as a document."""
    services = context.services
    texts = services.texts
    day = services.clock.now().date().isoformat()
    name = file_name(kind, fmt, webinar, day)
    with tempfile.TemporaryDirectory(prefix="webinar-export-") as folder:
        path = Path(folder) / name
        try:
            rows = await asyncio.to_thread(
                run_export,
                services.settings.database_path,
                services.series,
                ExportRequest(kind, fmt, webinar, path),
            )
        except ExportError as exc:
            await message.chat.send_message(texts.label(lang, "export.failed").format(error=exc))
            return
        if path.stat().st_size > TELEGRAM_UPLOAD_LIMIT:
            command = f"webinar-bot export {kind} --format {fmt} --out {name}"
            await message.chat.send_message(
                texts.label(lang, "export.too_big").format(fmt=fmt.upper(), command=command)
            )
            return
        caption = texts.label(lang, "export.caption_webinar" if webinar else "export.caption")
        with path.open("rb") as handle:
            await context.bot.send_document(
                message.chat.id,
                document=handle,
                filename=name,
                caption=caption.format(
                    kind=texts.label(lang, f"export.{kind}"), rows=rows, webinar=webinar
                ),
            )
    await record_action(
        context, message.chat.id, "export", kind=kind, format=fmt, webinar=webinar, rows=rows
    )

"""/export (organizers only): participants, attendance or feedback as a file in the chat.

`/export` shows buttons (what, then the format); `/export feedback xlsx [webinar-id]` exports at
once. Anyone else gets the generic "did not understand" reply, and a pressed export button is
checked again, so a replayed or forwarded button does nothing for a non-organizer. The export
runs in a thread against the database file (read-only), so the bot keeps answering meanwhile.
"""

from __future__ import annotations

import asyncio
import html
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING, Final

from telegram import Message, Update

from bot.render.organizer_keyboards import export_formats_keyboard, export_kinds_keyboard
from bot.reporting.export_rows import FORMATS, KINDS, ExportError
from bot.reporting.export_writers import ExportRequest, count_export, run_export
from handlers.access import organizers_only, record_action
from handlers.flow import user_language

if TYPE_CHECKING:
    from bot.render.callback_data import Press
    from bot.services import BotContext

TELEGRAM_UPLOAD_LIMIT: Final = 50 * 1024 * 1024


def file_name(kind: str, fmt: str, webinar: str | None, day: str) -> str:
    """The document's name, e.g. feedback-2027-01-20.xlsx or attendance-webinar-2-….csv."""
    return f"{kind}-{webinar + '-' if webinar else ''}{day}.{fmt}"


@organizers_only
async def export_command(update: Update, context: BotContext) -> None:
    """/export: buttons, or an export straight from its arguments."""
    user, message = update.effective_user, update.effective_message
    if message is None:
        return
    texts, lang = context.services.texts, user_language(user)
    args = list(context.args or [])
    if not args:
        await message.reply_text(
            texts.label(lang, "export.ask_kind"),
            reply_markup=export_kinds_keyboard(texts, lang, KINDS),
        )
        return
    kind, fmt = args[0].lower(), (args[1].lower() if len(args) > 1 else "xlsx")
    webinar = args[2] if len(args) > 2 else None
    if kind not in KINDS or fmt not in FORMATS or len(args) > 3:
        await message.reply_text(texts.label(lang, "export.usage"))
        return
    await send_export(context, message, lang, kind, fmt, webinar)


async def export_button(update: Update, context: BotContext, press: Press) -> None:
    """The export buttons (the router checked the presser again): ask the format, or export."""
    query = update.callback_query
    assert query is not None
    texts, lang = context.services.texts, user_language(query.from_user)
    parts = ["x", *press.parts]
    message = query.message if isinstance(query.message, Message) else None
    if len(parts) == 3 and parts[1] == "k" and parts[2] in KINDS and message is not None:
        await query.answer()
        kind = texts.label(lang, f"export.{parts[2]}")
        await message.edit_text(
            texts.label(lang, "export.ask_format").format(kind=kind),
            reply_markup=export_formats_keyboard(parts[2], FORMATS),
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
            await message.chat.send_message(
                texts.label(lang, "export.failed").format(error=html.escape(str(exc)))
            )
            return
        if path.stat().st_size > TELEGRAM_UPLOAD_LIMIT:
            command = f"webinar-bot export {kind} --format {fmt} --out {name}"
            await message.chat.send_message(
                texts.label(lang, "export.too_big").format(fmt=fmt.upper(), command=command)
            )
            return
        counts = await asyncio.to_thread(
            count_export, services.settings.database_path, kind, webinar
        )
        caption = texts.render(
            lang,
            "export_caption",
            kind=texts.label(lang, f"export.{kind}"),
            fmt=fmt.upper(),
            webinar=webinar,
            counts=counts,
        )
        with path.open("rb") as handle:
            await context.bot.send_document(
                message.chat.id, document=handle, filename=name, caption=caption
            )
    await record_action(
        context, message.chat.id, "export", kind=kind, format=fmt, webinar=webinar, rows=rows
    )

"""An organizer sends a platform's attendance report as a document: webinar, summary, confirm.

The file stays on Telegram's servers: the conversation keeps its file id, so the summary and
the import read the same file, and a restart in between loses nothing. Nothing is written
before Confirm.
"""

from __future__ import annotations

import html
from pathlib import PurePath
from typing import TYPE_CHECKING, Final

from telegram import Message, Update
from telegram.error import TelegramError

from bot.render.organizer_keyboards import attendance_confirm_keyboard, attendance_webinars_keyboard
from bot.reporting.attendance.importing import apply, prepare
from bot.reporting.attendance.reading import MAX_BYTES, AttendanceFileError
from bot.reporting.attendance.summary import summary_lines
from handlers.access import organizers_only, record_action
from handlers.flow import replace_or_send, user_language
from storage.conversations import Conversation

if TYPE_CHECKING:
    from bot.domain.series import Webinar
    from bot.render.callback_data import Press
    from bot.reporting.attendance.plan import ImportPlan
    from bot.services import BotContext

FLOW: Final = "attendance"
CSV_NAMES: Final = (".csv", ".tsv", ".txt")
CSV_TYPES: Final = ("text/", "application/csv", "application/vnd.ms-excel")
SHOWN_CHARACTERS: Final = 3500
MAX_CHOICES: Final = 8


def _text(context: BotContext, lang: str, key: str, **values: object) -> str:
    """An attendance label with its values filled in."""
    return context.services.texts.label(lang, f"attendance.{key}").format(**values)


@organizers_only
async def document(update: Update, context: BotContext) -> None:
    """An organizer's document outside any dialogue: an attendance report to import."""
    user, message = update.effective_user, update.effective_message
    services = context.services
    if user is None or message is None or message.document is None:
        return
    lang, file = user_language(user), message.document
    name = file.file_name or "report"
    if (file.file_size or 0) > MAX_BYTES:
        await message.reply_text(_text(context, lang, "too_big"))
        return
    mime = (file.mime_type or "").lower()
    if PurePath(name).suffix.lower() not in CSV_NAMES and not mime.startswith(CSV_TYPES):
        await message.reply_text(_text(context, lang, "not_csv"))
        return
    now = services.clock.now()
    started = sorted(
        (w for w in services.series.webinars if w.starts_at <= now),
        key=lambda w: w.ends_at,
        reverse=True,
    )[:MAX_CHOICES]
    if not started:
        await message.reply_text(_text(context, lang, "no_webinar"))
        return
    await services.conversations.save(
        Conversation(user.id, FLOW, "webinar", {"file": file.file_id, "name": name, "lang": lang}),
        now,
    )
    ids = [w.id for w in services.series.webinars]
    choices = [(w.title_for(lang), ids.index(w.id)) for w in started]
    await message.reply_text(
        _text(context, lang, "choose_webinar", file=name),
        reply_markup=attendance_webinars_keyboard(choices, _text(context, lang, "cancel")),
    )


async def _plan(context: BotContext, conv: Conversation, webinar: Webinar) -> ImportPlan:
    """Download the conversation's file and work out the import; raises AttendanceFileError."""
    try:
        telegram_file = await context.bot.get_file(str(conv.data["file"]))
        if (telegram_file.file_size or 0) > MAX_BYTES:
            raise AttendanceFileError(f"larger than {MAX_BYTES // 1024 // 1024} MB")
        raw = bytes(await telegram_file.download_as_bytearray())
    except TelegramError as exc:
        raise AttendanceFileError(f"the file could not be downloaded ({exc.message})") from None
    services = context.services
    return await prepare(services.attendance, services.series, webinar, raw)


def _shown(lines: list[str], more: str) -> str:
    """The summary, cut to fit one message."""
    shown: list[str] = []
    used = 0
    for index, line in enumerate(lines):
        if used + len(line) > SHOWN_CHARACTERS:
            shown.append(more.format(count=len(lines) - index))
            break
        shown.append(line)
        used += len(line) + 1
    return "\n".join(shown)


async def button(update: Update, context: BotContext, press: Press) -> None:
    """Pick the webinar ("w") to see the summary, "ok" to record it, "no" to cancel."""
    query, services = update.callback_query, context.services
    assert query is not None
    lang = user_language(query.from_user)
    conv = await services.conversations.get(query.from_user.id)
    if conv is None or conv.flow != FLOW:
        await query.answer(services.texts.label(lang, "toasts.stale"))
        return
    lang = str(conv.data.get("lang", lang))
    message = query.message if isinstance(query.message, Message) else None
    parts = [press.prefix, *press.parts]
    if parts[1:] == ["no"]:
        await query.answer()
        await services.conversations.delete(query.from_user.id)
        await replace_or_send(
            context, message, query.from_user.id, html.escape(_text(context, lang, "cancelled"))
        )
        return
    choice = parts[2] if len(parts) == 3 and parts[1] == "w" else str(conv.data.get("webinar"))
    webinars = services.series.webinars
    valid = choice.isdigit() and int(choice) < len(webinars)
    expected = "webinar" if parts[1] == "w" else "confirm"
    if not valid or conv.step != expected or parts[1] not in ("w", "ok"):
        await query.answer(services.texts.label(lang, "toasts.stale"))
        return
    await query.answer()
    webinar = webinars[int(choice)]
    try:
        plan = await _plan(context, conv, webinar)
    except AttendanceFileError as exc:
        await services.conversations.delete(query.from_user.id)
        refusal = html.escape(_text(context, lang, "refused", reason=exc))
        await replace_or_send(context, message, query.from_user.id, refusal)
        return
    if parts[1] == "w":
        await _show(context, conv, plan, webinar, message)
        return
    now = services.clock.now()
    actor = f"organizer {query.from_user.id} ({conv.data['name']})"
    changed, kept = await apply(services.attendance, webinar, plan, actor, now)
    await services.conversations.delete(query.from_user.id)
    await record_action(
        context,
        query.from_user.id,
        "attendance.imported",
        webinar=webinar.id,
        file=str(conv.data["name"]),
        changed=changed,
    )
    same = len(plan.attendees) - changed - kept
    text = _text(
        context, lang, "recorded", webinar=webinar.title_for(lang), changed=changed, same=same
    )
    if kept:
        text += " " + _text(context, lang, "kept", count=kept)
    await replace_or_send(context, message, query.from_user.id, html.escape(text))


async def _show(
    context: BotContext,
    conv: Conversation,
    plan: ImportPlan,
    webinar: Webinar,
    message: Message | None,
) -> None:
    """Show the summary with Confirm and Cancel, and wait for the answer."""
    services = context.services
    lang = str(conv.data["lang"])
    conv.step = "confirm"
    conv.data["webinar"] = str(services.series.webinars.index(webinar))
    await services.conversations.save(conv, services.clock.now())
    lines = summary_lines(plan, services.series.timezone, services.series.attendance_min_minutes)
    body = _shown(lines, _text(context, lang, "more", count="{count}"))
    text = (
        f"<b>{html.escape(_text(context, lang, 'summary_title', webinar=webinar.title_for(lang)))}"
        f"</b>\n<pre>{html.escape(body)}</pre>"
    )
    markup = attendance_confirm_keyboard(
        _text(context, lang, "confirm"), _text(context, lang, "cancel")
    )
    await replace_or_send(context, message, conv.telegram_id, text, markup)

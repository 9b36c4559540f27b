"""/materials: for participants, the materials and recordings of their webinars."""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import LinkPreviewOptions
from telegram.constants import ParseMode

from handlers.flow import draft_language

if TYPE_CHECKING:
    from telegram import Update

    from bot.services import BotContext


async def materials_command(update: Update, context: BotContext) -> None:
    """List the materials and recordings of the webinars the participant registered for."""
    services, user, chat = context.services, update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    participant = await services.participants.get(user.id)
    lang = participant.language if participant else draft_language(None, user)
    mine = set(participant.webinar_ids) if participant else set()
    shown = [
        {
            "title": w.title_for(lang),
            "materials": [{"title": m.title, "url": m.url} for m in w.materials],
            "recording_url": w.recording_url,
        }
        for w in services.series.webinars
        if w.id in mine and (w.materials or w.recording_url)
    ]
    await chat.send_message(
        services.texts.render(lang, "materials_list", mt_webinars=shown),
        parse_mode=ParseMode.HTML,
        link_preview_options=LinkPreviewOptions(is_disabled=True),
    )

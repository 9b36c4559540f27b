"""/delivery (organizers only): what the outbox sent, skipped or could not deliver."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode

from bot.clock import from_iso
from bot.domain.catalogue import language_for
from bot.services import BotContext
from handlers.access import is_organizer
from handlers.account import unknown


async def delivery(update: Update, context: BotContext) -> None:
    """Show what the outbox sent, skipped or could not deliver, and who is unreachable."""
    user = update.effective_user
    if not await is_organizer(context, user.id if user else None):
        await unknown(update, context)  # others learn nothing, not even that it exists
        return
    assert update.effective_chat is not None and user is not None
    services = context.services
    rows = await services.outbox.summary()
    total, unreachable = await services.outbox.unreachable()
    lang = language_for(user.language_code)
    text = services.texts.render(
        lang,
        "delivery",
        rows=rows,
        unreachable_total=total,
        unreachable=[
            {
                "name": r["full_name"] or "—",
                "country": r["country"],
                "when": from_iso(r["unreachable_at"]),
                "reason": r["unreachable_reason"],
            }
            for r in unreachable
        ],
        zone=services.series.timezone.key,
    )
    await update.effective_chat.send_message(text, parse_mode=ParseMode.HTML)

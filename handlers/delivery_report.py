"""/delivery (organizers only): what the outbox sent, skipped or could not deliver."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.clock import from_iso
from handlers.access import organizers_only
from handlers.flow import user_language

if TYPE_CHECKING:
    from telegram import Update

    from bot.services import BotContext


@organizers_only
async def delivery(update: Update, context: BotContext) -> None:
    """Show what the outbox sent, skipped or could not deliver, and who is unreachable."""
    user = update.effective_user
    assert update.effective_chat is not None and user is not None
    services = context.services
    rows = await services.outbox.summary()
    total, unreachable = await services.outbox.unreachable()
    lang = user_language(user)
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
    await update.effective_chat.send_message(text)

"""Organizer commands (only for the ids in ADMIN_IDS): the delivery report."""

from __future__ import annotations

from telegram import Update
from telegram.constants import ParseMode

from bot.clock import from_iso
from bot.services import BotContext
from handlers.account import unknown


async def is_organizer(context: BotContext, user_id: int | None) -> bool:
    """Whether this Telegram user is an organizer: in ADMIN_IDS or added in the chat."""
    if user_id is None:
        return False
    if user_id in context.services.settings.admin_ids:
        return True
    return user_id in await context.services.organizers.ids()


async def record_action(context: BotContext, user_id: int, action: str, **detail: object) -> None:
    """Record what an organizer did: who, when, what."""
    await context.services.organizers.record(user_id, action, detail,
                                             context.services.clock.now())


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
    lang = "es" if (user.language_code or "").startswith("es") else "en"
    text = services.texts.render(
        lang, "delivery", rows=rows, unreachable_total=total,
        unreachable=[{"name": r["full_name"] or "—", "country": r["country"],
                      "when": from_iso(r["unreachable_at"]), "reason": r["unreachable_reason"]}
                     for r in unreachable],
        zone=services.series.timezone.key,
    )
    await update.effective_chat.send_message(text, parse_mode=ParseMode.HTML)

"""Who is an organizer (ADMIN_IDS or added in the chat), and the record of what organizers do."""

from __future__ import annotations

from bot.services import BotContext


async def is_organizer(context: BotContext, user_id: int | None) -> bool:
    """Whether this Telegram user is an organizer: in ADMIN_IDS or added in the chat."""
    if user_id is None:
        return False
    if user_id in context.services.settings.admin_ids:
        return True
    return user_id in await context.services.organizers.ids()


async def record_action(context: BotContext, user_id: int, action: str, **detail: object) -> None:
    """Record what an organizer did: who, when, what."""
    await context.services.organizers.record(user_id, action, detail, context.services.clock.now())

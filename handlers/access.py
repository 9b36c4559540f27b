"""Who is an organizer, the `organizers_only` guard, and the record of what organizers do."""

from __future__ import annotations

import functools
from collections.abc import Callable, Coroutine
from typing import Any

from telegram import Update

from bot.services import BotContext
from handlers.flow import unknown

Handler = Callable[[Update, BotContext], Coroutine[Any, Any, None]]
_GUARDED = "organizers_only"


async def is_organizer(context: BotContext, user_id: int | None) -> bool:
    """Whether this Telegram user is an organizer: in ADMIN_IDS or added in the chat."""
    if user_id is None:
        return False
    if user_id in context.services.settings.admin_ids:
        return True
    return user_id in await context.services.organizers.ids()


def organizers_only(handler: Handler) -> Handler:
    """Run a command for organizers; anyone else gets the generic "did not understand" reply.

    Others learn nothing, not even that the command exists.
    """

    @functools.wraps(handler)
    async def checked(update: Update, context: BotContext) -> None:
        """Check the sender, then run the command."""
        user = update.effective_user
        if update.effective_chat is None or not await is_organizer(
            context, user.id if user else None
        ):
            await unknown(update, context)
            return
        await handler(update, context)

    setattr(checked, _GUARDED, True)
    return checked


def is_guarded(handler: Handler) -> bool:
    """Whether a command handler was wrapped by `organizers_only`."""
    return bool(getattr(handler, _GUARDED, False))


async def record_action(context: BotContext, user_id: int, action: str, **detail: object) -> None:
    """Record what an organizer did: who, when, what."""
    await context.services.organizers.record(user_id, action, detail, context.services.clock.now())

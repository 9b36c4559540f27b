"""Command menus by role: the participants' menu for every private chat, and the organizers'.

Telegram shows the most specific menu it has: a chat's own menu (BotCommandScopeChat) before the
one for all private chats. Every organizer (ADMIN_IDS and those added in the chat) gets a menu
of their own with the organizers' commands after the participants', in each language the bot
speaks (Telegram picks by the organizer's app language). A removed organizer's own menu is
deleted, so the participants' menu shows again. Setting a menu can fail for someone who never
opened the bot ("chat not found"): that is logged, and the menu is set when that organizer
first writes to the bot (each sender is looked at once per process; the set of those is rebuilt
empty at start-up, when every organizer's menu is set again).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from telegram import (
    Bot,
    BotCommand,
    BotCommandScopeAllPrivateChats,
    BotCommandScopeChat,
    Update,
)
from telegram.error import TelegramError

from bot.domain.catalogue import LANGUAGES
from handlers.access import is_organizer

if TYPE_CHECKING:
    from bot.render.texts import Texts
    from bot.services import BotContext

log = logging.getLogger(__name__)

SEEN_KEY: Final = "menus_seen"  # in bot_data: senders whose menu was settled since start-up

# The menus' order; the registry (handlers/flows.py) wires exactly these commands, and a test
# checks that the organizers' ones are exactly those guarded by `organizers_only`.
PARTICIPANT_COMMANDS: Final = (
    "start",
    "schedule",
    "feedback",
    "profile",
    "settings",
    "mydata",
    "forget",
    "ask",
    "materials",
    "certificate",
    "verify",
    "help",
    "cancel",
)
ORGANIZER_COMMANDS: Final = (
    "stats",
    "report",
    "export",
    "broadcast",
    "delivery",
    "organizers",
    "webinar",
    "questions",
    "pending",
)


def menu(texts: Texts, lang: str, organizer: bool) -> list[BotCommand]:
    """The commands of one role's menu, described in `lang`."""
    names = PARTICIPANT_COMMANDS + (ORGANIZER_COMMANDS if organizer else ())
    return [BotCommand(name, texts.label(lang, f"commands.{name}")) for name in names]


def _language_code(lang: str) -> str | None:
    """Telegram's language_code for a menu: none for English, the fallback for everyone."""
    return None if lang == "en" else lang


async def set_participants_menu(bot: Bot, texts: Texts) -> None:
    """Publish the participants' menu for all private chats, in each language."""
    scope = BotCommandScopeAllPrivateChats()
    for lang in LANGUAGES:
        await bot.set_my_commands(
            menu(texts, lang, organizer=False), scope=scope, language_code=_language_code(lang)
        )


async def set_organizer_menu(bot: Bot, texts: Texts, telegram_id: int) -> bool:
    """Give one organizer's chat the organizers' menu; False when Telegram refused it."""
    scope = BotCommandScopeChat(telegram_id)
    try:
        for lang in LANGUAGES:
            await bot.set_my_commands(
                menu(texts, lang, organizer=True), scope=scope, language_code=_language_code(lang)
            )
    except TelegramError as exc:
        log.warning("organizers' menu not set for %s: %s", telegram_id, exc)
        return False
    return True


async def remove_organizer_menu(bot: Bot, telegram_id: int) -> bool:
    """Delete a chat's own menu, so the participants' menu shows; False when refused."""
    scope = BotCommandScopeChat(telegram_id)
    try:
        for lang in LANGUAGES:
            await bot.delete_my_commands(scope=scope, language_code=_language_code(lang))
    except TelegramError as exc:
        log.warning("organizers' menu not removed for %s: %s", telegram_id, exc)
        return False
    return True


async def set_menus(bot: Bot, texts: Texts, organizer_ids: set[int]) -> set[int]:
    """At start-up: the participants' menu, then each organizer's own; return those set."""
    await set_participants_menu(bot, texts)
    return {
        telegram_id
        for telegram_id in sorted(organizer_ids)
        if await set_organizer_menu(bot, texts, telegram_id)
    }


async def menu_on_first_message(update: Update, context: BotContext) -> None:
    """Give an organizer whose menu could not be set (never wrote before) their menu now."""
    user = update.effective_user
    seen: set[int] = context.bot_data.setdefault(SEEN_KEY, set())
    if user is None or user.id in seen:
        return
    seen.add(user.id)
    if await is_organizer(context, user.id):
        await set_organizer_menu(context.bot, context.services.texts, user.id)

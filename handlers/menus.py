"""Command menus by role: the participants' menu for every private chat, and the organizers'.

Telegram shows the most specific menu it has: a chat's own menu (BotCommandScopeChat) before the
one for all private chats. Every organizer (ADMIN_IDS and those added in the chat) gets a menu
of their own with the organizers' commands after the participants', in each language the bot
speaks (Telegram picks by the organizer's app language). A removed organizer's own menu is
deleted, so the participants' menu shows again. Setting a menu can fail for someone who never
opened the bot ("chat not found"): that is logged and the rest goes on.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Final

from telegram import Bot, BotCommand, BotCommandScopeAllPrivateChats, BotCommandScopeChat
from telegram.error import TelegramError

from bot.domain.catalogue import LANGUAGES

if TYPE_CHECKING:
    from bot.render.texts import Texts

log = logging.getLogger(__name__)

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


async def set_menus(bot: Bot, texts: Texts, organizer_ids: set[int]) -> None:
    """At start-up: the participants' menu, then each organizer's own."""
    await set_participants_menu(bot, texts)
    for telegram_id in sorted(organizer_ids):
        await set_organizer_menu(bot, texts, telegram_id)

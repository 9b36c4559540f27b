"""End to end: command menus by role and /help's organizer section, through the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from telegram import Bot, BotCommandScopeChat

from bot.app import build_application, start_polling, stop_polling
from bot.clock import ManualClock
from sandbox import SandboxClient, SandboxServer
from tests.support.bots import RunningBot
from tests.support.organizers import ORGANIZER, add_organizer
from tests.support.settings import START, TOKEN, example_series, settings_for
from tests.support.users import SimUser

PRIVATE = {"type": "all_private_chats"}
ORGANIZER_COMMANDS = [
    "stats",
    "report",
    "export",
    "broadcast",
    "delivery",
    "organizers",
    "webinar",
    "questions",
    "pending",
]
OWN = -len(ORGANIZER_COMMANDS)  # the organizers' commands close an organizer's own menu


def own(telegram_id: int) -> dict[str, Any]:
    """The scope of one chat's own menu."""
    return {"type": "chat", "chat_id": telegram_id}


async def names(client: SandboxClient, scope: dict[str, Any], lang: str | None = None) -> list[str]:
    """The commands of a stored menu."""
    return [c["command"] for c in await client.bot_commands(language_code=lang, scope=scope)]


async def test_participants_menu_has_no_organizer_commands(
    bot: RunningBot, client: SandboxClient
) -> None:
    for lang in (None, "es"):
        menu = await names(client, PRIVATE, lang)
        assert menu[0] == "start" and "help" in menu
        assert not set(menu) & set(ORGANIZER_COMMANDS)
    participant = await SimUser(client, 3001).join()
    await participant.say("/help")
    reply = await participant.expect("/schedule")
    assert "For organizers" not in reply["text"] and "/broadcast" not in reply["text"]
    assert await names(client, own(3001)) == []


async def test_an_admin_who_writes_first_gets_the_organizers_menu_and_help(
    bot: RunningBot, client: SandboxClient
) -> None:
    # ADMIN_IDS had never written when the bot started: Telegram refused a menu for that chat
    assert await names(client, own(ORGANIZER)) == []
    organizer = await SimUser(client, ORGANIZER).join()
    await organizer.say("/help")
    reply = await organizer.expect("For organizers")
    assert "/broadcast — a message to all or some participants" in reply["text"]
    english = await client.bot_commands(scope=own(ORGANIZER))
    assert [c["command"] for c in english][OWN:] == ORGANIZER_COMMANDS
    assert english[0]["command"] == "start"
    assert {
        "command": "delivery",
        "description": "What was sent, what failed, who cannot be reached",
    } in english
    spanish = await client.bot_commands(language_code="es", scope=own(ORGANIZER))
    assert {"command": "organizers", "description": "Añadir o quitar organizadores"} in spanish


async def test_added_and_removed_organizers_get_and_lose_the_menu(
    bot: RunningBot, client: SandboxClient
) -> None:
    organizer = await SimUser(client, ORGANIZER).join()
    newcomer = await SimUser(client, 2005, language_code="es").join()
    await newcomer.say("/help")
    before = await newcomer.expect("/schedule")
    assert "Para el equipo organizador" not in before["text"]
    menu = await add_organizer(organizer, 2005)
    assert await names(client, own(2005)) == await names(client, own(2005), "es")
    assert (await names(client, own(2005)))[OWN:] == ORGANIZER_COMMANDS
    await newcomer.say("/help")
    await newcomer.expect("Para el equipo organizador")
    await organizer.press(menu, "Remove 2005")
    question = await organizer.expect("Remove 2005 from the organizers?")
    await organizer.press(question, "Confirm")
    await organizer.expect("2005 is no longer an organizer")
    for lang in (None, "es"):
        assert await names(client, own(2005), lang) == []  # the participants' menu shows again
    await newcomer.say("/help")
    after = await newcomer.expect("/schedule")
    assert "Para el equipo organizador" not in after["text"]


async def test_menus_set_at_start_up_for_admins_and_added_organizers(
    sandbox: SandboxServer, client: SandboxClient, tmp_path: Path
) -> None:
    await SimUser(client, ORGANIZER).join()
    await SimUser(client, 2006).join()
    settings = settings_for(tmp_path, sandbox.api_base_url)
    first = build_application(settings, example_series(), TOKEN, clock=ManualClock(START))
    await start_polling(first, poll_timeout=1)
    try:
        assert (await names(client, own(ORGANIZER)))[OWN:] == ORGANIZER_COMMANDS
        organizer = SimUser(client, ORGANIZER)
        await add_organizer(organizer, 2006)
    finally:
        await stop_polling(first)
    async with Bot(TOKEN, base_url=sandbox.api_base_url) as plain:  # wipe: start-up must redo
        for telegram_id in (ORGANIZER, 2006):
            for lang in (None, "es"):
                await plain.delete_my_commands(BotCommandScopeChat(telegram_id), lang)
    assert await names(client, own(2006), "es") == []
    second = build_application(settings, example_series(), TOKEN, clock=ManualClock(START))
    await start_polling(second, poll_timeout=1)
    try:
        for telegram_id in (ORGANIZER, 2006):
            assert (await names(client, own(telegram_id), "es"))[OWN:] == ORGANIZER_COMMANDS
    finally:
        await stop_polling(second)

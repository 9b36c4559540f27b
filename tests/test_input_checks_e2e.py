"""End to end: guessing the registration code, and commands hidden in edited messages."""

from __future__ import annotations

from datetime import timedelta

import pytest
from telegram import Update

from sandbox import SandboxClient
from tests.support.bots import RunningBot
from tests.support.users import SimUser

CODE = "CARIB-2026"


@pytest.fixture
def registration_code() -> str:
    """This module's series asks for a code."""
    return CODE


async def test_code_guesses_are_limited_to_five_an_hour(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 811).join()
    await user.say("/start")
    await user.press(await user.expect("choose your language"), "English")
    await user.expect("registration code")
    for guess in range(5):
        await user.say(f"GUESS-{guess}")
        await user.expect("not right")
    await user.say(CODE)  # even the right code waits: guessing must not pay
    wait = await user.expect("too many times")
    assert "60 minutes" in wait["text"]
    bot.clock.advance(timedelta(minutes=59, seconds=30))
    await user.say(CODE)
    await user.expect("1 minute ")
    bot.clock.advance(timedelta(minutes=1))
    await user.say(CODE)
    await user.expect("full name")


async def test_an_edited_message_never_runs_a_command(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 812).join()
    edited = Update.de_json(
        {
            "update_id": 990_001,
            "edited_message": {
                "message_id": 1,
                "date": 1_800_000_000,
                "edit_date": 1_800_000_100,
                "chat": {"id": 812, "type": "private"},
                "from": {"id": 812, "is_bot": False, "first_name": "Edit"},
                "text": "/start",
                "entities": [{"type": "bot_command", "offset": 0, "length": 6}],
            },
        },
        bot.application.bot,
    )
    await bot.application.update_queue.put(edited)
    await user.say("/help")
    help_reply = await user.next_message()  # one user's updates run in order: the edit first
    assert "choose your language" not in help_reply["text"]
    assert await bot.services.conversations.get(812) is None

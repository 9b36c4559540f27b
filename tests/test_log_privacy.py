"""No personal data in the logs, even at DEBUG."""

from __future__ import annotations

import logging

import pytest

from bot.runtime.logs import QUIET_LIBRARIES, configure_logging, quiet_library_loggers
from sandbox import SandboxClient
from tests.support.bots import RunningBot
from tests.support.users import ENGLISH, SimUser, register

# The sandbox stands in for Telegram: its own records are not the bot's logs.
NOT_THE_BOT = ("sandbox", "aiohttp.access", "aiohttp.server", "asyncio")


async def test_a_registration_at_debug_logs_nothing_personal(
    bot: RunningBot, client: SandboxClient, caplog: pytest.LogCaptureFixture
) -> None:
    quiet_library_loggers()
    caplog.set_level(logging.DEBUG)
    user = await SimUser(client, 4242, first_name="Zeynep").join()
    await register(user, name="Zeynep Quarrington", email="zq@customs.gov.bb")
    await user.say("/mydata")
    await user.expect("Zeynep Quarrington")
    records = [r for r in caplog.records if not r.name.startswith(NOT_THE_BOT)]
    assert any(r.levelno == logging.INFO for r in records)
    text = "\n".join(f"{r.name} {r.getMessage()}" for r in records)
    for value in ("Zeynep", "Quarrington", "zq@customs.gov.bb", ENGLISH["position"]):
        assert value not in text


def test_the_library_loggers_are_held_at_info() -> None:
    quiet_library_loggers()
    for name in QUIET_LIBRARIES:
        assert logging.getLogger(name).getEffectiveLevel() >= logging.INFO
        assert not logging.getLogger(name).isEnabledFor(logging.DEBUG)


def test_the_program_quiets_them_at_debug() -> None:
    for name in QUIET_LIBRARIES:
        logging.getLogger(name).setLevel(logging.NOTSET)
    configure_logging("DEBUG")
    assert not logging.getLogger("aiosqlite").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("telegram.ext.Application").isEnabledFor(logging.DEBUG)
    assert not logging.getLogger("telegram.Bot").isEnabledFor(logging.DEBUG)

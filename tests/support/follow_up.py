"""What the follow-up tests share: certificates, materials and questions for the speakers."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.attendance import PLATFORM, replaceable_by
from bot.domain.series import Series, parse_series
from storage.attendance import Change
from tests.support.settings import ROOT
from tests.support.users import SPANISH_BELIZE

if TYPE_CHECKING:
    from tests.support.bots import RunningBot

SPANISH = {**SPANISH_BELIZE, "name": "Beatriz Ñáñez Güémez", "email": "bea@aduanas.gob.bz"}


def series_with(lines: str) -> Series:
    """The example series with lines added to its [series] table."""
    text = (ROOT / "series.example.toml").read_text(encoding="utf-8")
    return parse_series(text.replace("[series]\n", f"[series]\n{lines}\n", 1))


async def participant_id(bot: RunningBot, telegram_id: int) -> int:
    """The participant number of a Telegram user."""
    participant = await bot.services.participants.get(telegram_id)
    assert participant is not None
    return participant.id


async def imported(bot: RunningBot, telegram_id: int, attended: bool, minutes: int | None) -> None:
    """Record attendance of the first webinar as an attendance report import does."""
    webinar = bot.services.series.webinars[0]
    await bot.services.attendance.record(
        webinar.id,
        [Change(await participant_id(bot, telegram_id), attended, minutes)],
        PLATFORM,
        "import test.csv",
        bot.clock.now(),
        replaceable_by(PLATFORM),
    )
    bot.services.sender.wake()

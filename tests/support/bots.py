"""The bot under test as the fixtures hand it to tests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.services import SERVICES_KEY, Services

if TYPE_CHECKING:
    from telegram.ext import Application

    from bot.clock import ManualClock


@dataclass
class RunningBot:
    """The bot under test and what it is built from."""

    application: Application
    clock: ManualClock

    @property
    def services(self) -> Services:
        """The bot's services (database, texts, series...)."""
        return self.application.bot_data[SERVICES_KEY]

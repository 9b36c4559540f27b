"""The message catalogs are read once per process: the bot's texts are the shared ones."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.app import build_application
from bot.render.texts import shared_texts
from bot.services import SERVICES_KEY
from tests.support.settings import TOKEN, example_series, settings_for

if TYPE_CHECKING:
    from pathlib import Path


def test_the_bot_and_its_calendar_links_share_one_set_of_texts(tmp_path: Path) -> None:
    series = example_series()
    application = build_application(settings_for(tmp_path, "http://127.0.0.1:9/bot"), series, TOKEN)
    texts = application.bot_data[SERVICES_KEY].texts
    # the calendar links of reminders read their labels from shared_texts(): the same ones
    assert texts is shared_texts()

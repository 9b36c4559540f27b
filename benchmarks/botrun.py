"""Stand-in for `python -m bot run` when bot/config.py has no SEND_RATE setting.

The same steps as bot.cli.main.run (settings from the environment, long polling), except that
the send rate comes from the SEND_RATE environment variable via build_application(send_rate=).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from telegram import Update

from bot.app import build_application
from bot.config import load_settings, require_token
from bot.domain.series import load_series
from bot.runtime.logs import configure_logging


def main() -> int:
    """Run the bot until SIGTERM/SIGINT."""
    settings = load_settings(env_file=Path(os.devnull))
    series = load_series(settings.series_file)
    configure_logging(settings.log_level)
    application = build_application(
        settings,
        series,
        require_token(settings),
        send_rate=float(os.environ.get("SEND_RATE", "30")),
    )
    application.run_polling(
        allowed_updates=Update.ALL_TYPES, drop_pending_updates=False, poll_interval=0.02
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())

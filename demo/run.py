"""Start the demo: a fresh database and series, the sandbox, the real bot, and the chat page."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import signal
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from bot.app import build_application, start_polling, stop_polling
from bot.clock import Clock, SystemClock
from bot.config import Settings, load_settings
from bot.domain.series import parse_series
from bot.runtime.sandbox_mode import SANDBOX_TOKEN
from demo.series import DEMO_WEBINAR_ID, ORGANIZER, PARTICIPANTS, DemoTiming, demo_series_toml
from demo.web import DemoWeb
from sandbox import SandboxConfig, SandboxServer

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

    from telegram.ext import Application

log = logging.getLogger(__name__)


@dataclass
class DemoConfig:
    """Where the demo listens and keeps its files, and when its webinar happens."""

    host: str = "127.0.0.1"
    port: int = 8080
    sandbox_port: int = 0
    data_dir: Path = Path("data")
    timing: DemoTiming = field(default_factory=DemoTiming)
    clock: Clock | None = None
    log_level: str = "INFO"


@dataclass
class Demo:
    """A running demo: the page's address and the parts behind it."""

    url: str
    sandbox: SandboxServer
    application: Application
    web: DemoWeb
    clock: Clock
    settings: Settings


def demo_settings(config: DemoConfig, api_base_url: str) -> Settings:
    """Settings of the demo bot: defaults only (no .env), its own files, the organizer as admin."""
    base = load_settings(environ={}, env_file=None)
    return dataclasses.replace(
        base,
        telegram_api_base_url=api_base_url,
        database_path=config.data_dir / "demo.sqlite3",
        series_file=config.data_dir / "demo-series.toml",
        admin_ids=frozenset({ORGANIZER.id}),
        log_level=config.log_level,
    )


def fresh_database(path: Path) -> None:
    """Remove the demo database (and its WAL files) so each launch starts empty."""
    path.parent.mkdir(parents=True, exist_ok=True)
    for suffix in ("", "-wal", "-shm", "-journal"):
        path.with_name(path.name + suffix).unlink(missing_ok=True)


@contextlib.asynccontextmanager
async def running_demo(config: DemoConfig) -> AsyncIterator[Demo]:
    """Run the whole demo for the duration of the block."""
    clock = config.clock or SystemClock()
    server = SandboxServer(SandboxConfig())
    await server.start(config.host, config.sandbox_port)
    application: Application | None = None
    web_server: DemoWeb | None = None
    try:
        settings = demo_settings(config, server.api_base_url)
        text = demo_series_toml(clock.now(), config.timing)
        fresh_database(settings.database_path)
        settings.series_file.write_text(text, encoding="utf-8")
        series = parse_series(text, source=str(settings.series_file))
        application = build_application(settings, series, SANDBOX_TOKEN, clock=clock)
        await start_polling(application, poll_timeout=10)
        webinar = series.webinar(DEMO_WEBINAR_ID)
        assert webinar is not None
        info = {
            "id": webinar.id,
            "title": webinar.title,
            "starts_at": webinar.starts_at.isoformat(),
            "ends_at": webinar.ends_at.isoformat(),
            "organizer_zone": series.timezone.key,
        }
        web_server = DemoWeb(server.url, clock, info, [*PARTICIPANTS, ORGANIZER])
        await web_server.start(config.host, config.port)
        yield Demo(web_server.url, server, application, web_server, clock, settings)
    finally:
        if web_server is not None:
            await web_server.stop()
        if application is not None:
            await stop_polling(application)
        await server.stop()


async def serve_demo(config: DemoConfig) -> None:
    """Run the demo until SIGINT or SIGTERM, printing where to open it."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError):
            loop.add_signal_handler(signum, stop.set)
    async with running_demo(config) as demo:
        start = config.timing.starts_in
        print(
            f"\nwebinar-bot demo: open {demo.url} in your browser\n"
            f"  the real bot runs on a local sandbox Bot API ({demo.sandbox.url}); "
            "no Telegram account needed\n"
            f"  demo webinar starts in {int(start.total_seconds() // 60)} min "
            f"{int(start.total_seconds() % 60)} s; reminders "
            f"{', '.join(config.timing.reminders)} before; survey {config.timing.feedback_after}"
            " after the end\n"
            f"  database {demo.settings.database_path} (recreated at each launch); "
            "Ctrl-C stops the demo\n",
            flush=True,
        )
        await stop.wait()
        log.info("stopping the demo")

"""Build the python-telegram-bot Application: storage, texts, handlers, limits, menus.

Every message the bot sends is HTML: `Defaults(parse_mode=HTML)` is set here once, for the
handlers and for the outbox sender alike (both use this application's bot).
"""

from __future__ import annotations

import asyncio
import logging
import signal

from telegram import Update
from telegram.constants import ParseMode
from telegram.ext import Application, ApplicationBuilder, ContextTypes, Defaults

from bot.clock import Clock, SystemClock
from bot.config import Settings, ensure_database_dir
from bot.delivery.digest import organizer_chats
from bot.delivery.sender import OutboxSender
from bot.delivery.series_changes import apply_series
from bot.domain.overrides import series_with_overrides
from bot.domain.series import Series, SeriesError, load_series
from bot.render.texts import Texts, shared_texts
from bot.runtime.bot_api_client import bot_api_request
from bot.runtime.logs import instrument_handlers
from bot.runtime.rate_limiter import HaltingRateLimiter
from bot.runtime.retention import start_retention
from bot.runtime.update_processor import PerUserUpdateProcessor, slow_down_reply
from bot.services import SERVICES_KEY, BotContext, Services
from handlers import register_handlers
from handlers.menus import SEEN_KEY, set_menus
from storage.approvals import ApprovalStore
from storage.attendance import AttendanceStore
from storage.calendar_tokens import CalendarTokenStore
from storage.conversations import ConversationStore
from storage.database import Database
from storage.organizers import OrganizerStore
from storage.outbox import OutboxStore
from storage.participants import ParticipantStore
from storage.schedule import ScheduleStore
from storage.survey import SurveyStore
from storage.waiting_list import WaitingListStore

log = logging.getLogger(__name__)


def build_application(
    settings: Settings,
    series: Series,
    token: str,
    clock: Clock | None = None,
    texts: Texts | None = None,
    send_rate: float | None = None,
    update_processor: PerUserUpdateProcessor | None = None,
) -> Application:
    """Create the Application; the database opens in post_init and closes in post_shutdown."""
    db = Database(settings.database_path)
    processor = update_processor or PerUserUpdateProcessor(256)
    services = Services(
        settings=settings,
        series=series,
        db=db,
        participants=ParticipantStore(db),
        conversations=ConversationStore(db),
        texts=texts or shared_texts(),
        clock=clock or SystemClock(),
        outbox=OutboxStore(db),
        schedule=ScheduleStore(db),
        survey=SurveyStore(db),
        organizers=OrganizerStore(db),
        attendance=AttendanceStore(db),
        calendar_tokens=CalendarTokenStore(db),
        approvals=ApprovalStore(db),
        waiting_list=WaitingListStore(db),
    )
    application = (
        ApplicationBuilder()
        .token(token)
        .base_url(settings.telegram_api_base_url)
        .base_file_url(settings.telegram_api_base_url.replace("/bot", "/file/bot"))
        .context_types(ContextTypes(context=BotContext))
        .defaults(Defaults(parse_mode=ParseMode.HTML))
        .rate_limiter(HaltingRateLimiter(send_rate=send_rate or settings.send_rate))
        .concurrent_updates(processor)
        .request(bot_api_request(connection_pool_size=16))
        .post_init(_post_init)
        .post_stop(_post_stop)
        .post_shutdown(_post_shutdown)
        .build()
    )
    services.sender = OutboxSender(services, application.bot, job_queue=application.job_queue)
    processor.on_dropped = processor.on_dropped or slow_down_reply(application)
    application.bot_data[SERVICES_KEY] = services
    register_handlers(application)
    return application


async def _post_init(application: Application) -> None:
    """Open the database, record the series' webinars and set the command menus by role."""
    services: Services = application.bot_data[SERVICES_KEY]
    ensure_database_dir(services.settings)
    await services.db.open()
    await apply_series(services, await series_with_overrides(services.db, services.series))
    organizers = await organizer_chats(services)
    application.bot_data[SEEN_KEY] = await set_menus(application.bot, services.texts, organizers)
    assert services.sender is not None, "build_application made the sender"
    await services.sender.start()
    instrument_handlers(application)
    await start_retention(application)
    _watch_sighup(application)
    log.info(
        "ready: %d participants, %d webinars",
        await services.participants.count(),
        len(services.series.webinars),
    )


async def reload_series(application: Application) -> None:
    """Read the series file again (on SIGHUP); keep the old one if the new one is invalid."""
    services: Services = application.bot_data[SERVICES_KEY]
    try:
        series = load_series(services.settings.series_file)
    except SeriesError as exc:
        log.error("series file not reloaded: %s", exc)
        return
    series = await series_with_overrides(services.db, series)  # changes made in the chat
    changed = await apply_series(services, series)
    log.info("series file reloaded: %d webinars, %d changed", len(series.webinars), changed)


def _watch_sighup(application: Application) -> None:
    """Reload the series file when the process gets SIGHUP (where signals exist)."""
    try:
        asyncio.get_running_loop().add_signal_handler(
            signal.SIGHUP, lambda: application.create_task(reload_series(application))
        )
    except (NotImplementedError, RuntimeError, AttributeError):
        log.debug("SIGHUP reloading is not available here")


async def _post_stop(application: Application) -> None:
    """Stop the outbox sender, letting messages in flight finish."""
    services: Services = application.bot_data[SERVICES_KEY]
    if services.sender is not None:
        await services.sender.stop()


async def _post_shutdown(application: Application) -> None:
    """Close the database."""
    services: Services = application.bot_data[SERVICES_KEY]
    await services.db.close()


async def start_polling(application: Application, poll_timeout: int = 10) -> None:
    """Initialise and start the application with long polling, without blocking.

    The same steps as Application.run_polling, for callers that own the event loop
    (tests, benchmarks, the demo).
    """
    await application.initialize()
    if application.post_init is not None:
        await application.post_init(application)
    assert application.updater is not None
    await application.updater.start_polling(
        poll_interval=0.02, timeout=poll_timeout, allowed_updates=Update.ALL_TYPES
    )
    await application.start()


async def stop_polling(application: Application) -> None:
    """Stop polling, finish running handlers and close the database."""
    if application.updater is not None and application.updater.running:
        await application.updater.stop()
    if application.running:
        await application.stop()
        if application.post_stop is not None:
            await application.post_stop(application)
    await application.shutdown()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)

"""The baseline: a bare python-telegram-bot echo bot polling the sandbox."""

from __future__ import annotations

from telegram import Update
from telegram.ext import Application, ApplicationBuilder, ContextTypes, MessageHandler, filters

from benchmarks.harness import TOKEN, LoadGen, RunResult, measure

POLL_TIMEOUT = 1


async def echo(update: Update, context: ContextTypes.DEFAULT_TYPE) -> None:
    """Reply with the same text."""
    assert update.message is not None and update.message.text is not None
    await update.message.reply_text(update.message.text)


def build_echo_application(api_base_url: str) -> Application:
    """An ApplicationBuilder application with one text handler, 256 concurrent updates."""
    application = (
        ApplicationBuilder().token(TOKEN).base_url(api_base_url).concurrent_updates(256).build()
    )
    application.add_handler(MessageHandler(filters.TEXT, echo))
    return application


async def run_echo(loadgen: LoadGen, first_id: int, users: int, concurrency: int) -> RunResult:
    """Measure the echo bot with `users` users sending 11 texts each."""
    application = build_echo_application(loadgen.api_base_url)

    async def start() -> None:
        """Initialise and start long polling."""
        await application.initialize()
        assert application.updater is not None
        await application.updater.start_polling(
            poll_interval=0.0, timeout=POLL_TIMEOUT, allowed_updates=Update.ALL_TYPES
        )
        await application.start()

    async def stop() -> None:
        """Stop polling and shut down."""
        assert application.updater is not None
        await application.updater.stop()
        await application.stop()
        await application.shutdown()

    return await measure("echo", loadgen, "echo", first_id, users, concurrency, start, stop)

"""GET /healthz: the database (read and write), the schema, the outbox sender and updates.

The write check rewrites one row in its own transaction, so a full disk or a read-only file
shows as 503 at once; so does a sender paused because it cannot write its outcomes.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

from aiohttp import web

from bot.services import SERVICES_KEY, Services
from storage.health import HealthStore
from storage.schema_versions import available_migrations

if TYPE_CHECKING:
    from collections.abc import Callable

    from telegram.ext import Application

log = logging.getLogger(__name__)


async def health_report(application: Application, mode: str, receiving: bool) -> dict[str, Any]:
    """Check the parts the bot needs; `healthy` is true only when all of them are fine."""
    services: Services = application.bot_data[SERVICES_KEY]
    report: dict[str, Any] = {
        "mode": mode,
        "receiving_updates": receiving,
        "application_running": application.running,
    }
    database: dict[str, Any] = {"ok": False, "writable": False}
    store = HealthStore(services.db)
    try:
        database["ok"] = await store.is_alive()
        database["schema_version"] = await services.db.schema_version()
        database["schema_latest"] = available_migrations()[-1][0]
        report["outbox"] = await store.outbox_backlog()
        await store.check_write(services.clock.now())
        database["writable"] = True
    except Exception as exc:  # any failure is reported, not raised
        database["error"] = type(exc).__name__
        log.warning("health check: database not usable (%s)", type(exc).__name__)
    report["database"] = database
    sender = services.sender
    report["outbox_sender_running"] = bool(sender is not None and sender.running)
    report["outbox_sender_paused"] = bool(sender is not None and sender.paused)
    report["healthy"] = bool(
        database["ok"]
        and database["writable"]
        and report["outbox_sender_running"]
        and not report["outbox_sender_paused"]
        and application.running
        and receiving
        and database.get("schema_version") == database.get("schema_latest")
    )
    return report


def healthz_handler(
    application: Application, mode: str, receiving: Callable[[], bool]
) -> Callable[[web.Request], Any]:
    """An aiohttp handler answering the report with 200 when healthy, 503 otherwise."""

    async def healthz(request: web.Request) -> web.Response:
        """GET /healthz."""
        report = await health_report(application, mode, receiving())
        return web.json_response(report, status=200 if report["healthy"] else 503)

    return healthz

"""/delivery (organizers only): what each message was for, how it went, and who is unreachable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.clock import from_iso
from bot.reporting.delivery_summary import failure_lines, summarise
from handlers.access import organizers_only
from handlers.flow import user_language
from storage.delivery_report import DeliveryReportStore

if TYPE_CHECKING:
    from telegram import Update

    from bot.services import BotContext


@organizers_only
async def delivery(update: Update, context: BotContext) -> None:
    """Show each message's outcomes in words, failures with Telegram's reason, the unreachable."""
    user = update.effective_user
    assert update.effective_chat is not None and user is not None
    services = context.services
    texts, lang = services.texts, user_language(user)
    report = DeliveryReportStore(services.db)
    sections = summarise(texts, services.series, lang, await report.counts())
    failures = failure_lines(texts, services.series, lang, await report.failures())
    total, unreachable = await services.outbox.unreachable()
    countries = texts.label_map(lang, "countries")
    text = texts.render(
        lang,
        "delivery",
        sections=[
            {
                "heading": section.heading,
                "lines": [
                    {"title": line.title, "outcomes": line.outcomes(texts, lang)}
                    for line in section.lines
                ],
            }
            for section in sections
        ],
        failures=failures,
        unreachable_total=total,
        unreachable=[
            {
                "name": r["full_name"] or "—",
                "country": countries.get(r["country"], r["country"]),
                "when": from_iso(r["unreachable_at"]),
                "reason": r["unreachable_reason"],
            }
            for r in unreachable
        ],
        zone=services.series.timezone.key,
    )
    await update.effective_chat.send_message(text)

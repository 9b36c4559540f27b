"""/certificate (a participant's certificates, sent again) and /verify CODE (for anyone)."""

from __future__ import annotations

import asyncio
import logging
from typing import TYPE_CHECKING

from telegram.constants import ParseMode

from bot.delivery.certificates import eligible, make_certificate, send_certificate, verify_code
from handlers.flow import language_of
from storage.certificates import CertificateStore

if TYPE_CHECKING:
    from telegram import Update

    from bot.services import BotContext

log = logging.getLogger(__name__)


async def certificate_command(update: Update, context: BotContext) -> None:
    """Send the participant every certificate they have earned, or say why there is none."""
    services, user, chat = context.services, update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    participant = await services.participants.get(user.id)
    lang = await language_of(context, user)
    rule = services.series.certificates
    secret = services.settings.certificate_secret
    if not rule.enabled or secret is None:
        await chat.send_message(services.texts.render(lang, "certificate_off"))
        return
    store = CertificateStore(services.db)
    now = services.clock.now()
    sent = 0
    for webinar in services.series.webinars if participant else ():
        if webinar.ends_at > now:
            continue
        assert participant is not None
        found = await eligible(services.attendance, store, rule, webinar.id, participant.id)
        if not found:
            continue
        made = await asyncio.to_thread(
            make_certificate, services.texts, services.series, secret, webinar, found[0]
        )
        await send_certificate(context.bot, services.texts, chat.id, webinar, lang, made)
        await store.record(participant.id, webinar.id, made.code, made.minutes, now)
        sent += 1
    if not sent:
        await chat.send_message(
            services.texts.render(
                lang,
                "certificate_none",
                min_minutes=rule.min_minutes,
                needs_survey=rule.needs_survey,
            ),
            parse_mode=ParseMode.HTML,
        )


async def verify_command(update: Update, context: BotContext) -> None:
    """Say whether the code after /verify is a genuine certificate code, and for whom."""
    services, user, chat = context.services, update.effective_user, update.effective_chat
    if user is None or chat is None:
        return
    lang = await language_of(context, user)
    secret = services.settings.certificate_secret
    given = " ".join(context.args or [])
    if secret is None:
        await chat.send_message(services.texts.render(lang, "certificate_off"))
        return
    if not given:
        text = services.texts.render(lang, "verify_usage", problem=False, given="")
        await chat.send_message(text, parse_mode=ParseMode.HTML)
        return
    verdict = await verify_code(CertificateStore(services.db), services.series, secret, given)
    series = services.series
    if verdict.status == "malformed":
        text = services.texts.render(lang, "verify_usage", problem=True, given=verdict.code)
    elif verdict.status == "forged" or verdict.webinar is None:
        text = services.texts.render(
            lang, "verify_forged", code=verdict.code, organizer=series.organizer_for(lang)
        )
    else:
        text = services.texts.render(
            lang,
            "verify_genuine",
            code=verdict.code,
            name=verdict.name,
            known=verdict.known,
            title=verdict.webinar.title_for(lang),
            starts_at=verdict.webinar.starts_at,
            zone=series.timezone.key,
            series_title=series.title_for(lang),
            organizer=series.organizer_for(lang),
        )
    log.info("verification of a certificate code: %s", verdict.status)
    await chat.send_message(text, parse_mode=ParseMode.HTML)

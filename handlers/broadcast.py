"""/broadcast (organizers only): a message to a chosen audience, previewed, then sent.

The dialogue: the message (text with the organizer's own formatting, or a photo or document
with a caption), the audience, an optional Spanish text, now or at a set time, then a preview
exactly as recipients will see it with the number of recipients, and Confirm or Cancel. Each
step is saved (the conversation holds the step, the `broadcasts` row the content), so a
restart resumes it. Buttons carry the broadcast id and the step (`bc:<id>:<step>:<value>`)
and the presser is checked again, so a replayed or forged button does nothing.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from bot.delivery.broadcast_sending import BroadcastRuntime, body_for, send_content
from bot.domain.catalogue import COUNTRIES, INSTITUTIONS
from bot.domain.organizer_input import parse_local_time
from bot.domain.validation import Invalid
from bot.render import callback_data
from bot.render.broadcast_html import CAPTION_LIMIT, TEXT_LIMIT, UnsafeMessage, safe_html
from bot.render.keyboards import inline
from handlers.access import organizers_only, record_action
from handlers.flow import user_language
from storage.broadcasts import AUDIENCES, WEBINAR_AUDIENCES, Broadcast
from storage.conversations import Conversation

if TYPE_CHECKING:
    from telegram import InlineKeyboardMarkup, Message, Update

    from bot.render.callback_data import Press
    from bot.services import BotContext, Services

TIME_FORMAT = "%Y-%m-%d %H:%M"  # the example shown; parse_local_time reads it
TIME_PROBLEMS = {
    "format": "error_time",
    "gap": "error_gap",
    "past": "error_past",
    "far": "error_far",
}


def runtime(context: BotContext) -> BroadcastRuntime:
    """The broadcasts' runtime, kept by the outbox sender."""
    sender = context.services.sender
    assert sender is not None, "the sender starts with the application, before any update"
    return sender.broadcasts


def _label(services: Services, lang: str, key: str, **values: Any) -> str:
    """A broadcast label, with its {placeholders} filled."""
    text = services.texts.label(lang, f"broadcast.{key}")
    return text.format(**values) if values else text


def _choices(services: Services, lang: str, conv: Conversation) -> InlineKeyboardMarkup:
    """The buttons of the conversation's current step (always with Cancel)."""
    broadcast_id = int(conv.data["id"])

    def data(value: str) -> str:
        return callback_data.broadcast(broadcast_id, conv.step, value)

    label = services.texts.label
    rows: list[list[tuple[str, str]]] = []
    if conv.step == "audience":
        rows = [[(_label(services, lang, f"audiences.{kind}"), data(kind))] for kind in AUDIENCES]
    elif conv.step == "value" and conv.data.get("kind") in WEBINAR_AUDIENCES:
        rows = [
            [(w.title_for(lang)[:60], data(str(n)))] for n, w in enumerate(services.series.webinars)
        ]
    elif conv.step == "value" and conv.data.get("kind") == "country":
        rows = [[(label(lang, f"countries.{code}"), data(code))] for code in COUNTRIES]
    elif conv.step == "value":
        rows = [[(label(lang, f"institutions.{code}"), data(code))] for code in INSTITUTIONS]
    elif conv.step == "spanish":
        rows = [[(_label(services, lang, "skip"), data("skip"))]]
    elif conv.step == "when":
        rows = [
            [
                (_label(services, lang, "now"), data("now")),
                (_label(services, lang, "later"), data("later")),
            ]
        ]
    return inline([*rows, [(_label(services, lang, "cancel"), data("cancel"))]])


PROMPTS = {
    "content": "ask_content",
    "audience": "ask_audience",
    "spanish": "ask_spanish",
    "when": "ask_when",
    "time": "ask_time",
}


async def _ask(context: BotContext, conv: Conversation) -> None:
    """Show the prompt of the conversation's current step."""
    services, lang = context.services, conv.data["lang"]
    if conv.step == "value":
        key = {"country": "ask_country", "institution": "ask_institution"}.get(
            conv.data.get("kind", ""), "ask_webinar"
        )
    else:
        key = PROMPTS[conv.step]
    text = _label(
        services, lang, key, zone=services.series.timezone.key, example=_example(services)
    )
    await context.bot.send_message(
        conv.telegram_id, text, reply_markup=_choices(services, lang, conv)
    )


def _example(services: Services) -> str:
    """A sample time, tomorrow at 09:00 in the organizers' zone."""
    zone = services.series.timezone
    tomorrow = services.clock.now().astimezone(zone) + timedelta(days=1)
    return tomorrow.replace(hour=9, minute=0).strftime(TIME_FORMAT)


async def _go(context: BotContext, conv: Conversation, step: str) -> None:
    """Save the conversation at a new step and ask its question."""
    conv.step = step
    await context.services.conversations.save(conv, context.services.clock.now())
    await _ask(context, conv)


@organizers_only
async def broadcast_command(update: Update, context: BotContext) -> None:
    """/broadcast: start a draft (or resume the open one)."""
    user, chat = update.effective_user, update.effective_chat
    assert user is not None and chat is not None
    services = context.services
    conv = await services.conversations.get(user.id)
    if conv is not None and conv.flow == "broadcast":
        await _resume(context, conv)
        return
    lang = user_language(user)
    broadcast_id = await runtime(context).store.create(user.id, chat.id, lang, services.clock.now())
    await _go(
        context,
        Conversation(user.id, "broadcast", "content", {"id": broadcast_id, "lang": lang}),
        "content",
    )


async def _resume(context: BotContext, conv: Conversation) -> None:
    """Ask the open step again (the confirmation shows the preview again)."""
    if conv.step == "confirm":
        await _preview(context, conv)
    else:
        await _ask(context, conv)


async def answer(update: Update, context: BotContext, conv: Conversation) -> None:
    """A message (text, photo or document) typed during the broadcast dialogue."""
    services, message, user = context.services, update.effective_message, update.effective_user
    if message is None or user is None:
        return
    lang, broadcast_id = conv.data["lang"], int(conv.data["id"])
    store = runtime(context).store
    try:
        if conv.step == "content":
            kind, body, file_id = _content(message)
            limit = TEXT_LIMIT if kind == "text" else CAPTION_LIMIT
            html = safe_html(body, limit) if kind == "text" or body.strip() else None
            await store.update(broadcast_id, content_type=kind, body_html=html, file_id=file_id)
            await _go(context, conv, "audience")
            return
        if conv.step == "spanish" and message.text:
            broadcast = await store.get(broadcast_id)
            limit = (
                TEXT_LIMIT if broadcast and broadcast.content_type == "text" else (CAPTION_LIMIT)
            )
            await store.update(broadcast_id, body_es_html=safe_html(message.text_html, limit))
            await _go(context, conv, "when")
            return
        if conv.step == "time" and message.text:
            await _set_time(context, conv, message)
            return
    except UnsafeMessage as refusal:
        await message.reply_text(
            _label(services, lang, f"error_{refusal.reason}", limit=refusal.limit)
        )
        return
    except ValueError:
        await message.reply_text(_label(services, lang, "error_kind"))
        return
    await message.reply_text(_label(services, lang, "use_buttons"))


async def _set_time(context: BotContext, conv: Conversation, message: Message) -> None:
    """The typed sending time: stored and previewed, or refused with the reason."""
    services, lang = context.services, conv.data["lang"]
    try:
        due = parse_local_time(message.text, services.series.timezone, services.clock.now())
    except Invalid as refusal:
        key = TIME_PROBLEMS[str(refusal.context()["problem"])]
        await message.reply_text(_label(services, lang, key, example=_example(services)))
        return
    await runtime(context).store.update(int(conv.data["id"]), due_at=due)
    conv.step = "confirm"
    await services.conversations.save(conv, services.clock.now())
    await _preview(context, conv)


def _content(message: Message) -> tuple[str, str, str | None]:
    """(kind, HTML, file_id) of the organizer's message; ValueError for other kinds."""
    if message.photo:
        return "photo", message.caption_html or "", message.photo[-1].file_id
    if message.document is not None:
        return "document", message.caption_html or "", message.document.file_id
    if message.text:
        return "text", message.text_html, None
    raise ValueError("not a text, photo or document")


def describe(services: Services, lang: str, audience: dict[str, str]) -> str:
    """The audience in words, e.g. 'By state: Belize'."""
    kind, value = audience.get("kind", "all"), audience.get("value", "")
    name = _label(services, lang, f"audiences.{kind}")
    if kind in WEBINAR_AUDIENCES:
        webinar = services.series.webinar(value)
        return f"{name}: {webinar.title_for(lang) if webinar else value}"
    if kind == "country":
        return f"{name}: {services.texts.label(lang, f'countries.{value}')}"
    if kind == "institution":
        return f"{name}: {services.texts.label(lang, f'institutions.{value}')}"
    return name


async def _preview(context: BotContext, conv: Conversation) -> None:
    """Send the message exactly as recipients will get it, then the count and Confirm/Cancel."""
    services, lang = context.services, conv.data["lang"]
    store = runtime(context).store
    broadcast = await store.get(int(conv.data["id"]))
    assert broadcast is not None
    chat = conv.telegram_id
    await context.bot.send_message(chat, _label(services, lang, "preview"))
    await send_content(context.bot, chat, broadcast, body_for(broadcast, "en"))
    if broadcast.body_es_html:
        await context.bot.send_message(chat, _label(services, lang, "preview_es"))
        await send_content(context.bot, chat, broadcast, body_for(broadcast, "es"))
    count = await store.count_recipients(broadcast.audience)
    text = services.texts.render(
        lang,
        "broadcast_summary",
        count=count,
        audience=describe(services, lang, broadcast.audience),
        due_at=broadcast.due_at,
        zone=services.series.timezone.key,
        spanish=bool(broadcast.body_es_html),
    )
    rows = (
        [
            [
                (
                    _label(services, lang, "confirm"),
                    callback_data.broadcast(broadcast.id, "confirm", "ok"),
                )
            ]
        ]
        if count
        else []
    )
    rows.append(
        [
            (
                _label(services, lang, "cancel"),
                callback_data.broadcast(broadcast.id, "confirm", "cancel"),
            )
        ]
    )
    await context.bot.send_message(chat, text, reply_markup=inline(rows))


async def button(update: Update, context: BotContext, press: Press) -> None:
    """A broadcast button (the router checked the presser again): apply it to the open step."""
    query, services = update.callback_query, context.services
    assert query is not None
    lang = user_language(query.from_user)
    parts = [press.prefix, *press.parts]
    if len(parts) == 3 and parts[2] == "stop" and parts[1].isdigit():
        await _stop(update, context, int(parts[1]))
        return
    conv = await services.conversations.get(query.from_user.id)
    if (
        len(parts) != 4
        or conv is None
        or conv.flow != "broadcast"
        or str(conv.data.get("id")) != parts[1]
        or conv.step != parts[2]
    ):
        await query.answer(services.texts.label(lang, "toasts.stale"))
        return
    value, lang = parts[3], conv.data["lang"]
    if value == "cancel":
        await runtime(context).store.discard(int(conv.data["id"]))
        await services.conversations.delete(conv.telegram_id)
        await query.answer()
        await context.bot.send_message(conv.telegram_id, _label(services, lang, "discarded"))
        return
    if conv.step == "confirm" and value == "ok":
        await _confirm(update, context, conv)
        return
    step = _choose(services, conv, value)
    if step is None:
        await query.answer(services.texts.label(lang, "toasts.invalid"))
        return
    if "audience" in conv.data:
        await runtime(context).store.update(
            int(conv.data["id"]), audience=conv.data.pop("audience")
        )
    await query.answer()
    if step == "confirm":
        conv.step = step
        await services.conversations.save(conv, services.clock.now())
        await _preview(context, conv)
        return
    await _go(context, conv, step)


# The fixed moves of the dialogue: (step, button value) -> the next step.
_NEXT_STEP = {
    ("spanish", "skip"): "when",
    ("when", "now"): "confirm",
    ("when", "later"): "time",
}


def _choose(services: Services, conv: Conversation, value: str) -> str | None:
    """Record a button choice in the conversation; return the next step (None: invalid)."""
    step, kind = conv.step, conv.data.get("kind")
    if step == "audience" and value in AUDIENCES:
        conv.data["kind"] = value
        if value == "all":
            conv.data["audience"] = {"kind": "all"}
        return "spanish" if value == "all" else "value"
    if step == "value":
        webinars = services.series.webinars
        if kind in WEBINAR_AUDIENCES and value.isdigit() and int(value) < len(webinars):
            value = webinars[int(value)].id
        elif not (
            (kind == "country" and value in COUNTRIES)
            or (kind == "institution" and value in INSTITUTIONS)
        ):
            return None
        conv.data["audience"] = {"kind": kind, "value": value}
        return "spanish"
    return _NEXT_STEP.get((step, value))


async def _confirm(update: Update, context: BotContext, conv: Conversation) -> None:
    """Queue the broadcast (one outbox row per recipient), then show its progress message."""
    query, services, rt = update.callback_query, context.services, runtime(context)
    assert query is not None
    broadcast_id, lang, now = int(conv.data["id"]), conv.data["lang"], services.clock.now()
    queued = await rt.store.queue(broadcast_id, now)
    if queued is None:
        await query.answer(services.texts.label(lang, "toasts.stale"))
        return
    await services.conversations.delete(conv.telegram_id)
    await query.answer(_label(services, lang, "queued", count=queued))
    if services.sender is not None:
        services.sender.wake()
    rt.follow(broadcast_id, fresh=True)  # it sends the progress message, then edits it
    broadcast = await rt.store.get(broadcast_id)
    assert broadcast is not None
    await record_action(
        context,
        conv.telegram_id,
        "broadcast.sent",
        broadcast=broadcast_id,
        recipients=queued,
        audience=broadcast.audience,
        due_at=broadcast.due_at,
        content=broadcast.content_type,
    )


async def _stop(update: Update, context: BotContext, broadcast_id: int) -> None:
    """The Cancel button under a running broadcast: the rest is not sent."""
    query, services, rt = update.callback_query, context.services, runtime(context)
    assert query is not None
    broadcast: Broadcast | None = await rt.store.get(broadcast_id)
    lang = broadcast.lang if broadcast else user_language(query.from_user)
    cancelled = (
        None if broadcast is None else await rt.store.cancel(broadcast_id, services.clock.now())
    )
    if cancelled is None:
        await query.answer(services.texts.label(lang, "toasts.stale"))
        return
    rt.forget(broadcast_id)
    await query.answer(_label(services, lang, "stopping", count=cancelled))
    await record_action(
        context,
        query.from_user.id,
        "broadcast.cancelled",
        broadcast=broadcast_id,
        not_sent=cancelled,
    )

"""/organizers (organizers only): list, add and remove organizers in the chat.

Organizers from ADMIN_IDS are listed as such and cannot be removed here; those added in the
chat can. Adding takes the new organizer's numeric Telegram user id and a confirmation. Every
add and remove is recorded with record_action, and changes that person's command menu.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from bot.domain.organizer_input import clean_user_id
from bot.domain.validation import Invalid
from bot.render import callback_data
from bot.render.organizer_keyboards import console_keyboard
from handlers.access import organizers_only, record_action
from handlers.console import (
    button,
    claim_press,
    new_token,
    open_conversation,
    pressed_message,
    refuse_press,
    reply,
    show,
)
from handlers.menus import remove_organizer_menu, set_organizer_menu

if TYPE_CHECKING:
    from telegram import InlineKeyboardMarkup, Message, Update

    from bot.render.callback_data import Press
    from bot.services import BotContext
    from storage.conversations import Conversation

FLOW = "organizers"
PREFIX = callback_data.ORGANIZERS


@organizers_only
async def organizers(update: Update, context: BotContext) -> None:
    """/organizers: the list with buttons to remove and add."""
    user = update.effective_user
    assert user is not None
    conv = await open_conversation(context, user, FLOW, "menu")
    text, markup = await _menu(context, conv)
    await show(context, None, user.id, text, markup)


async def _menu(
    context: BotContext, conv: Conversation, outcome: str | None = None, target: int | None = None
) -> tuple[str, InlineKeyboardMarkup]:
    """The list of organizers and the menu's buttons, after an optional outcome line."""
    services, lang = context.services, conv.data["lang"]
    admins = sorted(services.settings.admin_ids)
    added = [
        row
        for row in await services.organizers.listing()
        if row["telegram_id"] not in services.settings.admin_ids
    ]
    text = services.texts.render(
        lang,
        "organizers",
        org_outcome=outcome,
        org_id=target,
        org_admins=admins,
        org_added=[
            {"id": r["telegram_id"], "name": r["name"], "added_by": r["added_by"]} for r in added
        ],
    )
    label = services.texts.label
    remove = label(lang, "organizer.remove")
    rows = [
        [
            button(
                remove.format(who=_short(r["name"]) or r["telegram_id"]),
                PREFIX,
                conv,
                "rm",
                str(r["telegram_id"]),
            )
        ]
        for r in added
    ]
    rows.append([button(label(lang, "organizer.add"), PREFIX, conv, "add")])
    rows.append([button(label(lang, "organizer.close"), PREFIX, conv, "close")])
    return text, console_keyboard(rows)


async def organizers_button(update: Update, context: BotContext, press: Press) -> None:
    """A press in the /organizers menu or on its confirmation."""
    claimed = await claim_press(update, context, FLOW, press)
    if claimed is None:
        return
    conv, parts = claimed
    if conv.step == "menu":
        await _menu_press(update, context, conv, parts)
    elif conv.step == "confirm" and parts in (["yes"], ["no"]):
        await _confirmed(update, context, conv, parts[0] == "yes")
    elif conv.step == "ask_id" and parts == ["no"]:
        await _back_to_menu(update, context, conv)
    else:
        await refuse_press(update, context, conv)


async def _menu_press(
    update: Update, context: BotContext, conv: Conversation, parts: list[str]
) -> None:
    """Add, remove or close, from the menu."""
    services, lang = context.services, conv.data["lang"]
    query = update.callback_query
    assert query is not None
    message = pressed_message(update)
    if parts == ["close"]:
        await services.conversations.delete(conv.telegram_id)
        await query.answer()
        await show(
            context, message, conv.telegram_id, services.texts.render(lang, "console_closed")
        )
        return
    if parts == ["add"]:
        await _step(context, conv, "ask_id")
        await query.answer()
        markup = console_keyboard(
            [[button(services.texts.label(lang, "organizer.cancel"), PREFIX, conv, "no")]]
        )
        await show(
            context,
            message,
            conv.telegram_id,
            services.texts.render(lang, "organizers_ask_id"),
            markup,
        )
        return
    if len(parts) != 2 or parts[0] != "rm" or not parts[1].isdigit():
        await refuse_press(update, context, conv)
        return
    target = int(parts[1])
    if target in services.settings.admin_ids:
        await query.answer(services.texts.label(lang, "organizer.toast_fixed"))
        return
    if target not in await services.organizers.ids():
        await query.answer(services.texts.label(lang, "toasts.stale"))
        return
    await _ask_confirmation(context, conv, "remove", target, message)
    await query.answer()


async def text_answer(update: Update, context: BotContext, conv: Conversation) -> None:
    """The new organizer's id, typed while the flow waits for it."""
    message = update.effective_message
    assert message is not None
    lang = conv.data["lang"]
    if conv.step != "ask_id":
        await reply(update, context, lang, "console_use_buttons")
        return
    try:
        target = clean_user_id(message.text)
    except Invalid as refusal:
        await reply(update, context, lang, refusal.reason, **refusal.context())
        return
    services = context.services
    if target in services.settings.admin_ids or target in await services.organizers.ids():
        await reply(update, context, lang, "organizers_already", org_id=target)
        return
    await _ask_confirmation(context, conv, "add", target, None)


async def _ask_confirmation(
    context: BotContext, conv: Conversation, action: str, target: int, message: Message | None
) -> None:
    """Move to the confirmation step for adding or removing `target`."""
    services, lang = context.services, conv.data["lang"]
    conv.data.update(action=action, target=target)
    await _step(context, conv, "confirm")
    participant = await services.participants.get(target)
    name = participant.full_name if participant is not None else None
    markup = console_keyboard(
        [
            [
                button(services.texts.label(lang, "organizer.confirm"), PREFIX, conv, "yes"),
                button(services.texts.label(lang, "organizer.cancel"), PREFIX, conv, "no"),
            ]
        ]
    )
    text = services.texts.render(
        lang, "organizers_confirm", org_action=action, org_id=target, org_name=name
    )
    await show(context, message, conv.telegram_id, text, markup)


async def _confirmed(update: Update, context: BotContext, conv: Conversation, yes: bool) -> None:
    """Do the confirmed add or remove, record it, and show the list again."""
    services = context.services
    action, target = conv.data.get("action"), int(conv.data.get("target", 0))
    if not yes:
        await _back_to_menu(update, context, conv)
        return
    now, by = services.clock.now(), conv.telegram_id
    if action == "add":
        participant = await services.participants.get(target)
        done = await services.organizers.add(
            target, participant.full_name if participant else None, by, now
        )
        if done:
            await record_action(context, by, "organizer.added", organizer_id=target)
            await set_organizer_menu(context.bot, services.texts, target)
    elif action == "remove" and target not in services.settings.admin_ids:
        done = await services.organizers.remove(target)
        if done:
            await record_action(context, by, "organizer.removed", organizer_id=target)
            await remove_organizer_menu(context.bot, target)
    else:
        await refuse_press(update, context, conv)
        return
    await _back_to_menu(update, context, conv, f"{action}{'' if done else '_none'}", target)


async def _back_to_menu(
    update: Update,
    context: BotContext,
    conv: Conversation,
    outcome: str | None = None,
    target: int | None = None,
) -> None:
    """Show the menu again in place, with a fresh token so older buttons stop working."""
    query = update.callback_query
    assert query is not None
    conv.data = {"token": new_token(), "lang": conv.data["lang"]}
    await _step(context, conv, "menu")
    await query.answer()
    text, markup = await _menu(context, conv, outcome, target)
    await show(context, pressed_message(update), conv.telegram_id, text, markup)


def _short(name: str | None, limit: int = 30) -> str | None:
    """A name short enough for a button."""
    return name if not name or len(name) <= limit else name[: limit - 1] + "…"


async def _step(context: BotContext, conv: Conversation, step: str) -> None:
    """Save the conversation at a new step."""
    conv.step = step
    await context.services.conversations.save(conv, context.services.clock.now())

"""The organizers' inline keyboards: exports, broadcasts, attendance reports, approval, the console.

Built here only, as the participants' keyboards are in `bot.render.keyboards`: labels come from
templates/, data from callback_data.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from telegram import InlineKeyboardMarkup

from bot.render import callback_data
from bot.render.keyboards import callback_button, inline

if TYPE_CHECKING:
    from telegram import InlineKeyboardButton

    from bot.render.texts import Texts


def export_kinds_keyboard(texts: Texts, lang: str, kinds: tuple[str, ...]) -> InlineKeyboardMarkup:
    """Buttons to pick what to export."""
    return InlineKeyboardMarkup(
        [
            [callback_button(texts.label(lang, f"export.{kind}"), callback_data.export_kind(kind))]
            for kind in kinds
        ]
    )


def export_formats_keyboard(kind: str, formats: tuple[str, ...]) -> InlineKeyboardMarkup:
    """Buttons to pick the format of an export."""
    return InlineKeyboardMarkup(
        [[callback_button(fmt.upper(), callback_data.export_format(kind, fmt)) for fmt in formats]]
    )


def broadcast_stop_keyboard(texts: Texts, lang: str, broadcast_id: int) -> InlineKeyboardMarkup:
    """The Cancel button under a running broadcast's progress message."""
    return InlineKeyboardMarkup(
        [
            [
                callback_button(
                    texts.label(lang, "broadcast.stop"), callback_data.broadcast_stop(broadcast_id)
                )
            ]
        ]
    )


def attendance_webinars_keyboard(
    choices: list[tuple[str, int]], cancel_label: str
) -> InlineKeyboardMarkup:
    """The webinars an attendance report may be for (title, index), then Cancel."""
    rows = [
        [callback_button(title[:60], callback_data.attendance_import("w", i))]
        for title, i in choices
    ]
    rows.append([callback_button(cancel_label, callback_data.attendance_import("no"))])
    return InlineKeyboardMarkup(rows)


def attendance_confirm_keyboard(confirm_label: str, cancel_label: str) -> InlineKeyboardMarkup:
    """Confirm or Cancel under an attendance report's summary."""
    return InlineKeyboardMarkup(
        [
            [callback_button(confirm_label, callback_data.attendance_import("ok"))],
            [callback_button(cancel_label, callback_data.attendance_import("no"))],
        ]
    )


def console_keyboard(rows: list[list[InlineKeyboardButton]]) -> InlineKeyboardMarkup:
    """An organizer console message's buttons (each bound to its conversation)."""
    return InlineKeyboardMarkup(rows)


def approval_keyboard(texts: Texts, lang: str, participant_id: int) -> InlineKeyboardMarkup:
    """Approve or Decline a participant's registration that awaits an organizer."""
    return inline(
        [
            [
                (
                    texts.label(lang, "buttons.approve_registration"),
                    callback_data.approval("y", participant_id),
                ),
                (
                    texts.label(lang, "buttons.decline_registration"),
                    callback_data.approval("n", participant_id),
                ),
            ]
        ]
    )

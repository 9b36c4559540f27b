"""Inline keyboards: every button's label comes from templates/, its data is short and checked."""

from __future__ import annotations

from typing import Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.catalogue import COUNTRIES, INSTITUTIONS, LANGUAGES, SEXES, ZONE_CHOICES
from bot.domain.registration import EDITABLE_FIELDS, Step
from bot.render.texts import Texts, zone_city


def _button(text: str, data: str) -> InlineKeyboardButton:
    """One callback button."""
    return InlineKeyboardButton(text, callback_data=data)


def _grid(buttons: list[InlineKeyboardButton], width: int) -> list[list[InlineKeyboardButton]]:
    """Lay buttons out in rows of `width`."""
    return [buttons[i : i + width] for i in range(0, len(buttons), width)]


def step_keyboard(
    texts: Texts,
    lang: str,
    flow: str,
    step: Step,
    draft: dict[str, Any],
    webinar_titles: list[tuple[str, str]],
) -> InlineKeyboardMarkup | None:
    """The buttons for a question, or None when it is answered only by typing."""
    prefix = f"{flow}:{step}:"
    rows: list[list[InlineKeyboardButton]]
    if step is Step.LANGUAGE:
        rows = [
            [_button(texts.label(lang, f"languages.{code}"), prefix + code) for code in LANGUAGES]
        ]
    elif step is Step.COUNTRY:
        rows = [
            [_button(texts.label(lang, f"countries.{code}"), prefix + code)] for code in COUNTRIES
        ]
    elif step is Step.TIMEZONE:
        rows = _grid(
            [
                _button(zone_city(zone, lang), prefix + str(i))
                for i, zone in enumerate(ZONE_CHOICES)
            ],
            2,
        )
    elif step is Step.INSTITUTION:
        rows = _grid(
            [
                _button(texts.label(lang, f"institutions.{code}"), prefix + code)
                for code in INSTITUTIONS
            ],
            2,
        )
    elif step is Step.SEX:
        rows = [[_button(texts.label(lang, f"sexes.{code}"), prefix + code)] for code in SEXES]
    elif step is Step.EMAIL:
        rows = [[_button(texts.label(lang, "buttons.skip"), prefix + "skip")]]
    elif step is Step.WEBINARS:
        choice = draft.get("webinar_choice", [w for w, _ in webinar_titles])
        rows = [
            [
                _button(
                    f"{'✅' if wid in choice else '⬜'} {i + 1}. {_short(title)}", prefix + str(i)
                )
            ]
            for i, (wid, title) in enumerate(webinar_titles)
        ]
        rows.append([_button(texts.label(lang, "buttons.done"), prefix + "done")])
    elif step is Step.CONSENT:
        rows = [
            [
                _button(texts.label(lang, "buttons.agree"), prefix + "yes"),
                _button(texts.label(lang, "buttons.decline"), prefix + "no"),
            ]
        ]
    elif step is Step.CONFIRM:
        rows = [
            [
                _button(texts.label(lang, "buttons.confirm"), prefix + "ok"),
                _button(texts.label(lang, "buttons.edit"), prefix + "edit"),
            ]
        ]
    elif step is Step.EDIT_MENU:
        rows = field_rows(texts, lang, prefix)
    else:
        return None
    return InlineKeyboardMarkup(rows)


def field_rows(texts: Texts, lang: str, prefix: str) -> list[list[InlineKeyboardButton]]:
    """Buttons naming each editable field, two per row."""
    return _grid(
        [
            _button(texts.label(lang, f"fields.{field}"), prefix + field)
            for field in EDITABLE_FIELDS
        ],
        2,
    )


def profile_keyboard(texts: Texts, lang: str) -> InlineKeyboardMarkup:
    """The field buttons under /profile."""
    return InlineKeyboardMarkup(field_rows(texts, lang, "p:menu:"))


def forget_keyboard(texts: Texts, lang: str) -> InlineKeyboardMarkup:
    """Erase or keep, under the /forget question."""
    return InlineKeyboardMarkup(
        [
            [
                _button(texts.label(lang, "buttons.erase"), "f:confirm:yes"),
                _button(texts.label(lang, "buttons.keep"), "f:confirm:no"),
            ]
        ]
    )


def _short(title: str, limit: int = 40) -> str:
    """Shorten a title for a button."""
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"

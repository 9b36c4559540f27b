"""Inline keyboards, built here only: labels come from templates/, data from callback_data."""

from __future__ import annotations

import functools
from typing import TYPE_CHECKING, Any

from telegram import InlineKeyboardButton, InlineKeyboardMarkup

from bot.domain.catalogue import COUNTRIES, INSTITUTIONS, LANGUAGES, SEXES, ZONE_CHOICES
from bot.domain.registration import EDITABLE_FIELDS, Step
from bot.render import callback_data
from bot.render.texts import zone_city

if TYPE_CHECKING:
    from collections.abc import Callable

    from bot.render.texts import Texts

Row = list[tuple[str, str]]


def _button(text: str, data: str) -> InlineKeyboardButton:
    """One callback button."""
    return InlineKeyboardButton(text, callback_data=data)


def inline(rows: list[Row]) -> InlineKeyboardMarkup:
    """A keyboard from rows of (label, callback data) pairs."""
    return InlineKeyboardMarkup([[_button(text, data) for text, data in row] for row in rows])


def link_button(text: str, url: str) -> InlineKeyboardButton:
    """A button that opens a web address."""
    return InlineKeyboardButton(text, url=url)


def callback_button(text: str, data: str) -> InlineKeyboardButton:
    """A button whose press comes back to the bot with `data` (built by callback_data)."""
    return _button(text, data)


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
    if step is not Step.WEBINARS:
        return _fixed_keyboard(texts, lang, flow, step)
    choice = draft.get("webinar_choice", [w for w, _ in webinar_titles])
    rows = [
        [
            _button(
                f"{'✅' if wid in choice else '⬜'} {i + 1}. {_short(title)}",
                callback_data.question(flow, step, str(i)),
            )
        ]
        for i, (wid, title) in enumerate(webinar_titles)
    ]
    rows.append(
        [_button(texts.label(lang, "buttons.done"), callback_data.question(flow, step, "done"))]
    )
    return InlineKeyboardMarkup(rows)


@functools.lru_cache(maxsize=512)
def _fixed_keyboard(texts: Texts, lang: str, flow: str, step: Step) -> InlineKeyboardMarkup | None:
    """The buttons of a question that are the same for everyone: built once per language."""

    def data(value: str) -> str:
        return callback_data.question(flow, step, value)

    rows: list[list[InlineKeyboardButton]]
    if step is Step.LANGUAGE:
        rows = [[_button(texts.label(lang, f"languages.{code}"), data(code)) for code in LANGUAGES]]
    elif step is Step.COUNTRY:
        rows = [[_button(texts.label(lang, f"countries.{code}"), data(code))] for code in COUNTRIES]
    elif step is Step.TIMEZONE:
        rows = _grid(
            [_button(zone_city(zone, lang), data(str(i))) for i, zone in enumerate(ZONE_CHOICES)],
            2,
        )
    elif step is Step.INSTITUTION:
        rows = _grid(
            [
                _button(texts.label(lang, f"institutions.{code}"), data(code))
                for code in INSTITUTIONS
            ],
            2,
        )
    elif step is Step.SEX:
        rows = [[_button(texts.label(lang, f"sexes.{code}"), data(code))] for code in SEXES]
    elif step is Step.EMAIL:
        rows = [[_button(texts.label(lang, "buttons.skip"), data("skip"))]]
    elif step is Step.CONSENT:
        rows = [
            [
                _button(texts.label(lang, "buttons.agree"), data("yes")),
                _button(texts.label(lang, "buttons.decline"), data("no")),
            ]
        ]
    elif step is Step.CONFIRM:
        rows = [
            [
                _button(texts.label(lang, "buttons.confirm"), data("ok")),
                _button(texts.label(lang, "buttons.edit"), data("edit")),
            ]
        ]
    elif step is Step.EDIT_MENU:
        rows = field_rows(texts, lang, data)
    else:
        return None
    return InlineKeyboardMarkup(rows)


def proposal_keyboard(
    flow: str, step: Step, proposals: list[tuple[str, str]]
) -> InlineKeyboardMarkup:
    """The closest choices to a typed answer, (value, label), each a button of the question."""
    return InlineKeyboardMarkup(
        [[_button(label, callback_data.question(flow, step, value))] for value, label in proposals]
    )


def field_rows(
    texts: Texts, lang: str, data: Callable[[str], str]
) -> list[list[InlineKeyboardButton]]:
    """Buttons naming each editable field, two per row."""
    return _grid(
        [_button(texts.label(lang, f"fields.{field}"), data(field)) for field in EDITABLE_FIELDS],
        2,
    )


def profile_keyboard(texts: Texts, lang: str) -> InlineKeyboardMarkup:
    """The field buttons under /profile."""
    return InlineKeyboardMarkup(field_rows(texts, lang, callback_data.profile_field))


def forget_keyboard(texts: Texts, lang: str) -> InlineKeyboardMarkup:
    """Erase or keep, under the /forget question."""
    return InlineKeyboardMarkup(
        [
            [
                _button(texts.label(lang, "buttons.erase"), callback_data.forget("yes")),
                _button(texts.label(lang, "buttons.keep"), callback_data.forget("no")),
            ]
        ]
    )


def _short(title: str, limit: int = 40) -> str:
    """Shorten a title for a button."""
    return title if len(title) <= limit else title[: limit - 1].rstrip() + "…"


def settings_keyboard(texts: Texts, lang: str, reminders_on: bool) -> InlineKeyboardMarkup:
    """Under /settings: reminders on or off, then time zone and language."""
    choice = "off" if reminders_on else "on"
    return InlineKeyboardMarkup(
        [
            [
                _button(
                    texts.label(lang, f"buttons.reminders_{choice}"),
                    callback_data.reminders(choice),
                )
            ],
            [
                _button(
                    texts.label(lang, "fields.timezone"), callback_data.profile_field("timezone")
                ),
                _button(
                    texts.label(lang, "fields.language"), callback_data.profile_field("language")
                ),
            ],
        ]
    )


def calendar_link_row(
    texts: Texts, lang: str, google: str, outlook: str, n: int | None = None
) -> list[InlineKeyboardButton]:
    """'Add to Google Calendar' and 'Add to Outlook' link buttons (of webinar `n` if given)."""
    if n is None:
        names = ("buttons.google_calendar", "buttons.outlook")
    else:
        names = ("buttons.google_calendar_n", "buttons.outlook_n")
    return [
        link_button(texts.label(lang, names[0]).format(n=n), google),
        link_button(texts.label(lang, names[1]).format(n=n), outlook),
    ]


def schedule_keyboard(
    texts: Texts,
    lang: str,
    registered: list[bool] | None,
    links: list[tuple[str, str]] | None = None,
    subscription_url: str | None = None,
) -> InlineKeyboardMarkup:
    """Under /schedule: join or leave each webinar (participants only), calendar files and links.

    `links` holds each webinar's (Google Calendar, Outlook) links, offered for the webinars the
    participant is registered for; `subscription_url` is their calendar feed, when enabled.
    """
    rows: list[list[InlineKeyboardButton]] = []
    for index, joined in enumerate(registered or []):
        n = index + 1
        if joined:
            rows.append(
                [
                    _button(
                        texts.label(lang, "buttons.leave").format(n=n),
                        callback_data.schedule("leave", index),
                    ),
                    _button(
                        texts.label(lang, "buttons.calendar_n").format(n=n),
                        callback_data.calendar(index),
                    ),
                ]
            )
            if links is not None and index < len(links):
                rows.append(calendar_link_row(texts, lang, *links[index], n=n))
        else:
            rows.append(
                [
                    _button(
                        texts.label(lang, "buttons.register_for").format(n=n),
                        callback_data.schedule("join", index),
                    )
                ]
            )
    rows.append([_button(texts.label(lang, "buttons.calendar_all"), callback_data.calendar("all"))])
    if subscription_url is not None:
        rows.append([link_button(texts.label(lang, "buttons.subscribe"), subscription_url)])
    return InlineKeyboardMarkup(rows)


def feedback_keyboard(surveys: list[tuple[str, int]]) -> InlineKeyboardMarkup | None:
    """Under /feedback: one button per open survey, (label, response id); None when none."""
    if not surveys:
        return None
    return InlineKeyboardMarkup(
        [
            [_button(label, callback_data.survey(response_id, 0, "go"))]
            for label, response_id in surveys
        ]
    )


def webinar_keyboard(
    texts: Texts,
    lang: str,
    join_url: str,
    index: int,
    attending: bool,
    links: tuple[str, str] | None = None,
    asking: bool = False,
) -> InlineKeyboardMarkup:
    """Under a reminder or notice: join link, calendar file and the (Google, Outlook) links.

    'Ask the speakers a question' is added while questions may be sent, and 'I'm attending'
    once the webinar is on.
    """
    rows = [
        [
            link_button(texts.label(lang, "buttons.join"), join_url),
            _button(texts.label(lang, "buttons.calendar"), callback_data.calendar(index)),
        ]
    ]
    if links is not None:
        rows.append(calendar_link_row(texts, lang, *links))
    if asking:
        rows.append([_button(texts.label(lang, "ask.button"), callback_data.ask(index))])
    if attending:
        rows.append(
            [_button(texts.label(lang, "survey.attending"), callback_data.attending(index))]
        )
    return InlineKeyboardMarkup(rows)


def survey_question_keyboard(
    texts: Texts,
    lang: str,
    position: tuple[int, int],
    answers: list[tuple[str, str]],
    one_row: bool,
    navigation: tuple[bool, bool, bool],
) -> InlineKeyboardMarkup:
    """A survey question's buttons: its answers (label, value), then back, keep and skip.

    `position` is (response id, question index); `navigation` says which of back, keep and
    skip apply.
    """
    response_id, index = position

    def data(action: str, value: str = "") -> str:
        return callback_data.survey(response_id, index, action, value)

    answer_buttons = [_button(label, data("a", value)) for label, value in answers]
    rows = [answer_buttons] if one_row and answer_buttons else [[b] for b in answer_buttons]
    back, keep, skip = navigation
    extra = [
        _button(texts.label(lang, key), data(action))
        for wanted, key, action in (
            (back, "buttons.back", "b"),
            (keep, "survey.keep", "k"),
            (skip, "survey.skip", "s"),
        )
        if wanted
    ]
    if extra:
        rows.append(extra)
    return InlineKeyboardMarkup(rows)


def survey_invitation_keyboard(
    texts: Texts, lang: str, response_id: int, attended: bool | None
) -> InlineKeyboardMarkup:
    """Under a survey invitation: start, or first say whether you attended."""
    if attended:
        row = [
            _button(texts.label(lang, "survey.start"), callback_data.survey(response_id, 0, "go"))
        ]
    else:
        row = [
            _button(
                texts.label(lang, "survey.attended_yes"), callback_data.survey(response_id, 0, "y")
            ),
            _button(
                texts.label(lang, "survey.attended_no"), callback_data.survey(response_id, 0, "n")
            ),
        ]
    return InlineKeyboardMarkup([row])


def mydata_file_keyboard(texts: Texts, lang: str) -> InlineKeyboardMarkup:
    """Under /mydata: everything as a JSON file."""
    return InlineKeyboardMarkup(
        [[_button(texts.label(lang, "buttons.mydata_file"), callback_data.mydata_file())]]
    )


def ask_webinars_keyboard(webinars: list[tuple[int, str]]) -> InlineKeyboardMarkup:
    """The webinars open for questions, as (index in the series, title) buttons."""
    return inline([[(title[:60], callback_data.ask(index))] for index, title in webinars])


def _withdraw_rows(texts: Texts, lang: str, questions: list[tuple[int, str]]) -> list[Row]:
    """One "withdraw" button per (question id, text) of the asker's own questions."""
    label = texts.label(lang, "ask.withdraw")
    return [
        [(label.format(text=_short(text)), callback_data.ask_withdraw(question_id))]
        for question_id, text in questions
    ]


def ask_prompt_keyboard(
    texts: Texts, lang: str, questions: list[tuple[int, str]]
) -> InlineKeyboardMarkup:
    """Under the "type your question" prompt: withdraw one's own questions, or cancel."""
    cancel = [(texts.label(lang, "ask.cancel"), callback_data.ask_cancel())]
    return inline([*_withdraw_rows(texts, lang, questions), cancel])


def ask_topics_keyboard(texts: Texts, lang: str, topics: tuple[str, ...]) -> InlineKeyboardMarkup:
    """The webinar's topics, numbered, then "no particular topic"."""
    rows = [
        [(f"{n + 1}. {_short(topic)}", callback_data.ask_topic(n))]
        for n, topic in enumerate(topics)
    ]
    rows.append([(texts.label(lang, "ask.no_topic"), callback_data.ask_topic(None))])
    return inline(rows)


def ask_anonymity_keyboard(texts: Texts, lang: str) -> InlineKeyboardMarkup:
    """Show the asker's name to the organizers, or ask anonymously."""
    return inline(
        [
            [(texts.label(lang, "ask.named"), callback_data.ask_anonymous(False))],
            [(texts.label(lang, "ask.anonymous"), callback_data.ask_anonymous(True))],
        ]
    )


def ask_withdraw_keyboard(
    texts: Texts, lang: str, question_id: int, text: str
) -> InlineKeyboardMarkup:
    """Under a sent question: withdraw it."""
    return inline(_withdraw_rows(texts, lang, [(question_id, text)]))

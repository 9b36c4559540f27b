"""Organizer exports: participants, attendance and feedback as CSV, JSON or XLSX.

Rows are read from one read-only snapshot (storage.report_queries) in chunks, so an export of
any size runs in bounded memory. Participants erased with /forget appear in no export; their survey
answers remain in the feedback export only without identity (every participant column blank).
In CSV and XLSX a text cell that a spreadsheet could take for a formula (starting with =, +, -,
@, a tab or a carriage return) is prefixed with a single quote; JSON keeps the stored text.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from bot.reporting.question_rows import QUESTION_COLUMNS, question_rows
from storage.report_queries import ReportQueries, Row, UnreadableDatabase
from templates import TEMPLATES_DIR

if TYPE_CHECKING:
    from pathlib import Path

    from bot.domain.series import Series, Webinar

KINDS: Final = ("feedback", "participants", "attendance", "questions")
FORMATS: Final = ("csv", "xlsx", "json")
REPORT_FORMATS: Final = ("md", "html", "docx")
LABELS_FILE: Final = TEMPLATES_DIR / "labels" / "labels.toml"
NO_WEBINAR: Final = "No webinar"
_DANGEROUS: Final = frozenset("=+-@\t\r")

Progress = Callable[[int], None]

# (JSON key, CSV/XLSX header) of each export's columns, in order.
COLUMNS: Final[dict[str, tuple[tuple[str, str], ...]]] = {
    "participants": (
        ("id", "id"),
        ("full_name", "full name"),
        ("country", "country"),
        ("institution", "institution"),
        ("position", "position"),
        ("sex", "sex"),
        ("email", "e-mail"),
        ("language", "language"),
        ("timezone", "time zone"),
        ("registered_at", "registered at (UTC)"),
        ("webinars", "webinars"),
        ("waiting_lists", "waiting lists"),
    ),
    "attendance": (
        ("webinar_id", "webinar id"),
        ("participant_id", "participant id"),
        ("full_name", "full name"),
        ("country", "country"),
        ("institution", "institution"),
        ("sex", "sex"),
        ("attended", "attended"),
        ("source", "source"),
        ("minutes", "minutes"),
    ),
    "feedback": (
        ("webinar_id", "webinar id"),
        ("response_id", "response id"),
        ("participant_id", "participant id"),
        ("full_name", "full name"),
        ("country", "country"),
        ("institution", "institution"),
        ("sex", "sex"),
        ("question_key", "question key"),
        ("question", "question"),
        ("answer", "answer"),
        ("answered_at", "answered at (UTC)"),
    ),
    "questions": QUESTION_COLUMNS,
}


class ExportError(Exception):
    """An export cannot be made; str() is one line saying why."""


def neutralise(value: str | None) -> str | None:
    """Prefix a quote to text a spreadsheet would run as a formula; other values pass."""
    if value and value[0] in _DANGEROUS:
        return "'" + value
    return value


def unchanged(value: str | None) -> str | None:
    """Leave a value as stored (JSON)."""
    return value


@dataclass(frozen=True)
class QuestionInfo:
    """What an export needs of one survey question: its order, English text and choices."""

    order: int
    text: str
    kind: str
    choices: tuple[str, ...]


@dataclass(frozen=True)
class ExportContext:
    """English names of the codes stored, and each webinar's questions."""

    countries: dict[str, str]
    institutions: dict[str, str]
    sexes: dict[str, str]
    questions: dict[str, dict[str, QuestionInfo]] = field(default_factory=dict)
    timezone: str = "UTC"  # the organizers' zone: XLSX date-time cells are in it
    topics: dict[str, tuple[str, ...]] = field(default_factory=dict)  # English, per webinar

    @classmethod
    def build(cls, series: Series | None, labels_file: Path = LABELS_FILE) -> ExportContext:
        """Read the English labels and the series' questions."""
        with labels_file.open("rb") as handle:
            labels = tomllib.load(handle)
        survey = labels.get("survey", {})
        questions = {w.id: _questions(w, survey) for w in (series.webinars if series else ())}
        return cls(
            dict(labels["countries"]),
            dict(labels["institutions"]),
            dict(labels["sexes"]),
            questions,
            series.timezone.key if series else "UTC",
            {w.id: w.topics for w in (series.webinars if series else ())},
        )

    def country(self, code: str | None, other: str | None) -> str | None:
        """A country's English name, or the text typed for "other"."""
        if code is None:
            return None
        if code == "other" and other:
            return other
        return self.countries.get(code, code)

    def institution(self, code: str | None, other: str | None) -> str | None:
        """An institution type's English name, or the text typed for "other"."""
        if code is None:
            return None
        if code == "other" and other:
            return other
        return self.institutions.get(code, code)


def _questions(webinar: Webinar, survey: dict[str, str]) -> dict[str, QuestionInfo]:
    """A webinar's questions by key, with their English text (as bot.domain.survey words them)."""
    found: dict[str, QuestionInfo] = {}
    for order, q in enumerate(webinar.questions):
        if q.label is None:
            text = q.text or q.key
        else:
            topic = webinar.topics[q.topic_index] if q.topic_index is not None else ""
            text = survey.get(q.label, q.label).format(topic=topic)
        choices = webinar.topics if q.topic_choices else q.choices
        found[q.key] = QuestionInfo(order, text, q.kind, tuple(choices))
    return found


def connect_readonly(path: Path) -> ReportQueries:
    """Open the database read-only in one snapshot (ExportError when it cannot)."""
    try:
        return ReportQueries.open(path)
    except UnreadableDatabase as exc:
        raise ExportError(f"DATABASE_PATH: {exc}") from None


def webinar_ids(queries: ReportQueries, only: str | None = None) -> list[str]:
    """The stored webinars in series order, or just `only` (ExportError when unknown)."""
    ids = queries.webinar_ids()
    if only is None:
        return ids
    if only not in ids:
        known = ", ".join(ids) or "none stored"
        raise ExportError(f"--webinar: unknown webinar id {only!r} (known: {known})")
    return [only]


def participant_rows(
    queries: ReportQueries,
    ctx: ExportContext,
    webinar: str | None,
    clean: Callable[[str | None], str | None] = unchanged,
) -> Iterator[Row]:
    """Participants not erased: all, a webinar's registrants, or (NO_WEBINAR) the unregistered."""
    if webinar == NO_WEBINAR:
        stored = queries.participants(unregistered=True)
    else:
        stored = queries.participants(webinar)
    sexes = ctx.sexes
    for (
        pid,
        name,
        country,
        country_other,
        institution,
        institution_other,
        position,
        sex,
        email,
        language,
        timezone,
        registered_at,
        webinars,
        waiting_lists,
    ) in stored:
        yield (
            pid,
            clean(name),
            clean(ctx.country(country, country_other)),
            clean(ctx.institution(institution, institution_other)),
            clean(position),
            sexes.get(sex, sex),
            clean(email),
            language,
            timezone,
            registered_at,
            clean(webinars or ""),
            clean(waiting_lists or ""),
        )


def attendance_rows(
    queries: ReportQueries,
    ctx: ExportContext,
    webinar: str,
    clean: Callable[[str | None], str | None] = unchanged,
) -> Iterator[Row]:
    """A webinar's attendance records of participants not erased."""
    sexes = ctx.sexes
    for (
        pid,
        name,
        country,
        country_other,
        institution,
        institution_other,
        sex,
        attended,
        source,
        minutes,
    ) in queries.attendance(webinar):
        yield (
            clean(webinar),
            pid,
            clean(name),
            clean(ctx.country(country, country_other)),
            clean(ctx.institution(institution, institution_other)),
            sexes.get(sex, sex),
            "yes" if attended else "no",
            source,
            minutes,
        )


QUOTE_NEEDED: Final = re.compile(r'[",\r\n]').search


def answer_value(info: QuestionInfo | None, value: str | None) -> str | int | None:
    """A stored answer as exported: ratings as numbers, a choice's text for its number."""
    if value is None or info is None:
        return value
    if info.kind == "rating" and value.isdigit():
        return int(value)
    if info.kind == "choice" and value.isdigit() and int(value) < len(info.choices):
        return info.choices[int(value)]
    return value


def answer_rows(
    queries: ReportQueries, ctx: ExportContext, webinar: str, raw: bool = False
) -> tuple[Iterator[list[Row]], Iterator[Row]]:
    """A webinar's answers in chunks, in response and question order, and its respondents.

    Answer rows are (response id, question key, value, answered at); respondent rows are
    in the same response order, so the two streams merge without holding either. With
    `raw`, answer rows are (response id, b"key=value", answered at as bytes): no decoding,
    and one lookup finds a rating's or choice's encoded cells (the CSV fast path); they come
    in key order (the primary key's, no sorting), and the caller puts them in question order.
    """
    keys = [] if raw else list(ctx.questions.get(webinar, {}))
    return queries.answer_chunks(webinar, keys, raw), queries.respondents(webinar)


def identity_cells(
    ctx: ExportContext, webinar: str, person: Row, clean: Callable[[str | None], str | None]
) -> Row:
    """The first seven feedback columns; blank participant columns for an erased person."""
    rid, pid, erased, name, country, country_other, institution, institution_other, sex = person
    if erased:
        return (clean(webinar), rid, None, None, None, None, None)
    return (
        clean(webinar),
        rid,
        pid,
        clean(name),
        clean(ctx.country(country, country_other)),
        clean(ctx.institution(institution, institution_other)),
        ctx.sexes.get(sex, sex),
    )


def feedback_rows(
    queries: ReportQueries,
    ctx: ExportContext,
    webinar: str,
    clean: Callable[[str | None], str | None] = unchanged,
) -> Iterator[Row]:
    """A webinar's answers, one row each, in question order; erased people stay anonymous."""
    questions = ctx.questions.get(webinar, {})
    texts = {key: clean(info.text) for key, info in questions.items()}
    answers, people = answer_rows(queries, ctx, webinar)
    current, identity = None, ()
    for rid, key, value, answered_at in (row for chunk in answers for row in chunk):
        if rid != current:
            current = rid
            person = next(p for p in people if p[0] == rid)
            identity = identity_cells(ctx, webinar, person, clean)
        answer = answer_value(questions.get(key), value)
        if type(answer) is str:
            answer = clean(answer)
        yield (*identity, key, texts.get(key), answer, answered_at)


def sections(
    queries: ReportQueries,
    ctx: ExportContext,
    kind: str,
    webinars: list[str],
    clean: Callable[[str | None], str | None],
    per_webinar: bool,
    filtered: bool,
) -> Iterator[tuple[str, Iterator[Row]]]:
    """(title, rows) for each part of an export: per webinar, or one part for participants."""
    if kind == "participants" and not per_webinar:
        yield (
            "participants",
            participant_rows(queries, ctx, webinars[0] if filtered else None, clean),
        )
        return
    if kind == "questions":
        for webinar in webinars:
            yield (webinar, question_rows(queries, ctx.topics.get(webinar, ()), webinar, clean))
        return
    make = {
        "participants": participant_rows,
        "attendance": attendance_rows,
        "feedback": feedback_rows,
    }[kind]
    for webinar in webinars:
        yield (webinar, make(queries, ctx, webinar, clean))
    if kind == "participants" and not filtered:
        unregistered = participant_rows(queries, ctx, NO_WEBINAR, clean)
        first = next(unregistered, None)
        if first is not None:
            yield (NO_WEBINAR, _prepend(first, unregistered))


def _prepend(first: Row, rest: Iterator[Row]) -> Iterator[Row]:
    """An iterator of `first` then `rest`."""
    yield first
    yield from rest


def count_rows(queries: ReportQueries, kind: str, webinars: list[str], filtered: bool) -> int:
    """How many rows an export will have (for the progress bar)."""
    if kind == "participants":
        return queries.count_participants(webinars if filtered else None)
    if kind == "questions":
        return queries.count_questions(webinars)
    if kind == "attendance":
        return queries.count_attendance(webinars)
    return queries.count_answers(webinars)


def export_counts(
    queries: ReportQueries, kind: str, webinars: list[str], filtered: bool
) -> dict[str, int]:
    """What an export holds, counted as people say it (its caption's numbers).

    participants: people and registrations; attendance: records and who attended;
    feedback: responses and answers.
    """
    if kind == "participants":
        return {
            "participants": queries.count_participants(webinars if filtered else None),
            "registrations": queries.count_registrations(webinars if filtered else None),
        }
    if kind == "attendance":
        return {"records": queries.count_attendance(webinars)}
    return {
        "responses": queries.count_responses(webinars),
        "answers": queries.count_answers(webinars),
    }

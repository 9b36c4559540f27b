"""The series' statistics: one source for the XLSX Summary sheet, /stats and the report.

Everything is read from the exports' read-only snapshot (storage.report_queries). People are
counted with the codes stored (country, sex, institution type), erased participants included:
their codes remain, anonymously. Free text (a typed state or institution, survey answers) is
read only from participants who have not erased their data.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Final

from bot.domain.attendance import CORRECTION, PLATFORM, SELF_REPORTED
from bot.reporting.export_rows import ExportContext
from storage.report_queries import PEOPLE_COLUMNS, ReportQueries

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence
    from datetime import datetime

    from bot.domain.series import Series
    from bot.reporting.export_rows import ExportContext

DIMENSIONS: Final = PEOPLE_COLUMNS


def ratio(numerator: int, denominator: int) -> float | None:
    """A ratio rounded to 4 places, or None when the denominator is 0."""
    return round(numerator / denominator, 4) if denominator else None


@dataclass(frozen=True)
class Breakdown:
    """People counted by one characteristic: per webinar, and over the webinars (unique)."""

    column: str
    codes: tuple[str, ...]  # display order: the labels' order, then others
    per_webinar: Mapping[str, Mapping[str, int]]  # webinar -> code -> people
    unique: Mapping[str, int]  # code -> people in any of the webinars

    def count(self, webinar: str, code: str) -> int:
        """People of one webinar with this code."""
        return self.per_webinar.get(webinar, {}).get(code, 0)

    def total(self, webinar: str) -> int:
        """People of one webinar."""
        return sum(self.per_webinar.get(webinar, {}).values())

    @property
    def unique_total(self) -> int:
        """People in any of the webinars, each counted once."""
        return sum(self.unique.values())

    def present(self, webinar: str | None) -> tuple[str, ...]:
        """The codes with at least one person (in one webinar, or in any)."""
        counts = self.unique if webinar is None else self.per_webinar.get(webinar, {})
        return tuple(code for code in self.codes if counts.get(code, 0))


@dataclass(frozen=True)
class AttendanceRow:
    """One webinar's attendance: registered, attended (by sex), recorded absent."""

    webinar: str
    registered: int
    attended: int
    by_sex: Mapping[str, int]
    absent: int
    by_source: Mapping[str, int]  # attendances per source (import, button, survey, correction)

    @property
    def from_platform(self) -> int:
        """Attendances taken from a platform's attendance report."""
        return self.by_source.get(PLATFORM, 0)

    @property
    def self_reported(self) -> int:
        """Attendances the participants reported themselves (button or survey)."""
        return sum(self.by_source.get(source, 0) for source in SELF_REPORTED)

    @property
    def corrected(self) -> int:
        """Attendances an organizer recorded by correction."""
        return self.by_source.get(CORRECTION, 0)

    @property
    def rate(self) -> float | None:
        """Attended / registered."""
        return ratio(self.attended, self.registered)


@dataclass(frozen=True)
class SurveyRow:
    """One webinar's survey: responses by status and the response rate."""

    webinar: str
    invited: int  # every response created: sent the survey, or opened it with /feedback
    not_started: int
    started: int
    completed: int
    absent: int  # said they did not attend
    attended: int

    @property
    def response_rate(self) -> float | None:
        """Completed / (invited - those who said they did not attend)."""
        return ratio(self.completed, self.invited - self.absent)

    @property
    def completed_per_attended(self) -> float | None:
        """Completed / attended."""
        return ratio(self.completed, self.attended)


@dataclass(frozen=True)
class RatingRow:
    """The average answer (1-5) of one rating question of one webinar."""

    webinar: str
    key: str
    text: str | None
    answers: int
    average: float | None  # rounded to 2 places


@dataclass(frozen=True)
class ChoiceRow:
    """How often each choice of one choice question was picked."""

    webinar: str
    key: str
    counts: Mapping[int, int]  # choice number -> answers

    @property
    def top(self) -> tuple[int, ...]:
        """The choices picked most often (several when tied; none without answers)."""
        best = max(self.counts.values(), default=0)
        return tuple(sorted(c for c, n in self.counts.items() if n == best and n))


@dataclass(frozen=True)
class Summary:
    """Every statistic of a set of webinars."""

    webinars: tuple[str, ...]
    registered: Mapping[str, Breakdown]  # by dimension
    attended: Mapping[str, Breakdown]  # by dimension
    attendance: tuple[AttendanceRow, ...]
    survey: tuple[SurveyRow, ...]
    ratings: tuple[RatingRow, ...]
    choices: tuple[ChoiceRow, ...]
    certificates: Mapping[str, int] = field(default_factory=dict)  # webinar -> certificates made

    def attendance_of(self, webinar: str) -> AttendanceRow:
        """The attendance row of a webinar."""
        return next(row for row in self.attendance if row.webinar == webinar)

    def survey_of(self, webinar: str) -> SurveyRow:
        """The survey row of a webinar."""
        return next(row for row in self.survey if row.webinar == webinar)

    def ratings_of(self, webinar: str) -> tuple[RatingRow, ...]:
        """The rating rows of a webinar, in question order."""
        return tuple(row for row in self.ratings if row.webinar == webinar)

    def choice(self, webinar: str, key: str) -> ChoiceRow | None:
        """The counts of one choice question of a webinar."""
        return next((r for r in self.choices if r.webinar == webinar and r.key == key), None)


def breakdown(
    queries: ReportQueries,
    column: str,
    names: Mapping[str, str],
    webinars: Sequence[str],
    source: str = "registered",
) -> Breakdown:
    """Registered (or attending) people per webinar and unique, by one participant column."""
    per_webinar: dict[str, dict[str, int]] = {}
    for webinar, code, n in queries.people_per_webinar(column, webinars, source):
        per_webinar.setdefault(webinar, {})[code] = n
    unique = queries.people_unique(column, webinars, source)
    codes = [c for c in names if c in unique] + sorted(c for c in unique if c not in names)
    return Breakdown(column, tuple(codes), per_webinar, unique)


def attendance_row(queries: ReportQueries, webinar: str, sexes: Sequence[str]) -> AttendanceRow:
    """Registered, attended (by sex) and recorded absent for one webinar."""
    registered = queries.registered_count(webinar)
    counts: dict[tuple[int, str], int] = {
        (attended, sex): n for attended, sex, n in queries.attendance_by_sex(webinar)
    }
    by_source = queries.attended_by_source(webinar)
    by_sex = {sex: counts.get((1, sex), 0) for sex in sexes}
    by_sex.update({sex: n for (flag, sex), n in counts.items() if flag and sex not in by_sex})
    return AttendanceRow(
        webinar,
        registered,
        sum(n for (f, _), n in counts.items() if f),
        by_sex,
        sum(n for (f, _), n in counts.items() if not f),
        by_source,
    )


def survey_row(queries: ReportQueries, webinar: str) -> SurveyRow:
    """Responses by status and attendance for one webinar."""
    status = queries.responses_by_status(webinar)
    attended = queries.attended_count(webinar)
    return SurveyRow(
        webinar,
        sum(status.values()),
        status.get("invited", 0),
        status.get("open", 0),
        status.get("completed", 0),
        status.get("absent", 0),
        attended,
    )


def rating_rows(queries: ReportQueries, ctx: ExportContext, webinar: str) -> list[RatingRow]:
    """The average of every rating question (1-5) of one webinar, in question order."""
    questions = ctx.questions.get(webinar, {})
    averages = queries.rating_averages(webinar)
    rows = []
    for _, key in sorted(
        (info.order, key) for key, info in questions.items() if info.kind == "rating"
    ):
        n, avg = averages.get(key, (0, None))
        rows.append(
            RatingRow(webinar, key, questions[key].text, n, None if avg is None else round(avg, 2))
        )
    return rows


def choice_rows(queries: ReportQueries, ctx: ExportContext, webinar: str) -> list[ChoiceRow]:
    """How often each choice of every choice question of one webinar was picked."""
    rows = []
    for key, info in sorted(ctx.questions.get(webinar, {}).items(), key=lambda i: i[1].order):
        if info.kind != "choice":
            continue
        counts = {
            choice: n
            for choice, n in queries.choice_counts(webinar, key).items()
            if choice < len(info.choices)
        }
        rows.append(ChoiceRow(webinar, key, counts))
    return rows


def summarise(queries: ReportQueries, ctx: ExportContext, webinars: Sequence[str]) -> Summary:
    """Every statistic of these webinars (erased participants counted anonymously)."""
    names = {"country": ctx.countries, "sex": ctx.sexes, "institution": ctx.institutions}
    return Summary(
        webinars=tuple(webinars),
        registered={d: breakdown(queries, d, names[d], webinars) for d in DIMENSIONS},
        attended={d: breakdown(queries, d, names[d], webinars, "attended") for d in DIMENSIONS},
        attendance=tuple(attendance_row(queries, w, list(ctx.sexes)) for w in webinars),
        survey=tuple(survey_row(queries, w) for w in webinars),
        ratings=tuple(row for w in webinars for row in rating_rows(queries, ctx, w)),
        choices=tuple(row for w in webinars for row in choice_rows(queries, ctx, w)),
        certificates=queries.certificate_counts(webinars),
    )


def typed_names(
    queries: ReportQueries, column: str, webinars: Sequence[str], source: str = "registered"
) -> list[str]:
    """The texts typed for "other" (state or institution) by people not erased, distinct."""
    found: dict[str, str] = {}
    for text in queries.typed_names(column, webinars, source):
        found.setdefault(" ".join(text.split()).casefold(), " ".join(text.split()))
    return sorted(found.values(), key=str.casefold)


def free_texts(queries: ReportQueries, webinar: str, keys: Sequence[str], limit: int) -> list[str]:
    """Up to `limit` distinct answers to text questions (completed responses, not erased)."""
    found: dict[str, str] = {}
    for value in queries.text_answers(webinar, keys):
        text = " ".join(value.split())
        if len(text) >= 3:
            found.setdefault(text.casefold(), text)
    return list(found.values())[:limit]


def phase(start: datetime, end: datetime, now: datetime) -> str:
    """Where a webinar stands at `now`: "upcoming", "under_way" or "held" (ended)."""
    if now < start:
        return "upcoming"
    return "under_way" if now < end else "held"


def held_webinars(series: Series, now: datetime) -> set[str]:
    """The webinars of the series that have ended by `now` (the only ones with attendance)."""
    return {w.id for w in series.webinars if phase(w.starts_at, w.ends_at, now) == "held"}

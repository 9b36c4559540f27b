"""The narrative report of one webinar or of the whole series, as Markdown or HTML.

The figures come from bot.reporting.statistics (the numbers of the XLSX Summary sheet); the
sentences are in templates/report/report.md.j2 and report.html.j2. Text that people typed (a
state or an institution, survey answers) is escaped for the format: HTML by Jinja2's
autoescaping, Markdown by `md_escape` on every value the template prints. Nobody is ever named.
"""

from __future__ import annotations

import base64
import re
import tomllib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from babel.dates import format_datetime
from jinja2 import Environment, FileSystemLoader, StrictUndefined
from markupsafe import Markup

from bot.clock import from_iso
from bot.render.texts import TEMPLATES_DIR, Texts, utc_offset_label
from bot.reporting.charts import chart_words, rating_labels, render_charts, webinar_titles
from bot.reporting.export_rows import (
    REPORT_FORMATS,
    ExportContext,
    connect_readonly,
    webinar_ids,
)
from bot.reporting.statistics import (
    Breakdown,
    Summary,
    free_texts,
    phase,
    summarise,
    typed_names,
)

if TYPE_CHECKING:
    from datetime import datetime
    from pathlib import Path

    from bot.domain.series import Series
    from storage.report_queries import ReportQueries

REPORT_DIR: Final = TEMPLATES_DIR / "report"
QUOTES_PER_WEBINAR: Final = 3
EXACT_BELOW: Final = 10  # below this, numbers are given exactly ("over" only from 10 on)
_MD_ALWAYS: Final = re.compile(r"[\\`*_{}\[\]<>|~&]")
_MD_LEADING: Final = re.compile(r"^([#+\-=]|\d+[.)])")

Escape = Callable[[Any], Markup]


def md_escape(value: Any) -> Markup:
    """Text made inert in Markdown: one line, markup characters backslash-escaped."""
    if isinstance(value, Markup):
        return value
    text = re.sub(r"\s+", " ", str(value))
    text = _MD_ALWAYS.sub(lambda m: "\\" + m.group(0), text)
    text = _MD_LEADING.sub(lambda m: m.group(0)[:-1] + "\\" + m.group(0)[-1], text, count=1)
    return Markup(text)


def html_escape(value: Any) -> Markup:
    """Text escaped for HTML."""
    return Markup.escape(value)


def _md_finalize(value: Any) -> Any:
    """What a Markdown template prints: numbers and Markup as they are, other text escaped."""
    if value is None:
        return ""
    if isinstance(value, Markup) or (
        isinstance(value, int | float) and not isinstance(value, bool)
    ):
        return value
    return md_escape(value)


def natural_join(items: Sequence[Any], escape: Escape, word: str = "and") -> Markup:
    """'A', 'A and B', 'A, B and C', each item escaped."""
    parts = [escape(item) for item in items]
    if len(parts) < 2:
        return parts[0] if parts else Markup("")
    return Markup(", ").join(parts[:-1]) + Markup(f" {word} ") + parts[-1]


def rounded(count: int) -> dict[str, Any]:
    """A count as the report says it: 'over 45' for 47, exactly 45 for 45 (and below 10)."""
    floor = count // 5 * 5
    over = count >= EXACT_BELOW and count > floor
    return {"over": over, "value": floor if over else count}


def percent(value: float | None) -> Markup:
    """A ratio as a percentage with one decimal, e.g. 62.5%."""
    return Markup("—") if value is None else Markup(f"{value * 100:.1f}%")


def average(value: float | None) -> Markup:
    """An average rating with two decimals, e.g. 4.25."""
    return Markup("—") if value is None else Markup(f"{value:.2f}")


@dataclass(frozen=True)
class Phrases:
    """How the report names institution types and states in a sentence."""

    ministries: Mapping[str, str]
    institutions: Mapping[str, str]
    countries: Mapping[str, str]

    @classmethod
    def load(cls, ctx: ExportContext, path: Path = REPORT_DIR / "phrases.toml") -> Phrases:
        """Read templates/report/phrases.toml; countries are the English labels."""
        with path.open("rb") as handle:
            data = tomllib.load(handle)
        return cls(data["ministries"], data["institutions"], ctx.countries)

    def institutions_phrase(
        self, codes: Sequence[str], typed: Sequence[str], escape: Escape
    ) -> Markup:
        """'ministries of Foreign Affairs and Finance, police forces and other institutions'."""
        ministries = [self.ministries[c] for c in codes if c in self.ministries]
        parts: list[Markup] = []
        if ministries:
            lead = "ministries of " if len(ministries) > 1 else "the Ministry of "
            parts.append(Markup(lead) + natural_join(ministries, escape))
        for code in codes:
            if code in self.ministries:
                continue
            phrase = escape(self.institutions.get(code, code))
            if code == "other" and typed:
                phrase += Markup(" (") + natural_join(typed, escape) + Markup(")")
            parts.append(phrase)
        return natural_join(parts, escape)


def _people(
    queries: ReportQueries,
    source: str,
    breakdowns: Mapping[str, Breakdown],
    webinar: str | None,
    webinars: Sequence[str],
    phrases: Phrases,
    escape: Escape,
) -> dict[str, Any]:
    """Who: how many, by sex, from which institutions and states (a webinar, or all: unique)."""

    def count(column: str, code: str) -> int:
        """People with a code in this webinar (or unique over all)."""
        found = breakdowns[column]
        return found.unique.get(code, 0) if webinar is None else found.count(webinar, code)

    scope = webinars if webinar is None else [webinar]
    total = breakdowns["sex"].unique_total if webinar is None else breakdowns["sex"].total(webinar)
    states = [c for c in breakdowns["country"].present(webinar) if c != "other"]
    institutions = breakdowns["institution"].present(webinar)
    typed_states = typed_names(queries, "country", scope, source)
    return {
        "total": total,
        "rounded": rounded(total),
        "women": count("sex", "woman"),
        "men": count("sex", "man"),
        "undisclosed": count("sex", "undisclosed"),
        "institutions": phrases.institutions_phrase(
            institutions, typed_names(queries, "institution", scope, source), escape
        ),
        "state_count": len(states),
        "states": natural_join([phrases.countries.get(c, c) for c in states], escape),
        "other_states": count("country", "other"),
        "other_state_names": natural_join(typed_states, escape) if typed_states else None,
    }


def _feedback(
    queries: ReportQueries, summary: Summary, series: Series, webinar_id: str
) -> dict[str, Any]:
    """The survey of one webinar: response rate, ratings, the most useful topic, quotes."""
    webinar = series.webinar(webinar_id)
    questions = {q.key: q for q in webinar.questions} if webinar else {}
    row = summary.survey_of(webinar_id)
    overall, topics, others = None, [], []
    for rating in summary.ratings_of(webinar_id):
        question = questions.get(rating.key)
        item = {
            "text": rating.text or rating.key,
            "average": rating.average,
            "answers": rating.answers,
        }
        if question is not None and question.label == "overall":
            overall = item
        elif question is not None and question.topic_index is not None and webinar:
            topics.append(dict(item, text=webinar.topics[question.topic_index]))
        else:
            others.append(item)
    most_useful = None
    choice_key = next((q.key for q in questions.values() if q.topic_choices), None)
    choice = summary.choice(webinar_id, choice_key) if choice_key else None
    if choice is not None and choice.top and webinar is not None:
        most_useful = {
            "topics": [webinar.topics[i] for i in choice.top],
            "votes": choice.counts[choice.top[0]],
            "answers": sum(choice.counts.values()),
        }
    quotes: list[str] = []
    if not series.survey_anonymous:
        keys = [q.key for q in questions.values() if q.kind == "text"]
        quotes = free_texts(queries, webinar_id, keys, QUOTES_PER_WEBINAR)
    return {
        "invited": row.invited,
        "absent": row.absent,
        "completed": row.completed,
        "expected": row.invited - row.absent,
        "rate": row.response_rate,
        "overall": overall,
        "topics": topics,
        "others": others,
        "most_useful": most_useful,
        "quotes": quotes,
    }


def _when(start: datetime, end: datetime, series: Series) -> dict[str, str]:
    """A webinar's date and hours in the organizers' zone."""
    zone = series.timezone
    return {
        "date": format_datetime(start, "EEEE d MMMM y", tzinfo=zone, locale="en"),
        "start": format_datetime(start, "HH:mm", tzinfo=zone, locale="en"),
        "end": format_datetime(end, "HH:mm", tzinfo=zone, locale="en"),
        "zone": f"{utc_offset_label(start, zone)}, {zone.key}",
    }


def _as_of(now: datetime, series: Series) -> dict[str, str]:
    """The moment the report describes, in the organizers' zone."""
    zone = series.timezone
    return {
        "date": format_datetime(now, "EEEE d MMMM y", tzinfo=zone, locale="en"),
        "time": format_datetime(now, "HH:mm", tzinfo=zone, locale="en"),
        "zone": f"{utc_offset_label(now, zone)}, {zone.key}",
    }


def report_context(
    queries: ReportQueries,
    series: Series,
    ctx: ExportContext,
    webinars: Sequence[str],
    escape: Escape,
    whole_series: bool,
    now: datetime,
) -> dict[str, Any]:
    """Everything the report templates print, each webinar told as it stands at `now`."""
    summary = summarise(queries, ctx, webinars)
    phrases = Phrases.load(ctx)
    stored = queries.webinars()
    sections = []
    for webinar_id in webinars:
        title, starts_at, ends_at = stored[webinar_id]
        webinar = series.webinar(webinar_id)
        attendance = summary.attendance_of(webinar_id)
        start, end = from_iso(starts_at), from_iso(ends_at)
        stage = phase(start, end, now)
        took_part = stage == "held" and attendance.attended > 0
        source = "attended" if took_part else "registered"
        breakdowns = summary.attended if took_part else summary.registered
        sections.append(
            {
                "id": webinar_id,
                "title": webinar.title if webinar else title,
                "phase": stage,
                "when": _when(start, end, series),
                "topics": list(webinar.topics) if webinar else [],
                "took_part": took_part,
                "registered": attendance.registered,
                "attended": attendance.attended,
                "from_platform": attendance.from_platform,
                "self_reported": attendance.self_reported,
                "corrected": attendance.corrected,
                "attendance_rate": attendance.rate,
                "people": _people(
                    queries, source, breakdowns, webinar_id, webinars, phrases, escape
                ),
                "feedback": _feedback(queries, summary, series, webinar_id),
                "certificates": summary.certificates.get(webinar_id, 0),
            }
        )
    held = {s["id"] for s in sections if s["phase"] == "held"}
    totals = None
    if whole_series:
        held_ids = [w for w in webinars if w in held]
        so_far = summary if len(held_ids) == len(webinars) else summarise(queries, ctx, held_ids)
        took_part = bool(held) and so_far.attended["sex"].unique_total > 0
        surveys = [r for r in summary.survey if r.webinar in held]
        completed = sum(r.completed for r in surveys)
        expected = sum(r.invited - r.absent for r in surveys)
        totals = {
            "registered": _people(
                queries, "registered", summary.registered, None, webinars, phrases, escape
            ),
            "attended": _people(
                queries, "attended", so_far.attended, None, held_ids, phrases, escape
            )
            if took_part
            else None,
            "without_attendance": [
                s["title"] for s in sections if s["phase"] == "held" and not s["took_part"]
            ],
            "ahead": [s for s in sections if s["phase"] != "held"],
            "held": len(held),
            "completed": completed,
            "expected": expected,
            "rate": round(completed / expected, 4) if expected else None,
            "certificates": sum(summary.certificates.values()),
        }
    return {
        "series_title": series.title,
        "organizer": series.organizer,
        "whole_series": whole_series,
        "as_of": _as_of(now, series),
        "webinars": sections,
        "totals": totals,
        "summary": summary,
    }


def _environment(fmt: str) -> Environment:
    """The Jinja2 environment of one report format (HTML autoescaped, Markdown finalized)."""
    env = Environment(
        loader=FileSystemLoader(str(REPORT_DIR)),
        undefined=StrictUndefined,
        autoescape=fmt == "html",
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
        finalize=_md_finalize if fmt == "md" else None,
    )
    escape = md_escape if fmt == "md" else html_escape
    env.filters.update(
        pct=percent, avg=average, join_and=lambda items: natural_join(list(items), escape)
    )
    env.globals.update(rounded=rounded)
    return env


def _charts(summary: Summary, series: Series, held: set[str]) -> list[dict[str, str]]:
    """The charts as data: URIs for the HTML report (English words, webinars by title)."""
    texts = Texts()
    ratings = rating_labels(series, texts.label("en", "stats.legend.overall"))
    charts = render_charts(summary, chart_words(texts, "en"), webinar_titles(series), ratings, held)
    return [
        {
            "title": chart.title,
            "name": chart.name,
            "uri": "data:image/png;base64," + base64.b64encode(chart.png).decode("ascii"),
        }
        for chart in charts
    ]


def render_report(
    queries: ReportQueries, series: Series, webinar: str | None, fmt: str, now: datetime
) -> str:
    """The report of one webinar (or the whole series) as Markdown or HTML text, as of `now`."""
    if fmt not in REPORT_FORMATS or fmt == "docx":
        raise ValueError(f"unknown text report format {fmt!r}")
    ctx = ExportContext.build(series)
    webinars = webinar_ids(queries, webinar)
    escape = md_escape if fmt == "md" else html_escape
    context = report_context(queries, series, ctx, webinars, escape, webinar is None, now)
    held = {w["id"] for w in context["webinars"] if w["phase"] == "held"}
    context["charts"] = _charts(context["summary"], series, held) if fmt == "html" else []
    return _environment(fmt).get_template(f"report.{fmt}.j2").render(**context)


def make_report(
    database: Path, series: Series, webinar: str | None, fmt: str, now: datetime
) -> str:
    """Open the database read-only (one snapshot) and render the report as of `now`."""
    with connect_readonly(database) as queries:
        return render_report(queries, series, webinar, fmt, now)


def make_report_file(
    database: Path, series: Series, webinar: str | None, fmt: str, now: datetime
) -> bytes:
    """The report as a file's bytes: Markdown or HTML in UTF-8, or a Word document."""
    if fmt != "docx":
        return make_report(database, series, webinar, fmt, now).encode("utf-8")
    from bot.reporting.docx_report import html_to_docx  # start-up cost: python-docx

    html = make_report(database, series, webinar, "html", now)
    known = series.webinar(webinar) if webinar else None
    return html_to_docx(html, known.title if known else series.title)

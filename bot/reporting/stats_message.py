"""/stats: the statistics as a message in the organizer's language, and the charts."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from babel.numbers import format_decimal, format_percent

from bot.reporting.charts import (
    Chart,
    chart_words,
    rating_labels,
    render_charts,
    webinar_titles,
)
from bot.reporting.export_rows import ExportContext, connect_readonly, webinar_ids
from bot.reporting.statistics import Breakdown, Summary, held_webinars, summarise

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime
    from pathlib import Path

    from bot.domain.series import Series
    from bot.render.texts import Texts

TEXT_MAX = 60  # characters of a rating question shown in the message


def percent(value: float | None, lang: str) -> str:
    """A ratio as a percentage in the reader's language ('—' when there is none)."""
    return "—" if value is None else format_percent(value, "#,##0.0%", locale=lang)


def decimal(value: float | None, lang: str) -> str:
    """An average with two decimals in the reader's language."""
    return "—" if value is None else format_decimal(value, "0.00", locale=lang)


def _rows(
    found: Breakdown, names: Mapping[str, str], webinars: tuple[str, ...]
) -> list[dict[str, Any]]:
    """One line per code: its name, unique people and the count per webinar."""
    return [
        {
            "name": names.get(code, code),
            "total": found.unique.get(code, 0),
            "per": " / ".join(str(found.count(w, code)) for w in webinars),
        }
        for code in found.codes
    ]


def stats_context(
    summary: Summary,
    series: Series,
    texts: Texts,
    lang: str,
    held: set[str],
    waiting: Mapping[str, int] | None = None,
) -> dict[str, Any]:
    """What templates/messages/stats.html prints (attendance only for webinars held).

    `waiting`: how many people wait for a seat, per webinar; with a webinar's capacity it
    gives the line "seats: 40/40, waiting list: 5".
    """
    webinars, shown = summary.webinars, []
    names = rating_labels(series, texts.label(lang, "stats.legend.overall"), lang)
    for number, webinar_id in enumerate(webinars, 1):
        webinar = series.webinar(webinar_id)
        attendance, survey = summary.attendance_of(webinar_id), summary.survey_of(webinar_id)
        shown.append(
            {
                "number": number,
                "title": webinar.title_for(lang) if webinar else webinar_id,
                "held": webinar_id in held,
                "capacity": webinar.capacity if webinar else None,
                "waiting": (waiting or {}).get(webinar_id, 0),
                "registered": attendance.registered,
                "attended": attendance.attended,
                "from_platform": attendance.from_platform,
                "self_reported": attendance.self_reported,
                "corrected": attendance.corrected,
                "attendance_rate": percent(attendance.rate, lang),
                "invited": survey.invited,
                "expected": survey.invited - survey.absent,
                "completed": survey.completed,
                "response_rate": percent(survey.response_rate, lang),
                "certificates": summary.certificates.get(webinar_id, 0),
                "ratings": [
                    {
                        "text": _short(names.get((webinar_id, r.key), r.text or r.key)),
                        "average": decimal(r.average, lang),
                        "answers": r.answers,
                    }
                    for r in summary.ratings_of(webinar_id)
                ],
            }
        )
    registered = summary.registered
    return {
        "series_title": series.title,
        "stat_webinars": shown,
        "per_webinar": " / ".join(str(n) for n in range(1, len(webinars) + 1)),
        "unique_registered": registered["sex"].unique_total,
        "certificates_total": sum(summary.certificates.values()),
        "unique_attended": summary.attended["sex"].unique_total,
        "by_state": _rows(registered["country"], texts.label_map(lang, "countries"), webinars),
        "by_sex": _rows(registered["sex"], texts.label_map(lang, "sexes"), webinars),
        "by_institution": _rows(
            registered["institution"], texts.label_map(lang, "institutions"), webinars
        ),
    }


def _short(text: str) -> str:
    """A question shortened for the message."""
    return text if len(text) <= TEXT_MAX else text[: TEXT_MAX - 1].rstrip() + "…"


def read_summary(database: Path, series: Series) -> Summary:
    """The statistics of every webinar, from one read-only snapshot of the database."""
    with connect_readonly(database) as queries:
        return summarise(queries, ExportContext.build(series), webinar_ids(queries))


def stats_text(
    summary: Summary,
    series: Series,
    texts: Texts,
    lang: str,
    now: datetime,
    waiting: Mapping[str, int] | None = None,
) -> str:
    """The /stats message (Telegram HTML) as of `now` (with the waiting lists, if given)."""
    held = held_webinars(series, now)
    context = stats_context(summary, series, texts, lang, held, waiting)
    return texts.render(lang, "stats", **context)


def stats_charts(
    summary: Summary, series: Series, texts: Texts, lang: str, now: datetime
) -> list[Chart]:
    """The /stats charts as of `now`: webinars by title, those not yet held without attendance."""
    ratings = rating_labels(series, texts.label(lang, "stats.legend.overall"), lang)
    titles = webinar_titles(series, lang)
    held = held_webinars(series, now)
    return render_charts(summary, chart_words(texts, lang), titles, ratings, held)


def collect(
    database: Path, series: Series, texts: Texts, lang: str, now: datetime
) -> tuple[str, list[Chart]]:
    """The /stats message and its charts as of `now`, from one snapshot."""
    summary = read_summary(database, series)
    return (
        stats_text(summary, series, texts, lang, now),
        stats_charts(summary, series, texts, lang, now),
    )

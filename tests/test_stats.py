"""Statistics and charts on a deterministic data set: numbers, PNG images, determinism."""

from __future__ import annotations

import struct
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.render.texts import Texts
from bot.reporting.charts import (
    HEIGHT,
    WIDTH,
    chart_plans,
    chart_words,
    rating_labels,
    render_charts,
    webinar_titles,
)
from bot.reporting.export_rows import ExportContext, connect_readonly, webinar_ids
from bot.reporting.statistics import (
    Summary,
    free_texts,
    held_webinars,
    summarise,
    typed_names,
)
from bot.reporting.stats_message import collect
from storage.readonly import open_readonly
from tests.support.files import png_chunks
from tests.support.settings import example_series
from tests.support.stats_data import DataSet, make

AFTER = datetime(2027, 6, 1, tzinfo=UTC)  # after the example series' last webinar


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> DataSet:
    """The data set, built once for the module."""
    import asyncio

    path = tmp_path_factory.mktemp("stats") / "stats.sqlite3"
    return asyncio.run(make(path, example_series()))


@pytest.fixture(scope="module")
def summary(data: DataSet) -> Summary:
    """The statistics of every webinar."""
    queries = connect_readonly(data.path)
    try:
        return summarise(queries, ExportContext.build(data.series), webinar_ids(queries))
    finally:
        queries.close()


def scalar(data: DataSet, sql: str, *args: object) -> int:
    """One number straight from the database."""
    conn = open_readonly(data.path)
    try:
        return int(conn.execute(sql, args).fetchone()[0])
    finally:
        conn.close()


def test_counts_match_the_database(data: DataSet, summary: Summary) -> None:
    assert scalar(data, "SELECT COUNT(*) FROM participants") == 200
    assert summary.registered["sex"].unique_total == 200  # erased people still counted
    assert summary.registered["country"].unique_total == 200
    for webinar in summary.webinars:
        registered = scalar(
            data, "SELECT COUNT(*) FROM registrations WHERE webinar_id = ?", webinar
        )
        row = summary.attendance_of(webinar)
        assert row.registered == registered == summary.registered["institution"].total(webinar)
        attended = scalar(
            data, "SELECT COUNT(*) FROM attendance WHERE webinar_id = ? AND attended = 1", webinar
        )
        assert row.attended == attended == sum(row.by_sex.values())
        assert summary.attended["sex"].total(webinar) == attended
        platform = scalar(
            data,
            "SELECT COUNT(*) FROM attendance WHERE webinar_id = ? AND attended = 1"
            " AND source = 'import'",
            webinar,
        )
        assert row.from_platform == platform
        assert row.from_platform + row.self_reported + row.corrected == attended
        women = scalar(
            data,
            "SELECT COUNT(*) FROM attendance a JOIN participants p"
            " ON p.id = a.participant_id WHERE a.webinar_id = ? AND a.attended = 1"
            " AND p.sex = 'woman'",
            webinar,
        )
        assert row.by_sex["woman"] == women == summary.attended["sex"].count(webinar, "woman")
        survey = summary.survey_of(webinar)
        completed = scalar(
            data,
            "SELECT COUNT(*) FROM responses WHERE webinar_id = ? AND status = 'completed'",
            webinar,
        )
        assert survey.completed == completed
        assert survey.response_rate == round(completed / (survey.invited - survey.absent), 4)
    assert summary.attendance_of(data.no_attendance).attended == 0
    states = summary.registered["country"].present(None)
    assert len([s for s in states if s != "other"]) == 6
    assert summary.registered["sex"].unique["undisclosed"] > 0


def test_ratings_and_most_useful_topic(data: DataSet, summary: Summary) -> None:
    first = data.series.webinars[0]
    rows = summary.ratings_of(first.id)
    assert [r.key for r in rows] == [
        "overall",
        *(f"topic_{i + 1}" for i in range(len(first.topics))),
    ]
    conn = open_readonly(data.path)
    values = [
        int(v)
        for (v,) in conn.execute(
            "SELECT a.value FROM answers a JOIN responses r ON r.id = a.response_id"
            " WHERE r.webinar_id = ? AND a.question_key = 'topic_2' AND a.value IS NOT NULL",
            (first.id,),
        )
    ]
    conn.close()
    assert rows[2].answers == len(values)
    assert rows[2].average == round(sum(values) / len(values), 2)
    choice = summary.choice(first.id, "most_useful")
    assert choice is not None and choice.top
    assert all(choice.counts[t] == max(choice.counts.values()) for t in choice.top)


def test_erased_people_give_no_text(data: DataSet) -> None:
    with connect_readonly(data.path) as queries:
        webinars = webinar_ids(queries)
        states = typed_names(queries, "country", webinars)
        quotes = free_texts(queries, webinars[0], ["next_topics", "support"], 50)
    conn = open_readonly(data.path)
    try:
        erased_texts = conn.execute(
            "SELECT COUNT(*) FROM participants WHERE erased_at IS NOT NULL"
            " AND (full_name IS NOT NULL OR country_other IS NOT NULL)"
        ).fetchone()[0]
    finally:
        conn.close()
    assert states == ["Jamaica", "Panamá <i>"]
    assert quotes and erased_texts == 0
    assert len(quotes) == len({q.casefold() for q in quotes})


def test_charts_are_pngs_of_the_fixed_size_and_deterministic(
    data: DataSet, summary: Summary
) -> None:
    texts = Texts()
    labels = {w.id: str(n) for n, w in enumerate(data.series.webinars, 1)}
    ratings = rating_labels(data.series, "Overall")
    first = render_charts(summary, chart_words(texts, "en"), labels, ratings)
    again = render_charts(summary, chart_words(texts, "en"), labels, ratings)
    assert [c.name for c in first] == [
        "participation",
        "sex",
        "countries",
        "institutions",
        "ratings",
    ]
    for chart, other in zip(first, again, strict=True):
        assert chart.png == other.png, chart.name
        chunks = png_chunks(chart.png)
        width, height = struct.unpack(">II", chunks[0][1][:8])
        assert (width, height) == (WIDTH, HEIGHT)
        kinds = {kind for kind, _ in chunks}
        assert not kinds & {b"tIME"}
        assert b"Software" not in b"".join(body for kind, body in chunks if kind == b"tEXt")
    spanish = render_charts(summary, chart_words(texts, "es"), labels, ratings)
    assert spanish[0].title != first[0].title and spanish[0].png != first[0].png


@pytest.mark.slow
def test_matplotlib_is_not_imported_by_the_modules() -> None:
    import subprocess
    import sys

    code = (
        "import sys, bot.reporting.statistics, bot.reporting.charts, bot.reporting.narrative,"
        " bot.reporting.stats_message, handlers.stats;"
        "print('matplotlib' in sys.modules)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.stdout.strip() == "False"


@pytest.mark.parametrize("lang", ["en", "es"])
def test_stats_message_in_the_organizers_language(
    data: DataSet, summary: Summary, lang: str
) -> None:
    from sandbox.html import parse_html

    text, charts = collect(data.path, data.series, Texts(), lang, AFTER)
    plain, _ = parse_html(text)  # valid Telegram HTML
    assert len(plain) <= 4096 and len(charts) == 5
    assert ("Statistics" if lang == "en" else "Estadísticas") in plain
    first = summary.attendance_of(data.series.webinars[0].id)
    assert f"{first.registered}" in plain and f"{first.attended}" in plain
    sources = (
        f"the platform's report {first.from_platform} · self-reported {first.self_reported}"
        if lang == "en"
        else f"el informe de la plataforma {first.from_platform}"
        f" · declarada por los participantes {first.self_reported}"
    )
    assert sources in plain
    assert str(summary.registered["sex"].unique_total) in plain
    assert "Erased Person" not in plain and "Person 1" not in plain


def test_charts_name_webinars_by_title_and_leave_out_those_not_held(
    data: DataSet, summary: Summary
) -> None:
    words = chart_words(Texts(), "en")
    titles = webinar_titles(data.series)
    first, second, third = data.series.webinars
    held = held_webinars(data.series, datetime(2027, 4, 1, tzinfo=UTC))
    assert held == {first.id, second.id}
    plans = {p.name: p for p in chart_plans(summary, words, titles, None, held)}
    participation = plans["participation"]
    assert list(participation.labels) == [first.title, second.title, third.title]
    registered, attended, completed = (values for _, values in participation.groups)
    assert all(isinstance(v, int) and v > 0 for v in registered)
    assert attended[2] is None and completed[2] is None
    assert attended[0] == summary.attendance_of(first.id).attended
    ratings = plans["ratings"].labels
    assert any(label.startswith("Building a Crime Gun… · ") for label in ratings)
    assert not any(label.startswith("[Placeholder] Third") for label in ratings)
    assert [p.counts for p in plans.values()] == [True, True, True, True, False]
    nothing_yet = chart_plans(summary, words, titles, None, set())
    assert all(v is None for v in nothing_yet[0].groups[1][1])
    assert len(nothing_yet[2].groups) == 1 and not nothing_yet[-1].labels
    charts = render_charts(summary, words, titles, None, held)
    assert [png_chunks(c.png)[0][0] for c in charts] == [b"IHDR"] * 5


def test_stats_message_before_a_webinar_shows_no_attendance(data: DataSet) -> None:
    from sandbox.html import parse_html

    text, _ = collect(data.path, data.series, Texts(), "en", datetime(2027, 2, 1, tzinfo=UTC))
    plain, _ = parse_html(text)
    assert plain.count("attended: ") == 1 and plain.count("not held yet") == 2

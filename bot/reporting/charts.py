"""Charts of the statistics as PNG images (matplotlib, Agg, imported only when drawing).

Rendering is deterministic: a fixed size, resolution and font (DejaVu Sans, shipped with
matplotlib), no timestamp or software name in the PNG metadata, and one chart drawn at a time.
"""

from __future__ import annotations

import io
import textwrap
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

from bot.domain.series import Series
from bot.render.texts import Texts
from bot.reporting.statistics import Summary

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

WIDTH: Final = 1000  # pixels
HEIGHT: Final = 600
DPI: Final = 100
COLOURS: Final = ("#1f5f99", "#e0803a", "#5aa469", "#a3a3a3", "#8c6bb1")
_RC: Final = {
    "font.family": "DejaVu Sans",
    "font.size": 10,
    "axes.titlesize": 13,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "stats",
}
_LOCK = threading.Lock()  # matplotlib's global settings are not thread-safe


@dataclass(frozen=True)
class Chart:
    """One chart: a short name (for file names), its title and the PNG bytes."""

    name: str
    title: str
    png: bytes


@dataclass(frozen=True)
class ChartWords:
    """The words a chart shows, in the reader's language."""

    titles: Mapping[str, str]  # chart name -> title
    series: Mapping[str, str]  # registered, attended, completed, average -> legend text
    countries: Mapping[str, str]
    sexes: Mapping[str, str]
    institutions: Mapping[str, str]


def _plain(text: str, width: int = 28, lines: int = 2) -> str:
    """A label wrapped to a few short lines, without matplotlib's math markup."""
    wrapped = textwrap.wrap(" ".join(text.split()), width) or [""]
    if len(wrapped) > lines:
        wrapped = [
            *wrapped[: lines - 1],
            textwrap.shorten(" ".join(wrapped[lines - 1 :]), width, placeholder="…"),
        ]
    return "\n".join(wrapped).replace("$", r"\$")


def _figure(title: str) -> tuple[Figure, Axes]:
    """A figure of the fixed size with one set of axes and a title."""
    # Imported here for start-up cost: matplotlib only when a chart is drawn.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI, layout="constrained")
    axes = figure.add_subplot()
    axes.set_title(_plain(title, 80, 1))
    return figure, axes


def _png(figure: Figure) -> bytes:
    """The figure as PNG bytes without metadata that changes between runs."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=DPI, metadata={"Software": None})
    return buffer.getvalue()


def _bars(
    axes: Axes,
    labels: Sequence[str],
    groups: Sequence[tuple[str, Sequence[float]]],
    horizontal: bool = False,
    number: str = "{:g}",
) -> None:
    """Grouped bars: one group per label, one bar per (legend, values) pair, values shown."""
    count = max(len(groups), 1)
    width = 0.8 / count
    positions = range(len(labels))
    for index, (legend, values) in enumerate(groups):
        offsets = [p - 0.4 + width * (index + 0.5) for p in positions]
        draw: Any = axes.barh if horizontal else axes.bar
        bars = draw(
            offsets,
            list(values),
            width * 0.95,
            label=_plain(legend, 40, 1),
            color=COLOURS[index % len(COLOURS)],
        )
        axes.bar_label(bars, fmt=number.format, padding=2, fontsize=8)
    ticks = [_plain(label) for label in labels]
    if horizontal:
        axes.set_yticks(list(positions), ticks)
        axes.invert_yaxis()
        axes.margins(x=0.12)
    else:
        axes.set_xticks(list(positions), ticks)
        axes.margins(y=0.12)
    if len(groups) > 1:
        axes.legend(loc="best", frameon=False)


def _draw(
    title: str,
    labels: Sequence[str],
    groups: Sequence[tuple[str, Sequence[float]]],
    horizontal: bool = False,
    limit: float | None = None,
    number: str = "{:g}",
) -> bytes:
    """One bar chart as PNG bytes."""
    figure, axes = _figure(title)
    if labels:
        _bars(axes, labels, groups, horizontal, number)
    if limit is not None:
        (axes.set_xlim if horizontal else axes.set_ylim)(0, limit)
    return _png(figure)


def render_charts(
    summary: Summary,
    words: ChartWords,
    webinar_labels: Mapping[str, str],
    rating_labels: Mapping[tuple[str, str], str] | None = None,
) -> list[Chart]:
    """Participation, sex, states, institutions and ratings charts of a summary."""
    import matplotlib  # start-up cost: matplotlib only when charts are drawn

    webinars = list(summary.webinars)
    shown = [webinar_labels.get(w, w) for w in webinars]
    titles, legend = words.titles, words.series
    plans: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = [
        (
            "participation",
            (
                shown,
                [
                    (legend["registered"], [summary.attendance_of(w).registered for w in webinars]),
                    (legend["attended"], [summary.attendance_of(w).attended for w in webinars]),
                    (legend["completed"], [summary.survey_of(w).completed for w in webinars]),
                ],
            ),
            {},
        ),
        (
            "sex",
            (
                shown,
                [
                    (
                        words.sexes.get(code, code),
                        [summary.registered["sex"].count(w, code) for w in webinars],
                    )
                    for code in summary.registered["sex"].codes
                ],
            ),
            {},
        ),
    ]
    for name, names in (("countries", words.countries), ("institutions", words.institutions)):
        column = "country" if name == "countries" else "institution"
        registered, attended = summary.registered[column], summary.attended[column]
        codes = registered.codes
        groups = [(legend["registered"], [registered.unique.get(c, 0) for c in codes])]
        if attended.unique_total:
            groups.append((legend["attended"], [attended.unique.get(c, 0) for c in codes]))
        plans.append((name, ([names.get(c, c) for c in codes], groups), {"horizontal": True}))
    rated = [row for row in summary.ratings if row.average is not None]
    many = len(webinars) > 1
    plans.append(
        (
            "ratings",
            (
                [
                    (f"{webinar_labels.get(r.webinar, r.webinar)} · " if many else "")
                    + (rating_labels or {}).get((r.webinar, r.key), r.text or r.key)
                    for r in rated
                ],
                [(legend["average"], [r.average or 0.0 for r in rated])],
            ),
            {"horizontal": True, "limit": 5.5, "number": "{:.2f}"},
        )
    )
    charts = []
    with _LOCK, matplotlib.rc_context(_RC):
        for name, args, options in plans:
            charts.append(Chart(name, titles[name], _draw(titles[name], *args, **options)))
    return charts


def rating_labels(series: Series, overall: str, lang: str = "en") -> dict[tuple[str, str], str]:
    """Short names of rating questions: the topic's name or `overall` (others: their text)."""
    found: dict[tuple[str, str], str] = {}
    for webinar in series.webinars:
        for question in webinar.questions:
            if question.topic_index is not None:
                topics = webinar.topics_for(lang)
                found[(webinar.id, question.key)] = topics[question.topic_index]
            elif question.label == "overall":
                found[(webinar.id, question.key)] = overall
    return found


def chart_words(texts: Texts, lang: str) -> ChartWords:
    """The words of the charts in one language."""
    return ChartWords(
        texts.label_map(lang, "stats.charts"),
        texts.label_map(lang, "stats.legend"),
        texts.label_map(lang, "countries"),
        texts.label_map(lang, "sexes"),
        texts.label_map(lang, "institutions"),
    )

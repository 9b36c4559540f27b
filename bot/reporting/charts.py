"""Charts of the statistics as PNG images (matplotlib, Agg, imported only when drawing).

Rendering is deterministic: a fixed size, resolution and font (DejaVu Sans, shipped with
matplotlib), no timestamp or software name in the PNG metadata, and one chart drawn at a time.
"""

from __future__ import annotations

import io
import textwrap
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping, Sequence

    from matplotlib.axes import Axes
    from matplotlib.figure import Figure
    from matplotlib.typing import RcKeyType

    from bot.domain.series import Series
    from bot.render.texts import Texts
    from bot.reporting.statistics import Summary

WIDTH: Final = 1000  # pixels
HEIGHT: Final = 600
DPI: Final = 100
SHORT_TITLE: Final = 26  # characters of a webinar's title before a rating's name
COLOURS: Final = ("#1f5f99", "#e0803a", "#5aa469", "#a3a3a3", "#8c6bb1")
_RC: Final[dict[RcKeyType, Any]] = {
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


def _short(title: str) -> str:
    """A webinar's title cut at a word to fit one line of a rating's label."""
    return textwrap.shorten(title, SHORT_TITLE, placeholder="…")


def _figure(title: str) -> tuple[Figure, Axes]:
    """A figure of the fixed size with one set of axes, a title and fixed margins."""
    # Imported here for start-up cost: matplotlib only when a chart is drawn.
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(WIDTH / DPI, HEIGHT / DPI), dpi=DPI)
    axes = figure.add_subplot()
    axes.set_title(_plain(title, 80, 1))
    return figure, axes


def _png(figure: Figure) -> bytes:
    """The figure as PNG bytes without metadata that changes between runs."""
    buffer = io.BytesIO()
    figure.savefig(
        buffer,
        format="png",
        dpi=DPI,
        metadata={"Software": None},
        pil_kwargs={"compress_level": 3},
    )
    return buffer.getvalue()


@dataclass(frozen=True)
class ChartPlan:
    """What one chart shows: bar labels, (legend, values) groups, and how it is drawn.

    A value of None leaves that bar out (a webinar not yet held has no attendance bar).
    """

    name: str
    labels: Sequence[str]
    groups: Sequence[tuple[str, Sequence[float | None]]]
    horizontal: bool = False
    limit: float | None = None
    number: str = "{:g}"
    counts: bool = True  # whole numbers: the value axis has integer ticks only


def _bars(axes: Axes, plan: ChartPlan) -> None:
    """Grouped bars: one group per label, one bar per (legend, values) pair, values shown."""
    count = max(len(plan.groups), 1)
    width = 0.8 / count
    positions = range(len(plan.labels))
    for index, (legend, values) in enumerate(plan.groups):
        shown = [(p, v) for p, v in zip(positions, values, strict=True) if v is not None]
        offsets = [p - 0.4 + width * (index + 0.5) for p, _ in shown]
        draw: Any = axes.barh if plan.horizontal else axes.bar
        bars = draw(
            offsets,
            [v for _, v in shown],
            width * 0.95,
            label=_plain(legend, 40, 1),
            color=COLOURS[index % len(COLOURS)],
        )
        axes.bar_label(bars, fmt=plan.number.format, padding=2, fontsize=8)
    ticks = [_plain(label) for label in plan.labels]
    edges = (-0.5, len(plan.labels) - 0.5)
    if plan.horizontal:
        axes.set_yticks(list(positions), ticks)
        axes.set_ylim(edges[1], edges[0])
        axes.margins(x=0.12)
    else:
        axes.set_xticks(list(positions), ticks)
        axes.set_xlim(*edges)
        axes.margins(y=0.12)
    if len(plan.groups) > 1:
        axes.legend(loc="best", frameon=False)


def _draw(title: str, plan: ChartPlan) -> bytes:
    """One bar chart as PNG bytes."""
    from matplotlib.ticker import MaxNLocator

    figure, axes = _figure(title)
    if plan.horizontal:
        figure.subplots_adjust(left=0.3, right=0.97, top=0.92, bottom=0.08)
    else:
        figure.subplots_adjust(left=0.07, right=0.98, top=0.92, bottom=0.14)
    if plan.labels:
        _bars(axes, plan)
    value_axis = axes.xaxis if plan.horizontal else axes.yaxis
    if plan.counts:
        value_axis.set_major_locator(MaxNLocator(integer=True))
    if plan.limit is not None:
        (axes.set_xlim if plan.horizontal else axes.set_ylim)(0, plan.limit)
    return _png(figure)


def chart_plans(
    summary: Summary,
    words: ChartWords,
    webinar_labels: Mapping[str, str],
    rating_labels: Mapping[tuple[str, str], str] | None = None,
    held: Collection[str] | None = None,
) -> list[ChartPlan]:
    """Participation, sex, states, institutions and ratings, as data.

    Webinars not in `held` (not yet taken place) keep their registrations but have no
    attendance or survey bars and no ratings; `held=None` counts every webinar as held.
    """
    webinars = list(summary.webinars)
    took_place = set(webinars if held is None else held)
    shown = [webinar_labels.get(w, w) for w in webinars]
    legend = words.series

    def after(webinar: str, value: int) -> int | None:
        """A figure that exists only once the webinar has taken place."""
        return value if webinar in took_place else None

    plans = [
        ChartPlan(
            "participation",
            shown,
            [
                (legend["registered"], [summary.attendance_of(w).registered for w in webinars]),
                (
                    legend["attended"],
                    [after(w, summary.attendance_of(w).attended) for w in webinars],
                ),
                (
                    legend["completed"],
                    [after(w, summary.survey_of(w).completed) for w in webinars],
                ),
            ],
        ),
        ChartPlan(
            "sex",
            shown,
            [
                (
                    words.sexes.get(code, code),
                    [summary.registered["sex"].count(w, code) for w in webinars],
                )
                for code in summary.registered["sex"].codes
            ],
        ),
    ]
    for name, names in (("countries", words.countries), ("institutions", words.institutions)):
        column = "country" if name == "countries" else "institution"
        registered, attended = summary.registered[column], summary.attended[column]
        codes = registered.codes
        groups: list[tuple[str, Sequence[float | None]]] = [
            (legend["registered"], [registered.unique.get(c, 0) for c in codes])
        ]
        if attended.unique_total and took_place:
            groups.append((legend["attended"], [attended.unique.get(c, 0) for c in codes]))
        plans.append(ChartPlan(name, [names.get(c, c) for c in codes], groups, horizontal=True))
    rated = [r for r in summary.ratings if r.average is not None and r.webinar in took_place]
    many = len({r.webinar for r in rated}) > 1
    plans.append(
        ChartPlan(
            "ratings",
            [
                (f"{_short(webinar_labels.get(r.webinar, r.webinar))} · " if many else "")
                + (rating_labels or {}).get((r.webinar, r.key), r.text or r.key)
                for r in rated
            ],
            [(legend["average"], [r.average or 0.0 for r in rated])],
            horizontal=True,
            limit=5.5,
            number="{:.2f}",
            counts=False,
        )
    )
    return plans


def render_charts(
    summary: Summary,
    words: ChartWords,
    webinar_labels: Mapping[str, str],
    rating_labels: Mapping[tuple[str, str], str] | None = None,
    held: Collection[str] | None = None,
) -> list[Chart]:
    """The charts of a summary as PNGs (see chart_plans)."""
    import matplotlib  # start-up cost: matplotlib only when charts are drawn

    plans = chart_plans(summary, words, webinar_labels, rating_labels, held)
    titles = words.titles
    charts = []
    with _LOCK, matplotlib.rc_context(_RC):
        for plan in plans:
            charts.append(Chart(plan.name, titles[plan.name], _draw(titles[plan.name], plan)))
    return charts


def webinar_titles(series: Series, lang: str = "en") -> dict[str, str]:
    """The webinars' titles in a language, as the charts label them (wrapped when drawn)."""
    return {w.id: w.title_for(lang) for w in series.webinars}


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

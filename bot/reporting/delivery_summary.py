"""The /delivery report in organizers' words: what each message was for, and how it went.

Outbox rows are named by their kind and purpose as an organizer would say it ("reminder 1 day
before", "change notice", "survey invitation", "broadcast of 12 Jan"), grouped under their
webinar (broadcasts apart), with their outcomes counted in a fixed order.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Final

from babel.dates import format_date
from babel.units import format_unit

from bot.clock import from_iso
from bot.domain.reminders import offset_of

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from zoneinfo import ZoneInfo

    from bot.domain.series import Series
    from bot.render.texts import Texts

STATUSES: Final = ("sent", "pending", "sending", "failed", "unreachable", "skipped", "cancelled")
KIND_ORDER: Final = (
    "reminder",
    "late_reminder",
    "change_notice",
    "seat_offered",
    "calendar",
    "survey",
    "nudge",
    "broadcast",
    "digest",
    "decision",
    "daily_digest",
)
OTHERS: Final = "*"  # the section of messages about no webinar (no webinar id has a "*")
_UNITS: Final = (("duration-day", 86400), ("duration-hour", 3600), ("duration-minute", 60))


@dataclass
class DeliveryLine:
    """One message (kind and purpose) and its outcomes, e.g. 'reminder 1 day before'."""

    title: str
    order: tuple[int, float]
    counts: dict[str, int] = field(default_factory=dict)

    def outcomes(self, texts: Texts, lang: str) -> str:
        """The outcomes in words, e.g. 'sent 30, failed 1'."""
        return ", ".join(
            f"{texts.label(lang, f'delivery.status.{status}')} {self.counts[status]}"
            for status in STATUSES
            if self.counts.get(status)
        )


@dataclass
class DeliverySection:
    """The messages of one webinar, or the broadcasts."""

    heading: str
    lines: list[DeliveryLine]


def ahead(seconds: int, lang: str) -> str:
    """A reminder's offset in words: '1 day', '2 horas', '15 minutes'."""
    for unit, size in _UNITS:
        if seconds >= size and seconds % size == 0:
            return format_unit(seconds // size, unit, length="long", locale=lang)
    return format_unit(seconds, "duration-second", length="long", locale=lang)


def message_name(
    texts: Texts, lang: str, zone: ZoneInfo, kind: str, purpose: str, broadcast_at: str | None
) -> str:
    """What a message was for, as an organizer would say it."""
    if kind == "reminder":
        offset = ahead(int(offset_of(purpose).total_seconds()), lang)
        return texts.label(lang, "delivery.reminder").format(offset=offset)
    if kind == "broadcast":
        if broadcast_at is None:
            return texts.label(lang, "delivery.broadcast_undated")
        day = from_iso(broadcast_at).astimezone(zone).date()
        date = format_date(day, "d MMM", locale=lang)
        return texts.label(lang, "delivery.broadcast").format(date=date)
    if kind in KIND_ORDER:
        return texts.label(lang, f"delivery.{kind}")
    return kind


def _order(kind: str, purpose: str, broadcast_at: str | None) -> tuple[int, float]:
    """Where a line goes: by kind, reminders furthest ahead first, broadcasts by time."""
    rank = KIND_ORDER.index(kind) if kind in KIND_ORDER else len(KIND_ORDER)
    if kind == "reminder":
        return rank, -offset_of(purpose).total_seconds()
    if kind == "broadcast" and broadcast_at:
        return rank, from_iso(broadcast_at).timestamp()
    return rank, 0.0


def summarise(
    texts: Texts, series: Series, lang: str, rows: Iterable[Mapping[str, Any]]
) -> list[DeliverySection]:
    """Group outbox counts into sections: webinars in series order, broadcasts, the others.

    The others are messages about no webinar: the organizers' digests, calendar files.
    """
    zone = series.timezone
    lines: dict[tuple[str, str], DeliveryLine] = {}
    for row in rows:
        kind, purpose, broadcast_at = row["kind"], row["purpose"], row["broadcast_at"]
        title = message_name(texts, lang, zone, kind, purpose, broadcast_at)
        key = ("" if kind == "broadcast" else row["webinar_id"] or OTHERS, title)
        line = lines.setdefault(key, DeliveryLine(title, _order(kind, purpose, broadcast_at)))
        line.counts[row["status"]] = line.counts.get(row["status"], 0) + int(row["n"])
    headings = {w.id: f"{n}. {w.title_for(lang)}" for n, w in enumerate(series.webinars, 1)}
    headings[""] = texts.label(lang, "delivery.broadcasts")
    headings[OTHERS] = texts.label(lang, "delivery.others")
    order = [w.id for w in series.webinars]
    groups = sorted(
        {webinar for webinar, _ in lines},
        key=lambda w: (w == OTHERS, w == "", order.index(w) if w in order else len(order), w),
    )
    return [
        DeliverySection(
            headings.get(webinar, webinar),
            sorted(
                (line for (group, _), line in lines.items() if group == webinar),
                key=lambda line: line.order,
            ),
        )
        for webinar in groups
    ]


def failure_lines(
    texts: Texts, series: Series, lang: str, rows: Iterable[Mapping[str, Any]]
) -> list[dict[str, object]]:
    """Failed messages with Telegram's reason and how many, e.g. 'reminder 1 day before'."""
    result: list[dict[str, object]] = []
    for row in rows:
        what = message_name(
            texts, lang, series.timezone, row["kind"], row["purpose"], row["broadcast_at"]
        )
        webinar = series.webinar(row["webinar_id"]) if row["webinar_id"] else None
        if webinar is not None:
            what = f"{what} ({webinar.title_for(lang)})"
        reason = row["reason"] or texts.label(lang, "delivery.no_reason")
        result.append({"what": what, "reason": reason, "n": int(row["n"])})
    return result

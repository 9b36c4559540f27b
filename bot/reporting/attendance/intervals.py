"""Times, durations and minutes: what a report's cells mean and how long someone was there.

Report times carry no zone: they are read in the series' time zone. Day and month order is
not written either (01/02/2026), so of the readings a cell allows, the one nearest the
webinar's day is taken. A person's minutes are the union of their connections, clipped to
the webinar's scheduled time plus a margin each side: overlapping connections count once,
and nobody has more minutes than the clipped window.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable
    from zoneinfo import ZoneInfo

MARGIN: Final = timedelta(minutes=15)
_DATE_FORMATS: Final = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y %I:%M:%S %p",
    "%m/%d/%y %I:%M %p",
    "%m/%d/%y %H:%M:%S",
    "%d/%m/%Y %I:%M:%S %p",
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H:%M",
    "%d/%m/%y %H:%M:%S",
    "%d/%m/%y %I:%M:%S %p",
    "%d.%m.%Y %H:%M:%S",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%dT%H:%M:%S",
    "%b %d %Y %H:%M:%S",
    "%b %d %Y %I:%M:%S %p",
    "%b %d %Y %I:%M %p",
    "%b %d %Y %H:%M",
)
_CLOCK_FORMATS: Final = ("%I:%M %p", "%I:%M:%S %p", "%H:%M:%S", "%H:%M")
_UNITS: Final = {
    "h": 60.0,
    "hr": 60.0,
    "hrs": 60.0,
    "hour": 60.0,
    "hours": 60.0,
    "hora": 60.0,
    "horas": 60.0,
    "heure": 60.0,
    "heures": 60.0,
    "m": 1.0,
    "min": 1.0,
    "mins": 1.0,
    "minute": 1.0,
    "minutes": 1.0,
    "minuto": 1.0,
    "minutos": 1.0,
    "s": 1 / 60,
    "sec": 1 / 60,
    "secs": 1 / 60,
    "second": 1 / 60,
    "seconds": 1 / 60,
    "seg": 1 / 60,
    "segundos": 1 / 60,
    "seconde": 1 / 60,
    "secondes": 1 / 60,
}
_PART: Final = re.compile(r"(\d+(?:[.,]\d+)?)\s*([a-z]*)")
_CLOCK_DURATION: Final = re.compile(r"(\d+):(\d{2})(?::(\d{2}))?")


class TimeReader:
    """Reads report time cells in the series' zone, the reading nearest the webinar's day first."""

    def __init__(self, zone: ZoneInfo, webinar_start: datetime) -> None:
        """Read times in `zone`; a time without a date is on the webinar's local day."""
        self.zone = zone
        self.start = webinar_start
        self.day = webinar_start.astimezone(zone).date()
        self._seen: dict[str, datetime | None] = {}
        self._formats: tuple[str, ...] = ()

    def read(self, cell: str) -> datetime | None:
        """The UTC time a cell holds, or None when it holds none (empty, '--')."""
        if cell not in self._seen:
            self._seen[cell] = self._parse(cell)
        return self._seen[cell]

    def _parse(self, cell: str) -> datetime | None:
        """Every reading of the cell; the one nearest the webinar's start wins.

        The formats that read earlier cells are tried first, so a file is read one way.
        """
        text = " ".join(cell.replace(",", " ").replace("\u202f", " ").split())
        for dotted, plain in (("a. m.", "AM"), ("p. m.", "PM"), ("a.m.", "AM"), ("p.m.", "PM")):
            text = text.replace(dotted, plain).replace(dotted.upper(), plain)
        readings = self._readings(text, self._formats) or self._readings(text, _DATE_FORMATS)
        if readings:
            self._formats = tuple(dict.fromkeys((*self._formats, *(f for f, _ in readings))))
        else:
            readings = [
                (fmt, datetime.combine(self.day, moment.time()))
                for fmt, moment in self._readings(text, _CLOCK_FORMATS)[:1]
            ]
        if not readings:
            return None
        moments = [moment.replace(tzinfo=self.zone).astimezone(UTC) for _, moment in readings]
        return min(moments, key=lambda moment: abs(moment - self.start))

    @staticmethod
    def _readings(text: str, formats: Iterable[str]) -> list[tuple[str, datetime]]:
        """The readings of `text` under each of `formats` that fits it."""
        readings = []
        for fmt in formats:
            try:
                readings.append((fmt, datetime.strptime(text, fmt)))
            except ValueError:
                continue
        return readings


def duration_minutes(cell: str) -> float | None:
    """Minutes in '45', '1h 40m', '1 hr 50 min', '2 h 22 min 0 s', '1:05:00'; None if none."""
    text = cell.strip().casefold()
    if not text or not any(ch.isdigit() for ch in text):
        return None
    clock = _CLOCK_DURATION.fullmatch(text)
    if clock:
        hours, minutes, seconds = (int(part) if part else 0 for part in clock.groups())
        return hours * 60 + minutes + seconds / 60
    total = 0.0
    for number, unit in _PART.findall(text):
        scale = _UNITS.get(unit, 1.0 if not unit else None)
        if scale is None:
            return None
        total += float(number.replace(",", ".")) * scale
    return total


def window(start: datetime, duration: timedelta) -> tuple[datetime, datetime]:
    """The time that counts: the scheduled webinar with a margin each side."""
    return start - MARGIN, start + duration + MARGIN


def union_minutes(
    intervals: Iterable[tuple[datetime, datetime]], bounds: tuple[datetime, datetime]
) -> int:
    """Whole minutes covered by the intervals inside `bounds`, overlaps counted once."""
    low, high = bounds
    clipped = sorted(
        (max(start, low), min(end, high))
        for start, end in intervals
        if min(end, high) > max(start, low)
    )
    total = timedelta()
    current_start: datetime | None = None
    current_end: datetime | None = None
    for start, end in clipped:
        if current_end is None or start > current_end:
            if current_start is not None and current_end is not None:
                total += current_end - current_start
            current_start, current_end = start, end
        else:
            current_end = max(current_end, end)
    if current_start is not None and current_end is not None:
        total += current_end - current_start
    return round(total.total_seconds() / 60)


def capped_minutes(minutes: float, bounds: tuple[datetime, datetime]) -> int:
    """Whole minutes from a duration column, never more than the window's length."""
    longest = (bounds[1] - bounds[0]).total_seconds() / 60
    return round(min(max(minutes, 0.0), longest))

"""The daily digest's moments: a local time of day in the organizers' zone, as UTC."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from bot.delivery.daily_digest import day_before, next_moment, on_schedule

PORT_OF_SPAIN = ZoneInfo("America/Port_of_Spain")  # UTC−4 all year
NEW_YORK = ZoneInfo("America/New_York")  # summer time from 14 March 2027, 02:00
SIX_PM = time(18, 0)


def utc(*parts: int) -> datetime:
    """A moment in UTC."""
    return datetime(*parts, tzinfo=UTC)


def test_the_next_moment_is_strictly_after() -> None:
    assert next_moment(utc(2027, 1, 5, 14), SIX_PM, PORT_OF_SPAIN) == utc(2027, 1, 5, 22)
    assert next_moment(utc(2027, 1, 5, 22), SIX_PM, PORT_OF_SPAIN) == utc(2027, 1, 6, 22)
    # Just after midnight UTC it is still the previous evening in Port of Spain.
    assert next_moment(utc(2027, 1, 6, 1), SIX_PM, PORT_OF_SPAIN) == utc(2027, 1, 6, 22)
    assert next_moment(utc(2027, 1, 6, 1), time(23, 30), PORT_OF_SPAIN) == utc(2027, 1, 6, 3, 30)


def test_summer_time_keeps_the_local_hour() -> None:
    saturday = next_moment(utc(2027, 3, 13, 12), SIX_PM, NEW_YORK)
    assert saturday == utc(2027, 3, 13, 23)  # 18:00 EST
    sunday = next_moment(saturday, SIX_PM, NEW_YORK)
    assert sunday == utc(2027, 3, 14, 22)  # 18:00 EDT
    assert day_before(sunday, SIX_PM, NEW_YORK) == saturday
    assert next_moment(utc(2027, 11, 6, 23), SIX_PM, NEW_YORK) == utc(2027, 11, 7, 23)


def test_a_local_time_the_clocks_skip_still_gives_one_moment_that_day() -> None:
    skipped = time(2, 30)  # 14 March 2027 goes from 01:59 to 03:00 in New York
    moment = next_moment(utc(2027, 3, 14, 0), skipped, NEW_YORK)
    assert moment == utc(2027, 3, 14, 7, 30)
    assert on_schedule(moment, skipped, NEW_YORK)
    assert next_moment(moment, skipped, NEW_YORK) == utc(2027, 3, 15, 6, 30)


def test_a_moment_is_on_schedule_only_at_the_set_time() -> None:
    assert on_schedule(utc(2027, 1, 5, 22), SIX_PM, PORT_OF_SPAIN)
    assert not on_schedule(utc(2027, 1, 5, 22), time(20, 30), PORT_OF_SPAIN)

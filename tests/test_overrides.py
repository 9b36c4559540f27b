"""Unit tests: webinar overrides over the series file, and what organizers type in the console."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.clock import to_iso
from bot.domain.organizer_input import clean_join_url, clean_user_id, parse_start
from bot.domain.overrides import apply_overrides
from bot.domain.validation import Invalid
from tests.support.settings import example_series

PORT_OF_SPAIN = ZoneInfo("America/Port_of_Spain")
NOW = datetime(2027, 1, 5, 14, 0, tzinfo=UTC)


def test_no_overrides_keeps_the_series() -> None:
    series = example_series()
    assert apply_overrides(series, []) is series


def test_start_and_link_are_overridden_and_the_rest_kept() -> None:
    series = example_series()
    first = series.webinars[0]
    moved = first.starts_at + timedelta(days=2)
    result = apply_overrides(
        series,
        [
            {"webinar_id": first.id, "starts_at": to_iso(moved), "join_url": None},
            {
                "webinar_id": series.webinars[1].id,
                "starts_at": None,
                "join_url": "https://example.org/new",
            },
        ],
    )
    changed = result.webinar(first.id)
    assert changed is not None and changed.starts_at == moved
    assert changed.join_url == first.join_url and changed.duration == first.duration
    assert changed.title == first.title and changed.reminders == first.reminders
    second = result.webinar(series.webinars[1].id)
    assert second is not None and second.join_url == "https://example.org/new"
    assert second.starts_at == series.webinars[1].starts_at
    assert series.webinars[0].starts_at == first.starts_at  # the original is untouched
    assert result.timezone == series.timezone and result.title == series.title


def test_webinars_stay_sorted_by_start() -> None:
    series = example_series()
    first, last = series.webinars[0], series.webinars[-1]
    result = apply_overrides(
        series,
        [
            {
                "webinar_id": first.id,
                "starts_at": to_iso(last.starts_at + timedelta(days=1)),
                "join_url": None,
            }
        ],
    )
    assert [w.id for w in result.webinars] == [*[w.id for w in series.webinars[1:]], first.id]


def test_unknown_webinars_and_unreadable_values_are_ignored() -> None:
    series = example_series()
    first = series.webinars[0]
    result = apply_overrides(
        series,
        [
            {"webinar_id": "gone", "starts_at": to_iso(NOW), "join_url": None},
            {"webinar_id": first.id, "starts_at": "not a date", "join_url": None},
        ],
    )
    assert result.webinars == series.webinars


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2027-01-22 10:00", datetime(2027, 1, 22, 14, 0, tzinfo=UTC)),
        ("  2027-1-22   9:05 ", datetime(2027, 1, 22, 13, 5, tzinfo=UTC)),
        ("2027-01-22T10:00", datetime(2027, 1, 22, 14, 0, tzinfo=UTC)),
        ("2027-01-22 10:00:00", datetime(2027, 1, 22, 14, 0, tzinfo=UTC)),
        ("２０２７-０１-２２ １０:００", datetime(2027, 1, 22, 14, 0, tzinfo=UTC)),
    ],
)
def test_start_is_read_in_the_organizers_zone(text: str, expected: datetime) -> None:
    assert parse_start(text, PORT_OF_SPAIN, NOW) == expected


@pytest.mark.parametrize(
    "text, problem",
    [
        ("", "format"),
        (None, "format"),
        ("tomorrow 10am", "format"),
        ("2027-02-30 10:00", "format"),
        ("2027-01-22 25:00", "format"),
        ("2027-01-22", "format"),
        ("22/01/2027 10:00", "format"),
        ("2027-01-22 10:00 UTC", "format"),
        ("2027-01-05 09:59", "past"),
        ("2026-12-31 23:00", "past"),
        ("2999-01-01 10:00", "far"),
    ],
)
def test_bad_starts_are_refused(text: str | None, problem: str) -> None:
    with pytest.raises(Invalid) as refusal:
        parse_start(text, PORT_OF_SPAIN, NOW)
    assert refusal.value.reason == "webinar_error_start"
    assert refusal.value.context()["wb_problem"] == problem


def test_a_time_the_clocks_skip_is_refused() -> None:
    new_york = ZoneInfo("America/New_York")  # 2027-03-14 02:30 does not exist there
    with pytest.raises(Invalid) as refusal:
        parse_start("2027-03-14 02:30", new_york, NOW)
    assert refusal.value.context()["wb_problem"] == "gap"
    assert parse_start("2027-03-14 03:30", new_york, NOW) == datetime(
        2027, 3, 14, 7, 30, tzinfo=UTC
    )


@pytest.mark.parametrize(
    "url",
    [
        "https://example.org/join/x?a=1&b=2",
        "http://zoom.us/j/123",
        "HTTPS://Example.org",
        "https://example.org:8443/room",
        "https://" + "a" * 2030 + ".org",
    ],
)
def test_good_links(url: str) -> None:
    assert clean_join_url(f" {url} ") == url


@pytest.mark.parametrize(
    "url, problem",
    [
        ("javascript:alert(1)", "form"),
        ("ftp://example.org/x", "form"),
        ("example.org", "form"),
        ("https://", "form"),
        ("https://localhost/x", "form"),
        ("https://exa mple.org", "form"),
        ("https://example.org/\u202ertl", "form"),
        ("https://example.org:99999/", "form"),
        ("https://[::1", "form"),
        ("", "form"),
        ("https://example.org/" + "a" * 4980, "length"),
    ],
)
def test_bad_links(url: str, problem: str) -> None:
    with pytest.raises(Invalid) as refusal:
        clean_join_url(url)
    assert refusal.value.reason == "webinar_error_link"
    assert refusal.value.context()["wb_problem"] == problem


@pytest.mark.parametrize(
    "text, expected",
    [
        ("123456789", 123456789),
        (" 42 ", 42),
        ("9223372036854775807", 2**63 - 1),
        ("１２３", 123),
    ],
)
def test_good_user_ids(text: str, expected: int) -> None:
    assert clean_user_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        None,
        "0",
        "-5",
        "+5",
        "12a",
        "1 2",
        "1.0",
        "9223372036854775808",
        "99999999999999999999",
        "@someone",
        "١٢٣",
    ],
)
def test_bad_user_ids(text: str | None) -> None:
    with pytest.raises(Invalid) as refusal:
        clean_user_id(text)
    assert refusal.value.reason == "organizers_error_id"

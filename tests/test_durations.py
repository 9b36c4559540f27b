"""Tests for bot.domain.durations."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.domain.durations import format_duration, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("30s", timedelta(seconds=30)),
        ("10m", timedelta(minutes=10)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("2d", timedelta(days=2)),
        ("0m", timedelta(0)),
        ("0s", timedelta(0)),
        ("1d12h", timedelta(days=1, hours=12)),
        ("90s", timedelta(seconds=90)),
        ("1d2h3m4s", timedelta(days=1, hours=2, minutes=3, seconds=4)),
        ("  15m\n", timedelta(minutes=15)),
        ("365d", timedelta(days=365)),
        ("1H30M", timedelta(hours=1, minutes=30)),
    ],
)
def test_parse_valid(text: str, expected: timedelta) -> None:
    """Valid durations parse to the expected timedelta."""
    assert parse_duration(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "2x",
        "10",
        "-5m",
        "1.5h",
        "1,5h",
        "1m1m",
        "1h1h",
        "30m1h",
        "1s1d",
        "h",
        "1 h",
        "1h 30m",
        "+5m",
        "5 m",
        "1w",
        "5ms",
        "١٢m",
    ],
)
def test_parse_invalid(text: str) -> None:
    """Malformed, negative or out-of-order durations raise ValueError with a hint."""
    with pytest.raises(ValueError) as info:
        parse_duration(text)
    message = str(info.value)
    assert "use e.g. 30s, 10m, 1h30m, 2d" in message
    assert "\n" not in message


def test_invalid_message_quotes_input() -> None:
    """The message quotes the rejected text."""
    with pytest.raises(ValueError, match=r'^"2x" is not a duration; use e.g. 30s, 10m, 1h30m, 2d$'):
        parse_duration("2x")


def test_negative_message() -> None:
    """Negative durations are called out as negative."""
    with pytest.raises(ValueError, match="negative"):
        parse_duration("-5m")


@pytest.mark.parametrize("text", ["366d", "365d1s", "9000h", "99999999999999999999s"])
def test_parse_too_large(text: str) -> None:
    """Durations above 365 days are rejected."""
    with pytest.raises(ValueError, match="maximum is 365d"):
        parse_duration(text)


def test_parse_rejects_non_string() -> None:
    """A non-string (e.g. a TOML number) is not a duration."""
    with pytest.raises(ValueError, match="not a duration"):
        parse_duration(60)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("td", "expected"),
    [
        (timedelta(0), "0s"),
        (timedelta(seconds=30), "30s"),
        (timedelta(seconds=90), "1m30s"),
        (timedelta(hours=1, minutes=30), "1h30m"),
        (timedelta(days=2), "2d"),
        (timedelta(days=1, hours=12), "1d12h"),
        (timedelta(days=1, seconds=1), "1d1s"),
        (timedelta(seconds=5, microseconds=900_000), "5s"),
    ],
)
def test_format(td: timedelta, expected: str) -> None:
    """Durations format canonically, largest unit first."""
    assert format_duration(td) == expected


@pytest.mark.parametrize("text", ["30s", "10m", "1h30m", "2d", "0s", "1d12h", "1d2h3m4s"])
def test_round_trip(text: str) -> None:
    """Canonical strings survive parse then format."""
    assert format_duration(parse_duration(text)) == text


def test_format_negative() -> None:
    """Negative durations cannot be formatted."""
    with pytest.raises(ValueError):
        format_duration(timedelta(seconds=-1))

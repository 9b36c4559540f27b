"""The pure rules in bot/domain/ on their own: answers, organizer input and reminder timing."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

import pytest

from bot.domain import reminders
from bot.domain.durations import format_duration, parse_duration
from bot.domain.organizer_input import (
    START_AHEAD_MAX,
    clean_join_url,
    clean_user_id,
    parse_start,
)
from bot.domain.series import SeriesError, load_series, parse_series
from bot.domain.series_fields import URL_MAX
from bot.domain.validation import (
    Invalid,
    clean_email,
    clean_name,
    clean_payload,
    clean_text,
    clean_timezone,
)
from tests.support.settings import ROOT

if TYPE_CHECKING:
    from pathlib import Path

NOW = datetime(2027, 1, 5, 14, 0, tzinfo=UTC)
PORT_OF_SPAIN = ZoneInfo("America/Port_of_Spain")


def reason(error: pytest.ExceptionInfo[Invalid]) -> tuple[str, dict[str, object]]:
    """The template and parameters of a refusal."""
    return error.value.reason, error.value.context()


def test_clean_text_normalises_and_checks_length() -> None:
    assert clean_text("  Ana \n\t Smith\u200b ") == "Ana Smith"
    assert clean_text("e\u0301") == "é"  # NFC
    assert clean_text("a\u2028b") == "a b"  # a line separator is a space
    assert clean_text("ab", min_len=2, max_len=2) == "ab"
    for empty in (None, "", " \u200b "):
        with pytest.raises(Invalid) as error:
            clean_text(empty)
        assert reason(error) == ("error_empty", {})
    with pytest.raises(Invalid) as error:
        clean_text("abc", min_len=1, max_len=2)
    assert reason(error) == ("error_length", {"min": 1, "max": 2, "got": 3})
    with pytest.raises(Invalid) as error:
        clean_text("a", min_len=2, max_len=5)
    assert reason(error) == ("error_length", {"min": 2, "max": 5, "got": 1})
    assert clean_text("x" * 200) == "x" * 200
    with pytest.raises(Invalid):
        clean_text("x" * 201)


def test_clean_name_needs_two_letters_and_at_most_100_characters() -> None:
    assert clean_name("Jo") == "Jo"
    assert clean_name("A" * 100) == "A" * 100
    for bad, why in (
        ("J", "error_length"),
        ("A" * 101, "error_length"),
        ("J1", "error_name_letters"),
    ):
        with pytest.raises(Invalid) as error:
            clean_name(bad)
        assert error.value.reason == why


def test_clean_email() -> None:
    assert clean_email("  Ana.Smith@Police.GOV.gy ") == "Ana.Smith@police.gov.gy"
    assert clean_email("a@b.co") == "a@b.co"
    local = "a" * 64
    assert clean_email(f"{local}@x.org") == f"{local}@x.org"
    for bad in (
        None,
        "",
        "ana",
        "ana@host",
        "ana@@x.org",
        "a" * 65 + "@x.org",
        "a..b@x.org",
        ".ab@x.org",
        "ab.@x.org",
        "a@" + "b" * 250 + ".org",
        "a@-x.org",
    ):
        with pytest.raises(Invalid) as error:
            clean_email(bad)
        assert error.value.reason == "error_email", bad


def test_clean_timezone_names_and_offsets() -> None:
    assert clean_timezone("america/guyana") == "America/Guyana"
    assert clean_timezone(" America/Port of Spain ") == "America/Port_of_Spain"
    assert clean_timezone("UTC-5") == "Etc/GMT+5"
    assert clean_timezone("utc − 4") == "Etc/GMT+4"
    assert clean_timezone("GMT+3") == "Etc/GMT-3"
    assert clean_timezone("UTC+0") == "Etc/UTC"
    assert clean_timezone("UTC+14") == "Etc/GMT-14"
    assert clean_timezone("utc") == "UTC"
    for bad in ("UTC+15", "Mars/Olympus", "", None):
        with pytest.raises(Invalid) as error:
            clean_timezone(bad)
        assert error.value.reason == "error_timezone"


def test_clean_payload() -> None:
    assert clean_payload("CARIB2027") == "CARIB2027"
    assert clean_payload("a-b_c") == "a-b_c"
    assert clean_payload("x" * 64) == "x" * 64
    for bad in (None, "", "x" * 65, "a b", "é"):
        assert clean_payload(bad) is None


def test_reminder_skip_reasons() -> None:
    start = NOW
    end = start + timedelta(hours=2)
    hour, zero = timedelta(hours=1), timedelta(0)
    assert reminders.skip_reason(hour, start, end, start - timedelta(seconds=1)) is None
    assert reminders.skip_reason(hour, start, end, start) == "the webinar had started"
    assert reminders.skip_reason(zero, start, end, start) is None
    grace = start + reminders.STARTING_NOW_GRACE
    assert reminders.skip_reason(zero, start, end, grace) is None
    late = grace + timedelta(seconds=1)
    assert reminders.skip_reason(zero, start, end, late) == "more than 15 minutes after the start"
    assert reminders.skip_reason(zero, start, end, end) == "the webinar had ended"
    assert reminders.skip_reason(hour, start, end, end) == "the webinar had ended"
    assert reminders.skip_reason(-hour, start, end, start + timedelta(minutes=5)) is None


def test_reminder_purposes_and_windows() -> None:
    assert reminders.offset_of("3600@2027-01-20T14:00:00Z") == timedelta(hours=1)
    assert reminders.start_of("3600@2027-01-20T14:00:00Z") == "2027-01-20T14:00:00Z"
    start, end = NOW, NOW + timedelta(hours=2)
    assert not reminders.needs_late_reminder(start, end, start - timedelta(hours=1, seconds=1))
    assert reminders.needs_late_reminder(start, end, start - timedelta(hours=1))
    assert reminders.needs_late_reminder(start, end, end - timedelta(seconds=1))
    assert not reminders.needs_late_reminder(start, end, end)
    assert not reminders.is_live(start, end, start - timedelta(seconds=1))
    assert reminders.is_live(start, end, start)
    assert not reminders.is_live(start, end, end)


def test_clean_user_id() -> None:
    assert clean_user_id(" 12345 ") == 12345
    assert clean_user_id("１２３") == 123  # full-width digits
    assert clean_user_id(str(2**63 - 1)) == 2**63 - 1
    for bad in (None, "", "0", "-5", "12a", str(2**63), "1" * 20):
        with pytest.raises(Invalid) as error:
            clean_user_id(bad)
        assert error.value.reason == "organizers_error_id"


def test_parse_start() -> None:
    assert parse_start("2027-01-22 10:00", PORT_OF_SPAIN, NOW) == datetime(
        2027, 1, 22, 14, 0, tzinfo=UTC
    )
    assert parse_start("2027-1-5T10h01", PORT_OF_SPAIN, NOW) == datetime(
        2027, 1, 5, 14, 1, tzinfo=UTC
    )
    assert parse_start("2027-01-22 10:00:00", PORT_OF_SPAIN, NOW).minute == 0
    problems = {
        "tomorrow": "format",
        "2027-02-30 10:00": "format",
        "2027-01-05 10:00": "past",
        "2027-01-05 09:59": "past",
        "2033-01-05 10:00": "far",
    }
    for text, problem in problems.items():
        with pytest.raises(Invalid) as error:
            parse_start(text, PORT_OF_SPAIN, NOW)
        assert reason(error) == ("webinar_error_start", {"wb_problem": problem}), text
    new_york = ZoneInfo("America/New_York")
    with pytest.raises(Invalid) as error:
        parse_start("2027-03-14 02:30", new_york, NOW)  # the clocks skip this hour
    assert reason(error) == ("webinar_error_start", {"wb_problem": "gap"})
    edge = NOW + START_AHEAD_MAX
    local = edge.astimezone(PORT_OF_SPAIN).strftime("%Y-%m-%d %H:%M")
    assert parse_start(local, PORT_OF_SPAIN, NOW) == edge


def test_clean_join_url() -> None:
    assert clean_join_url(" https://zoom.us/j/123 ") == "https://zoom.us/j/123"
    assert clean_join_url("HTTP://example.org:8080/x") == "HTTP://example.org:8080/x"
    for bad in (
        "ftp://example.org",
        "https://localhost/x",
        "https://ex ample.org",
        "https://x.org:99999",
        "https://x.org/\u200b",
        "",
    ):
        with pytest.raises(Invalid) as error:
            clean_join_url(bad)
        assert reason(error) == (
            "webinar_error_link",
            {"wb_problem": "form", "got": len(bad.strip())},
        ), bad
    long = "https://example.org/" + "x" * 2100
    with pytest.raises(Invalid) as error:
        clean_join_url(long)
    assert reason(error) == ("webinar_error_link", {"wb_problem": "length", "got": len(long)})


@pytest.mark.parametrize(
    ("value", "words"),
    [
        ("true", "true/false"),
        ("5", "a number"),
        ("5.5", "a number"),
        ("[1]", "a list"),
        ("{a = 1}", "a table"),
        ("2027-01-01T10:00:00Z", "a date-time"),
        ("2027-01-01", "a date"),
        ("10:00:00", "time"),
    ],
)
def test_a_wrong_type_in_the_series_file_is_named_in_words(value: str, words: str) -> None:
    text = (ROOT / "series.example.toml").read_text(encoding="utf-8")
    text = re.sub(r"(?m)^title = .*$", f"title = {value}", text, count=1)
    with pytest.raises(SeriesError) as error:
        parse_series(text)
    assert str(error.value) == f"series.toml: series.title: must be text in quotes, not {words}"


def test_an_unreadable_series_file_is_named(tmp_path: Path) -> None:
    (tmp_path / "file").write_text("", encoding="utf-8")
    below_a_file = tmp_path / "file" / "series.toml"
    with pytest.raises(SeriesError) as error:
        load_series(below_a_file)
    assert str(error.value) == f"SERIES_FILE: cannot read {below_a_file} (Not a directory)"
    (tmp_path / "latin1.toml").write_bytes('title = "Caña"'.encode("latin-1"))
    with pytest.raises(SeriesError, match="is not UTF-8 text"):
        load_series(tmp_path / "latin1.toml")


def test_typed_durations_are_quoted_shortened_and_escaped() -> None:
    examples = "use e.g. 30s, 10m, 1h30m, 2d"
    cases = {
        "-" + "x" * 50: '"-' + "x" * 36 + '..." is negative; ' + examples,
        "-" + "y" * 39: '"-' + "y" * 39 + '" is negative; ' + examples,
        '-a"b\nc': '"-a\\"b\\nc" is negative; ' + examples,
    }
    for typed, message in cases.items():
        with pytest.raises(ValueError, match="negative") as error:
            parse_duration(typed)
        assert str(error.value) == message
    with pytest.raises(ValueError) as error:
        format_duration(timedelta(seconds=-1))
    assert str(error.value) == "cannot format a negative duration (-1 day, 23:59:59)"


def test_edges_of_organizer_input() -> None:
    assert clean_user_id("1") == 1
    longest = "https://example.org/" + "x" * (URL_MAX - len("https://example.org/"))
    assert clean_join_url(longest) == longest
    with pytest.raises(Invalid):
        clean_join_url(longest + "x")


def test_edges_of_e_mail_length() -> None:
    label = "d" * 60
    domain = f"{label}.{label}.{label}.{label[:56]}.org"  # 4 labels and .org: 245 characters
    local = "a" * (254 - len(domain) - 1)
    assert len(f"{local}@{domain}") == 254
    assert clean_email(f"{local}@{domain}") == f"{local}@{domain}"
    with pytest.raises(Invalid):
        clean_email(f"{local}a@{domain}")

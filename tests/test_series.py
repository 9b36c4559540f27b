"""Tests for bot.domain.series."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.domain.series import Series, SeriesError, load_series, parse_series

ROOT = Path(__file__).resolve().parent.parent

SERIES = """\
[series]
title = "  Test series "
organizer = "Organizer"
timezone = "America/Port_of_Spain"
reminders = ["1h", "1d", "0m", "1h"]
feedback_after = "15m"
registration_code = ""
"""

FIRST = """
[[webinars]]
id = "first"
title = "First webinar"
starts_at = 2027-03-01T10:00:00-04:00
duration = "2h"
join_url = "https://example.org/join/first"
topics = ["One", "Two"]
"""

SECOND = """
[[webinars]]
id = "second"
title = "Second webinar"
title_es = "Segundo seminario"
starts_at = 2027-01-20T10:00:00-04:00
duration = "1h30m"
join_url = "http://example.org/join/second"
topics = ["Uno"]
topics_es = ["Uno es"]
reminders = ["0m", "1d"]
"""

VALID = SERIES + FIRST + SECOND


def parse(text: str) -> Series:
    """Parse series text, naming it series.toml."""
    return parse_series(text, source="series.toml")


def error_for(text: str) -> str:
    """Return the one-line SeriesError message for some series text."""
    with pytest.raises(SeriesError) as info:
        parse(text)
    message = str(info.value)
    assert "\n" not in message
    assert message.startswith("series.toml: ")
    return message


def replaced(old: str, new: str, text: str = VALID) -> str:
    """Return the text with exactly one occurrence of `old` replaced."""
    assert text.count(old) == 1, old
    return text.replace(old, new)


def test_valid_series() -> None:
    """A valid file yields stripped, converted, sorted values."""
    series = parse(VALID)
    assert series.title == "Test series"
    assert series.organizer == "Organizer"
    assert series.timezone.key == "America/Port_of_Spain"
    assert series.reminders == (timedelta(days=1), timedelta(hours=1), timedelta(0))
    assert series.feedback_after == timedelta(minutes=15)
    assert series.registration_code == ""
    assert [w.id for w in series.webinars] == ["second", "first"]
    first = series.webinar("first")
    assert first is not None
    assert first.starts_at == datetime(2027, 3, 1, 14, 0, tzinfo=UTC)
    assert first.starts_at.utcoffset() == timedelta(0)
    assert first.ends_at == datetime(2027, 3, 1, 16, 0, tzinfo=UTC)
    assert first.reminders == series.reminders
    assert first.topics == ("One", "Two")
    assert first.title_es is None and first.topics_es is None
    assert series.webinar("nope") is None


def test_webinar_reminder_override_and_languages() -> None:
    """A webinar's own reminders replace the series list; Spanish texts are chosen by lang."""
    second = parse(VALID).webinar("second")
    assert second is not None
    assert second.reminders == (timedelta(days=1), timedelta(0))
    assert second.duration == timedelta(hours=1, minutes=30)
    assert second.title_for("es") == "Segundo seminario"
    assert second.title_for("es-TT") == "Segundo seminario"
    assert second.title_for("en") == "Second webinar"
    assert second.title_for(None) == "Second webinar"
    assert second.topics_for("es") == ("Uno es",)
    assert second.topics_for("en") == ("Uno",)
    first = parse(VALID).webinar("first")
    assert first is not None
    assert first.title_for("es") == "First webinar"
    assert first.topics_for("es") == ("One", "Two")


def test_empty_reminders_allowed() -> None:
    """An empty reminders list means no reminders."""
    series = parse(replaced('reminders = ["1h", "1d", "0m", "1h"]', "reminders = []"))
    assert series.reminders == ()
    assert series.webinar("first").reminders == ()  # type: ignore[union-attr]


def test_registration_code_set() -> None:
    """A valid registration code is kept."""
    series = parse(replaced('registration_code = ""', 'registration_code = " Carib_2027-x "'))
    assert series.registration_code == "Carib_2027-x"


def test_registration_code_optional() -> None:
    """Without registration_code the code is empty."""
    assert parse(replaced('registration_code = ""\n', "")).registration_code == ""


def test_models_are_frozen() -> None:
    """Series and Webinar cannot be modified."""
    series = parse(VALID)
    with pytest.raises(AttributeError):
        series.title = "x"  # type: ignore[misc]
    with pytest.raises(AttributeError):
        series.webinars[0].id = "x"  # type: ignore[misc]


SECOND_AT = "webinars[2]"

INVALID = [
    # (old, new, expected message after "series.toml: ")
    ("[series]\n", "[serie]\n", 'serie: unknown key (did you mean "series"?)'),
    (
        'title = "  Test series "',
        'titel = "x"',
        'series.titel: unknown key (did you mean "title"?)',
    ),
    ('title = "  Test series "\n', "", "series.title: missing"),
    ('title = "  Test series "', 'title = "   "', "series.title: must not be empty"),
    ('title = "  Test series "', "title = 5", "series.title: must be text in quotes, not a number"),
    ('title = "  Test series "', f'title = "{"x" * 201}"', "series.title: is 201 characters"),
    ('title = "  Test series "', 'title = "a\\nb"', "series.title: must be a single line"),
    ('organizer = "Organizer"\n', "", "series.organizer: missing"),
    ('timezone = "America/Port_of_Spain"', 'timezone = "Mars/Olympus"', "series.timezone: "),
    ('timezone = "America/Port_of_Spain"', 'timezone = "../etc"', "series.timezone: "),
    ('timezone = "America/Port_of_Spain"\n', "", "series.timezone: missing"),
    ('reminders = ["1h", "1d", "0m", "1h"]\n', "", "series.reminders: missing"),
    (
        'reminders = ["1h", "1d", "0m", "1h"]',
        'reminders = "1h"',
        "series.reminders: must be a list",
    ),
    (
        'reminders = ["1h", "1d", "0m", "1h"]',
        'reminders = ["1h", "2x"]',
        'series.reminders[2]: "2x" is not a duration; use e.g. 30s, 10m, 1h30m, 2d',
    ),
    ('reminders = ["1h", "1d", "0m", "1h"]', "reminders = [60]", "series.reminders[1]: must be"),
    ('feedback_after = "15m"', 'feedback_after = "-15m"', "series.feedback_after: "),
    ('feedback_after = "15m"', "feedback_after = 15", "series.feedback_after: must be a duration"),
    ('feedback_after = "15m"\n', "", "series.feedback_after: missing"),
    ('registration_code = ""', 'registration_code = "abc"', "series.registration_code: must be"),
    ('registration_code = ""', 'registration_code = "a b c d"', "series.registration_code: "),
    ('registration_code = ""', f'registration_code = "{"a" * 65}"', "series.registration_code: "),
    ('registration_code = ""', "registration_code = 1234", "series.registration_code: must be"),
    ('id = "second"', 'id = "Second"', f"{SECOND_AT}.id: " + '"Second" must be 1-32 characters'),
    ('id = "second"', f'id = "{"a" * 33}"', f"{SECOND_AT}.id: "),
    ('id = "second"', 'id = ""', f"{SECOND_AT}.id: must not be empty"),
    ('id = "second"', 'id = "first"', f'{SECOND_AT}.id: "first" is already used by webinars[1]'),
    ('id = "second"\n', "", f"{SECOND_AT}.id: missing"),
    ('title = "Second webinar"\n', "", f"{SECOND_AT}.title: missing"),
    ('title = "Second webinar"', f'title = "{"x" * 201}"', f"{SECOND_AT}.title: is 201"),
    ('title_es = "Segundo seminario"', 'title_es = ""', f"{SECOND_AT}.title_es: must not be"),
    (
        "starts_at = 2027-01-20T10:00:00-04:00",
        "starts_at = 2027-01-20T10:00:00",
        f"{SECOND_AT}.starts_at: needs a time zone offset, e.g. 2027-01-20T10:00:00-04:00",
    ),
    (
        "starts_at = 2027-01-20T10:00:00-04:00",
        "starts_at = 2027-01-20",
        f"{SECOND_AT}.starts_at: needs a",
    ),
    (
        "starts_at = 2027-01-20T10:00:00-04:00",
        'starts_at = "2027-01-20T10:00:00-04:00"',
        f"{SECOND_AT}.starts_at: write the date-time without quotes",
    ),
    ("starts_at = 2027-01-20T10:00:00-04:00", "starts_at = 5", f"{SECOND_AT}.starts_at: must be"),
    ("starts_at = 2027-01-20T10:00:00-04:00\n", "", f"{SECOND_AT}.starts_at: missing"),
    ('duration = "1h30m"', 'duration = "0m"', f"{SECOND_AT}.duration: must be longer than 0"),
    ('duration = "1h30m"', 'duration = "30m1h"', f'{SECOND_AT}.duration: "30m1h" is not a'),
    ('duration = "1h30m"', 'duration = "400d"', f"{SECOND_AT}.duration: "),
    ('duration = "1h30m"\n', "", f"{SECOND_AT}.duration: missing"),
    ('join_url = "http://example.org/join/second"\n', "", f"{SECOND_AT}.join_url: missing"),
    (
        'join_url = "http://example.org/join/second"',
        'join_url = "ftp://example.org/x"',
        f'{SECOND_AT}.join_url: "ftp://example.org/x" is not an http(s) URL',
    ),
    (
        'join_url = "http://example.org/join/second"',
        'join_url = "example.org"',
        f"{SECOND_AT}.join_url: ",
    ),
    ('topics = ["Uno"]\n', "", f"{SECOND_AT}.topics: missing"),
    ('topics = ["Uno"]', "topics = []", f"{SECOND_AT}.topics: must list at least one"),
    ('topics = ["Uno"]', 'topics = "Uno"', f"{SECOND_AT}.topics: must be a list"),
    ('topics = ["Uno"]', 'topics = ["Uno", " "]', f"{SECOND_AT}.topics[2]: must not be empty"),
    ('topics = ["Uno"]', 'topics = ["Uno", 3]', f"{SECOND_AT}.topics[2]: must be text"),
    ('topics = ["Uno"]', f'topics = ["{"t" * 301}"]', f"{SECOND_AT}.topics[1]: is 301"),
    (
        'topics_es = ["Uno es"]',
        'topics_es = ["a", "b"]',
        f"{SECOND_AT}.topics_es: has 2 items but topics has 1",
    ),
    ('topics_es = ["Uno es"]', "topics_es = []", f"{SECOND_AT}.topics_es: must list"),
    ('reminders = ["0m", "1d"]', 'reminders = ["1d", "1x"]', f"{SECOND_AT}.reminders[2]: "),
    ('reminders = ["0m", "1d"]', 'remind = ["1d"]', f"{SECOND_AT}.remind: unknown key (did you"),
    ('reminders = ["0m", "1d"]', 'colour = "red"', f"{SECOND_AT}.colour: unknown key (known: id"),
    ('[[webinars]]\nid = "second"', '[webinar]\nid = "second"', "webinar: unknown key"),
]


@pytest.mark.parametrize(("old", "new", "expected"), INVALID)
def test_invalid(old: str, new: str, expected: str) -> None:
    """Each invalid field gives one line naming the file and the field."""
    message = error_for(replaced(old, new))
    assert message.startswith("series.toml: " + expected), message


def test_no_series_table() -> None:
    """The [series] table is required."""
    assert error_for(FIRST) == "series.toml: series: missing"


def test_series_must_be_table() -> None:
    """series = "x" is not a table."""
    assert error_for('series = "x"\n' + FIRST).startswith("series.toml: series: must be a [series]")


def test_no_webinars() -> None:
    """At least one webinar is required."""
    assert error_for(SERIES) == "series.toml: webinars: add at least one [[webinars]] table"
    assert error_for("webinars = []\n" + SERIES).startswith("series.toml: webinars: add at least")


def test_webinars_must_be_tables() -> None:
    """webinars = ["x"] is not a list of tables."""
    assert "webinars: must be written as [[webinars]]" in error_for('webinars = ["x"]\n' + SERIES)


def test_toml_syntax_error_has_line_number() -> None:
    """A TOML syntax error is one line with the line number."""
    message = error_for(replaced('organizer = "Organizer"', "organizer = Organizer"))
    assert "TOML syntax error" in message
    assert "line 3" in message


def test_custom_source_name() -> None:
    """The source name given is used in messages."""
    with pytest.raises(SeriesError, match=r"^conf/x\.toml: series: missing$"):
        parse_series(FIRST, source="conf/x.toml")


def test_load_series_missing_file(tmp_path: Path) -> None:
    """A missing file names SERIES_FILE."""
    with pytest.raises(SeriesError) as info:
        load_series(tmp_path / "series.toml")
    assert str(info.value).startswith(f"SERIES_FILE: {tmp_path / 'series.toml'} not found")


def test_load_series_folder(tmp_path: Path) -> None:
    """A folder instead of a file is reported."""
    with pytest.raises(SeriesError, match="^SERIES_FILE: .* is a folder"):
        load_series(tmp_path)


def test_load_series_not_utf8(tmp_path: Path) -> None:
    """Non-UTF-8 bytes are reported on one line."""
    path = tmp_path / "series.toml"
    path.write_bytes(b"\xff\xfe[series]")
    with pytest.raises(SeriesError, match="^SERIES_FILE: .* is not UTF-8"):
        load_series(path)


def test_load_series_uses_path_in_errors(tmp_path: Path) -> None:
    """Field errors from a file name that file."""
    path = tmp_path / "series.toml"
    path.write_text(replaced('duration = "1h30m"', 'duration = "2x"'), encoding="utf-8")
    with pytest.raises(SeriesError, match=rf"^{path}: webinars\[2\]\.duration: "):
        load_series(path)


def test_example_file_loads() -> None:
    """series.example.toml is valid: three webinars, the first with its eight topics."""
    series = load_series(ROOT / "series.example.toml")
    assert len(series.webinars) == 3
    first = series.webinars[0]
    assert first.id == "crime-gun-strategy"
    assert first.title == "Building a Crime Gun Preventive Strategy in the Caribbean"
    assert first.starts_at == datetime(2027, 1, 20, 14, 0, tzinfo=UTC)
    assert first.duration == timedelta(hours=2)
    assert first.join_url == "https://example.org/join/crime-gun-strategy"
    assert first.topics == (
        "Stakeholder buy-in",
        "Regional approaches",
        "Ballistic imaging",
        "Overlaying technologies",
        "Knowing offenders and how they interact",
        "Using a single intelligence unit",
        "Public buy-in",
        "Expanding a preventive strategy",
    )
    assert first.topics_es is not None and len(first.topics_es) == 8
    assert first.title_es is not None
    assert series.reminders == (
        timedelta(days=7),
        timedelta(days=1),
        timedelta(hours=1),
        timedelta(0),
    )
    assert series.feedback_after == timedelta(minutes=15)
    assert series.registration_code == ""
    for later in series.webinars[1:]:
        assert later.title.startswith("[Placeholder]")
    assert [w.starts_at.month for w in series.webinars] == [1, 3, 5]


def test_attendance_min_minutes_defaults_to_zero_and_is_checked() -> None:
    text = (ROOT / "series.example.toml").read_text(encoding="utf-8")
    assert parse_series(text).attendance_min_minutes == 0
    with_minutes = text.replace("[series]\n", "[series]\nattendance_min_minutes = 30\n", 1)
    assert parse_series(with_minutes).attendance_min_minutes == 30
    for bad in ('"30"', "-1", "true", "2000"):
        wrong = text.replace("[series]\n", f"[series]\nattendance_min_minutes = {bad}\n", 1)
        with pytest.raises(SeriesError, match="attendance_min_minutes"):
            parse_series(wrong)


def test_organizer_digest_defaults_to_off_and_is_checked() -> None:
    series = parse(VALID)
    assert (series.organizer_digest, series.organizer_digest_names) == ("off", False)
    on = parse(
        replaced(
            'registration_code = ""\n',
            'registration_code = ""\norganizer_digest = "each"\norganizer_digest_names = true\n',
        )
    )
    assert (on.organizer_digest, on.organizer_digest_names) == ("each", True)
    for bad in ('"weekly"', '"Each"', "true", "1"):
        message = error_for(
            replaced(
                'registration_code = ""\n', f'registration_code = ""\norganizer_digest = {bad}\n'
            )
        )
        assert "organizer_digest" in message
    message = error_for(
        replaced(
            'registration_code = ""\n', 'registration_code = ""\norganizer_digest_names = "yes"\n'
        )
    )
    assert "organizer_digest_names: must be true or false" in message


def test_approval_defaults_to_off_and_is_checked() -> None:
    assert parse(VALID).approval is False
    on = parse(replaced('registration_code = ""\n', 'registration_code = ""\napproval = true\n'))
    assert on.approval is True
    for bad in ('"yes"', "1"):
        message = error_for(
            replaced('registration_code = ""\n', f'registration_code = ""\napproval = {bad}\n')
        )
        assert "approval: must be true or false" in message


def test_the_daily_digest_has_a_checked_time_of_day() -> None:
    series = parse(VALID)
    assert series.organizer_digest_time == time(18, 0)
    daily = parse(
        replaced(
            'registration_code = ""\n',
            'registration_code = ""\norganizer_digest = "daily"\norganizer_digest_time = "7:05"\n',
        )
    )
    assert (daily.organizer_digest, daily.organizer_digest_time) == ("daily", time(7, 5))
    for bad in ('"24:00"', '"18:60"', '"6pm"', '"18"', '""', "18", "18:00:00"):
        message = error_for(
            replaced(
                'registration_code = ""\n',
                f'registration_code = ""\norganizer_digest_time = {bad}\n',
            )
        )
        assert 'organizer_digest_time: must be a time of day in quotes from "00:00"' in message


def test_capacity_is_optional_and_checked() -> None:
    series = parse(VALID)
    assert [w.capacity for w in series.webinars] == [None, None]
    limited = parse(
        replaced('topics = ["One", "Two"]\n', 'topics = ["One", "Two"]\ncapacity = 40\n')
    )
    assert limited.webinar("first") is not None
    assert limited.webinar("first").capacity == 40  # type: ignore[union-attr]
    assert limited.webinar("second").capacity is None  # type: ignore[union-attr]
    for bad in ("0", "-3", '"40"', "40.5", "true", "1_000_001"):
        message = error_for(
            replaced('topics = ["One", "Two"]\n', f'topics = ["One", "Two"]\ncapacity = {bad}\n')
        )
        assert "series.toml: webinars[1].capacity: must be a whole number of seats" in message

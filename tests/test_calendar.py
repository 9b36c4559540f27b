"""Tests for bot.render.calendar_files: read back with icalendar and the independent `ical`."""

from __future__ import annotations

import dataclasses
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import icalendar
import pytest
from ical.calendar import Calendar as IcalCalendar
from ical.calendar_stream import IcsCalendarStream

from bot.domain.series import Series, Webinar, parse_series
from bot.render.calendar_files import (
    ORGANIZER_ADDRESS,
    Attendee,
    calendar_filename,
    feed_calendar,
    google_calendar_link,
    outlook_link,
    series_calendar,
    webinar_calendar,
    webinar_event,
    with_attendee,
)

ROOT = Path(__file__).resolve().parent.parent
EXAMPLE = (ROOT / "series.example.toml").read_text()
SAFE_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*\.ics", re.ASCII)


def example() -> Series:
    """The shipped example series."""
    return parse_series(EXAMPLE)


def first(series: Series) -> Webinar:
    """The first webinar of the example series (crime-gun-strategy)."""
    webinar = series.webinar("crime-gun-strategy")
    assert webinar is not None
    return webinar


def unescape_text(value: str) -> str:
    """Undo RFC 5545 TEXT escaping, for X- properties that parsers hand back verbatim."""
    return re.sub(r"\\([\\;,nN])", lambda m: "\n" if m[1] in "nN" else m[1], value)


def read_icalendar(data: bytes) -> icalendar.Calendar:
    """Parse with icalendar (the builder's own parser)."""
    return icalendar.Calendar.from_ical(data)


def read_ical(data: bytes) -> IcalCalendar:
    """Parse with the independent `ical` library, which validates strictly."""
    return IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))


def events_by_uid(data: bytes) -> dict[str, icalendar.Event]:
    """Return the VEVENTs of a file parsed by icalendar, keyed by UID."""
    return {str(e["UID"]): e for e in read_icalendar(data).walk("VEVENT")}


def test_calendar_header() -> None:
    series = example()
    data = webinar_calendar(series, first(series), "en")
    cal = read_icalendar(data)
    assert str(cal["VERSION"]) == "2.0"
    assert str(cal["PRODID"])
    assert str(cal["METHOD"]) == "REQUEST"
    assert str(cal["CALSCALE"]) == "GREGORIAN"
    assert unescape_text(str(cal["X-WR-CALNAME"])) == series.title
    assert unescape_text(str(cal["NAME"])) == series.title
    other = read_ical(data)
    assert (other.version, other.method, other.calscale) == ("2.0", "REQUEST", "GREGORIAN")
    assert other.prodid == str(cal["PRODID"])
    extras = {p.name.upper(): p.value for p in other.extras}
    assert unescape_text(extras["X-WR-CALNAME"]) == series.title
    assert other.name == [series.title]


def test_file_format() -> None:
    series = example()
    data = series_calendar(series, "es")
    data.decode("utf-8")
    assert data.startswith(b"BEGIN:VCALENDAR\r\n") and data.endswith(b"END:VCALENDAR\r\n")
    lines = data.split(b"\r\n")[:-1]
    assert all(b"\n" not in line and b"\r" not in line for line in lines)
    assert all(len(line) <= 75 for line in lines)


@pytest.mark.parametrize("webinar_id", ["crime-gun-strategy", "webinar-2", "webinar-3"])
@pytest.mark.parametrize("lang", ["en", "es", "es-TT", "fr", ""])
def test_event_fields(webinar_id: str, lang: str) -> None:
    series = example()
    webinar = series.webinar(webinar_id)
    assert webinar is not None
    data = webinar_calendar(series, webinar, lang, version=4)
    title = webinar.title_for(lang)
    topics = webinar.topics_for(lang)
    assert title and topics
    assert (title == webinar.title) == (lang in ("en", ""))

    (event,) = read_icalendar(data).walk("VEVENT")
    assert str(event["UID"]) == f"{webinar_id}@webinar-bot"
    assert event["SEQUENCE"] == 4
    assert event.decoded("DTSTART") == webinar.starts_at
    assert event.decoded("DTEND") == webinar.ends_at
    assert event.decoded("DTSTART").utcoffset() == timedelta(0)
    assert str(event["SUMMARY"]) == title
    assert str(event["URL"]) == webinar.join_url
    assert str(event["LOCATION"]) == webinar.join_url
    assert str(event["ORGANIZER"]) == ORGANIZER_ADDRESS
    assert event["ORGANIZER"].params["CN"] == series.organizer_for(lang)
    assert (str(event["STATUS"]), str(event["TRANSP"])) == ("CONFIRMED", "OPAQUE")
    description = str(event["DESCRIPTION"])
    assert webinar.join_url in description and series.title_for(lang) in description
    assert all(f"- {topic}\n" in description + "\n" for topic in topics)
    stamp = event.decoded("DTSTAMP")
    assert abs(datetime.now(UTC) - stamp) < timedelta(minutes=1)

    (other,) = read_ical(data).events
    assert other.uid == f"{webinar_id}@webinar-bot"
    assert other.sequence == 4
    assert other.dtstart == webinar.starts_at and other.dtend == webinar.ends_at
    assert other.summary == title
    assert other.description == description
    assert other.url == webinar.join_url and other.location == webinar.join_url
    assert other.organizer is not None
    assert other.organizer.uri == ORGANIZER_ADDRESS
    assert other.organizer.common_name == series.organizer_for(lang)
    assert other.status is not None and other.status.value == "CONFIRMED"
    assert other.transparency == "OPAQUE"


def test_event_object() -> None:
    series = example()
    event = webinar_event(series, first(series), "es", version=2)
    assert isinstance(event, icalendar.Event)
    assert event["SEQUENCE"] == 2
    assert len(event.walk("VALARM")) == 4


def test_uid_stable_when_start_changes() -> None:
    before = example()
    moved = parse_series(
        EXAMPLE.replace(
            "starts_at = 2027-01-20T10:00:00-04:00", "starts_at = 2027-01-27T15:30:00-04:00"
        )
    )
    old = read_ical(webinar_calendar(before, first(before), "en"))
    new = read_ical(webinar_calendar(moved, first(moved), "en", version=2))
    assert old.events[0].uid == new.events[0].uid == "crime-gun-strategy@webinar-bot"
    assert new.events[0].sequence == 2 > (old.events[0].sequence or 0)
    assert new.events[0].dtstart == datetime(2027, 1, 27, 19, 30, tzinfo=UTC)
    assert new.events[0].dtend == datetime(2027, 1, 27, 21, 30, tzinfo=UTC)
    assert old.events[0].dtstart == datetime(2027, 1, 20, 14, 0, tzinfo=UTC)


def test_uid_ignores_language_and_link() -> None:
    series = example()
    webinar = first(series)
    relinked = dataclasses.replace(webinar, join_url="https://example.org/new-link")
    uids = {
        str(read_icalendar(webinar_calendar(series, w, lang)).walk("VEVENT")[0]["UID"])
        for w in (webinar, relinked)
        for lang in ("en", "es")
    }
    assert uids == {"crime-gun-strategy@webinar-bot"}


def test_series_calendar_has_every_webinar() -> None:
    series = example()
    data = series_calendar(series, "en", versions={"webinar-2": 3})
    events = events_by_uid(data)
    assert set(events) == {f"{w.id}@webinar-bot" for w in series.webinars}
    assert events["webinar-2@webinar-bot"]["SEQUENCE"] == 3
    assert events["webinar-3@webinar-bot"]["SEQUENCE"] == 1
    other = read_ical(data)
    assert [e.uid for e in other.events] == [f"{w.id}@webinar-bot" for w in series.webinars]
    for event, webinar in zip(other.events, series.webinars, strict=True):
        assert (event.dtstart, event.dtend) == (webinar.starts_at, webinar.ends_at)
        assert event.summary == webinar.title


def test_series_calendar_only_selected_ids() -> None:
    series = example()
    data = series_calendar(series, "es", webinar_ids=["webinar-3", "crime-gun-strategy"])
    assert set(events_by_uid(data)) == {
        "webinar-3@webinar-bot",
        "crime-gun-strategy@webinar-bot",
    }
    other = read_ical(data)
    assert len(other.events) == 2
    assert {e.summary for e in other.events} == {
        w.title_es for w in series.webinars if w.id != "webinar-2"
    }


def test_series_calendar_skips_unknown_ids_and_rejects_empty() -> None:
    series = example()
    data = series_calendar(series, "en", webinar_ids=["gone", "webinar-2"])
    assert list(events_by_uid(data)) == ["webinar-2@webinar-bot"]
    with pytest.raises(ValueError):
        series_calendar(series, "en", webinar_ids=[])
    with pytest.raises(ValueError):
        series_calendar(series, "en", webinar_ids=["gone"])


@pytest.mark.parametrize("webinar_id", ["crime-gun-strategy", "webinar-3"])
def test_alarms_match_reminders(webinar_id: str) -> None:
    series = example()
    webinar = series.webinar(webinar_id)
    assert webinar is not None
    data = webinar_calendar(series, webinar, "es")
    expected = sorted(-offset for offset in webinar.reminders)

    alarms = read_icalendar(data).walk("VALARM")
    assert len(alarms) == len(webinar.reminders)
    assert sorted(a.decoded("TRIGGER") for a in alarms) == expected
    assert {str(a["ACTION"]) for a in alarms} == {"DISPLAY"}
    assert all(webinar.title_es and webinar.title_es in str(a["DESCRIPTION"]) for a in alarms)

    (event,) = read_ical(data).events
    assert sorted(a.trigger for a in event.alarm) == expected
    assert {a.action for a in event.alarm} == {"DISPLAY"}
    assert all(a.description for a in event.alarm)
    # The "0m" reminder fires at the start and is written the conventional way.
    assert b"TRIGGER;RELATED=START:-PT0S\r\n" in data
    assert b"TRIGGER;RELATED=START:-P1D\r\n" in data


def test_no_reminders_no_alarms() -> None:
    series = parse_series(EXAMPLE.replace('reminders = ["7d", "1d", "1h", "0m"]', "reminders = []"))
    data = webinar_calendar(series, first(series), "en")
    assert read_icalendar(data).walk("VALARM") == []
    assert read_ical(data).events[0].alarm == []


TRICKY_TITLE = 'Armas, "crimen"; y acción \\ ñandú'
TRICKY_TOPIC = "Uno; dos, tres — señal"


def tricky_series() -> Series:
    """The example with titles and topics full of characters iCalendar must escape."""
    text = EXAMPLE.replace(
        f'title_es = "{first(example()).title_es}"',
        'title_es = "Armas, \\"crimen\\"; y acción \\\\ ñandú"',
    ).replace('"Enfoques regionales"', '"Uno; dos, tres — señal"')
    text = text.replace(
        'title = "Caribbean Firearms Roadmap webinar series"',
        'title = "Hoja de ruta; armas, Caribe — edición ñ"',
    ).replace('organizer = "UN regional centre"', 'organizer = "Centro regional: ONU, \\"Sur\\""')
    # the series' own Spanish title and organizer name would hide the tricky ones
    text = text.replace(f'title_es = "{example().titles["es"]}"\n', "")
    text = text.replace(f'organizer_es = "{example().organizers["es"]}"\n', "")
    return parse_series(text)


def test_escaping_of_tricky_text() -> None:
    series = tricky_series()
    webinar = first(series)
    assert webinar.title_es == TRICKY_TITLE
    data = webinar_calendar(series, webinar, "es")
    unfolded = data.replace(b"\r\n ", b"").decode("utf-8")
    assert 'SUMMARY:Armas\\, "crimen"\\; y acción \\\\ ñandú\r\n' in unfolded
    assert "Uno\\; dos\\, tres — señal\\n" in unfolded
    assert "\r\nX-WR-CALNAME:Hoja de ruta\\; armas\\, Caribe — edición ñ\r\n" in unfolded
    assert "\r\nNAME:Hoja de ruta\\; armas\\, Caribe — edición ñ\r\n" in unfolded

    (event,) = read_icalendar(data).walk("VEVENT")
    assert str(event["SUMMARY"]) == TRICKY_TITLE
    assert f"- {TRICKY_TOPIC}\n" in str(event["DESCRIPTION"])
    assert event["ORGANIZER"].params["CN"] == series.organizer
    assert unescape_text(str(read_icalendar(data)["X-WR-CALNAME"])) == series.title

    other = read_ical(data)
    assert other.name == [series.title]
    assert other.events[0].summary == TRICKY_TITLE
    assert other.events[0].description == str(event["DESCRIPTION"])
    assert other.events[0].organizer is not None
    assert other.events[0].organizer.common_name == series.organizer
    assert other.events[0].alarm[0].description == f"Recordatorio: {TRICKY_TITLE}"


def test_escaping_of_newlines() -> None:
    # The series file cannot hold newlines (parse_series rejects control characters),
    # but the builder must still escape them should a title ever carry one.
    series = tricky_series()
    webinar = dataclasses.replace(first(series), title="Line one,\nline two; end")
    data = webinar_calendar(series, webinar, "en")
    assert b"SUMMARY:Line one\\,\\nline two\\; end\r\n" in data
    assert str(read_icalendar(data).walk("VEVENT")[0]["SUMMARY"]) == webinar.title
    assert read_ical(data).events[0].summary == webinar.title


def test_filename_for_webinar_and_series() -> None:
    series = example()
    assert calendar_filename(series, first(series)) == "crime-gun-strategy.ics"
    assert calendar_filename(series) == "caribbean-firearms-roadmap-webinar-series.ics"


@pytest.mark.parametrize(
    ("title", "expected"),
    [
        ("Hoja de ruta; armas, Caribe — edición ñ", "hoja-de-ruta-armas-caribe-edicion-n.ics"),
        ("../../etc/passwd", "etc-passwd.ics"),
        ('C:\\Con "quotes" <and> |pipes|?*', "c-con-quotes-and-pipes.ics"),
        ("日本語のウェビナー", "webinar-series.ics"),
        ("---", "webinar-series.ics"),
    ],
)
def test_filename_is_safe_ascii(title: str, expected: str) -> None:
    series = dataclasses.replace(example(), title=title)
    name = calendar_filename(series)
    assert name == expected
    assert SAFE_NAME.fullmatch(name)


def test_filename_is_short() -> None:
    series = dataclasses.replace(example(), title="Á" * 150 + " b" * 40)
    name = calendar_filename(series)
    assert SAFE_NAME.fullmatch(name) and len(name) <= 64


def test_invitation_names_the_participant_as_attendee() -> None:
    series = example()
    data = webinar_calendar(
        series, first(series), "en", 2, Attendee("Ana Smith", "ana@police.gov.gy")
    )
    event = read_icalendar(data).walk("VEVENT")[0]
    assert str(event["ATTENDEE"]) == "mailto:ana@police.gov.gy"
    assert event["ATTENDEE"].params["CN"] == "Ana Smith"
    assert str(event["ORGANIZER"]) == ORGANIZER_ADDRESS
    assert int(event["SEQUENCE"]) == 2
    strict = read_ical(data)
    assert strict.method == "REQUEST"
    assert strict.events[0].attendees[0].uri == "mailto:ana@police.gov.gy"


def test_invitation_without_email_has_no_attendee() -> None:
    series = example()
    event = read_icalendar(series_calendar(series, "en")).walk("VEVENT")[0]
    assert "ATTENDEE" not in event


def _without_stamps(data: bytes) -> list[list[tuple[str, str]]]:
    """Each component's properties (sorted, DTSTAMP left out), as icalendar reads them."""
    return [
        sorted(
            (name, component[name].to_ical().decode()) for name in component if name != "DTSTAMP"
        )
        for component in read_icalendar(data).walk()
    ]


@pytest.mark.parametrize("lang", ["en", "es", "fr"])
def test_attendee_added_to_the_shared_file_equals_a_file_built_for_them(lang: str) -> None:
    series = example()
    ana = Attendee(
        'Ana "Nana" Smith-Ñúñez; Jr, with a name long enough to fold', "ana@police.gov.gy"
    )
    versions = {first(series).id: 3}
    shared = series_calendar(series, lang, None, versions)
    personal = with_attendee(shared, ana)
    assert _without_stamps(personal) == _without_stamps(
        series_calendar(series, lang, None, versions, ana)
    )
    single = webinar_calendar(series, first(series), lang, 2)
    assert _without_stamps(with_attendee(single, ana)) == _without_stamps(
        webinar_calendar(series, first(series), lang, 2, ana)
    )
    strict = read_ical(personal)
    assert [e.attendees[0].uri for e in strict.events] == ["mailto:ana@police.gov.gy"] * 3
    assert shared.count(b"ATTENDEE") == 0 and personal.count(b"\r\nATTENDEE;") == 3


def test_feed_is_published_with_the_participants_webinars() -> None:
    series = example()
    data = feed_calendar(series, "es", ["webinar-3"], {"webinar-3": 2})
    cal = read_icalendar(data)
    assert str(cal["METHOD"]) == "PUBLISH"
    assert list(events_by_uid(data)) == ["webinar-3@webinar-bot"]
    assert read_ical(data).method == "PUBLISH"
    everything = feed_calendar(series, "en", [])
    assert len(events_by_uid(everything)) == len(series.webinars)


def test_google_and_outlook_links_carry_the_event() -> None:
    series = example()
    webinar = first(series)
    google = urlsplit(google_calendar_link(series, webinar, "es"))
    assert (google.scheme, google.netloc) == ("https", "calendar.google.com")
    query = parse_qs(google.query)
    start = webinar.starts_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    end = webinar.ends_at.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")
    assert query["action"] == ["TEMPLATE"]
    assert query["dates"] == [f"{start}/{end}"]
    assert query["text"] == [webinar.title_for("es")]
    assert webinar.join_url in query["details"][0]
    outlook = urlsplit(outlook_link(series, webinar, "en"))
    assert outlook.netloc == "outlook.office.com"
    query = parse_qs(outlook.query)
    assert query["startdt"] == [webinar.starts_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")]
    assert query["subject"] == [webinar.title]
    assert query["location"] == [webinar.join_url]

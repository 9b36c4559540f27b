"""Platform reports (tests/fixtures/attendance) read with the right people, minutes and skips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.reporting.attendance.intervals import TimeReader, duration_minutes, union_minutes
from bot.reporting.attendance.names import Directory, Registrant, name_keys
from bot.reporting.attendance.plan import ImportPlan, plan_import
from bot.reporting.attendance.reading import AttendanceFileError, decode, separator
from tests.support.attendance import FIXTURES, PEOPLE

STARTS = datetime(2026, 1, 20, 14, 0, tzinfo=UTC)
ZONE = ZoneInfo("America/Port_of_Spain")
REGISTRANTS = [Registrant(i, name, email) for i, (name, email) in enumerate(PEOPLE)]
A, MA, S, MX, L, Z, R, K = (r.name for r in REGISTRANTS)

# file: {registrant: (minutes, matched by)}, ignored rows (name, reason start) — README.md
EXPECTED: dict[str, tuple[str, dict[str, tuple[int, str]], list[tuple[str, str]]]] = {
    "meet_attendance_report.csv": (
        "Google Meet attendance report",
        {S: (100, "email"), MX: (120, "email"), L: (75, "email"), R: (55, "name")},
        [],
    ),
    "meet_attendance_sheet.csv": (
        "Google Meet attendance report",
        {A: (110, "email"), MA: (58, "email"), Z: (90, "email"), K: (45, "email")},
        [],
    ),
    "teams_2020_attendance_list.csv": (
        "Microsoft Teams attendance list (2020)",
        {A: (95, "name"), S: (60, "name"), MX: (118, "name"), L: (75, "name"), K: (90, "name")},
        [("UNLIREC Host", "organizer")],
    ),
    "teams_attendance_report_v2.csv": (
        "Microsoft Teams attendance report",
        {
            A: (105, "email"),
            S: (105, "email"),
            MX: (123, "email"),
            Z: (130, "email"),
            R: (60, "name"),
            K: (90, "email"),
        },
        [("UNLIREC Host", "host"), ("Ramdial, Celeste", "panelist")],
    ),
    "teams_fr_semicolon.csv": (
        "Microsoft Teams attendance report",
        {S: (60, "email"), MX: (120, "email"), Z: (60, "name"), R: (125, "email")},
        [("UNLIREC Host", "host")],
    ),
    "webex_attendance_en.csv": (
        "Webex attendance report",
        {
            A: (124, "email"),
            MA: (60, "email"),
            Z: (60, "email"),
            R: (30, "name"),
            K: (120, "email"),
        },
        [("UNLIREC Host", "host"), ("Celeste Ramdial", "panelist")],
    ),
    "webex_attendance_pt.csv": (
        "Webex attendance report",
        {S: (120, "email"), MX: (120, "email"), L: (45, "email"), R: (35, "email")},
        [("UNLIREC Host", "host"), ("Celeste Ramdial", "panelist")],
    ),
    "zoom_dashboard_participants.csv": (
        "Zoom dashboard participants export",
        {S: (60, "email"), MX: (120, "email"), L: (70, "email"), K: (60, "email")},
        [],
    ),
    "zoom_es_participantes.csv": (
        "Zoom participants report",
        {MA: (90, "email"), S: (124, "email"), Z: (62, "email"), R: (60, "name")},
        [("Zoë Hernández-Núñez", "in the waiting room")],
    ),
    "zoom_meeting_no_summary.csv": (
        "Zoom participants report",
        {
            A: (90, "email"),
            S: (130, "email"),
            MX: (115, "email"),
            Z: (60, "email"),
            K: (136, "email"),
        },
        [("Kwame Joseph", "in the waiting room")],
    ),
    "zoom_meeting_unique_users.csv": (
        "Zoom participants report (unique users), with meeting data",
        {
            A: (118, "email"),
            MA: (95, "email"),
            L: (100, "email"),
            R: (87, "name"),
            K: (61, "email"),
        },
        [("UNLIREC Host", "host")],
    ),
    "zoom_meeting_with_summary.csv": (
        "Zoom participants report, with meeting data",
        {
            A: (124, "email"),
            MA: (93, "email"),
            L: (100, "email"),
            Z: (145, "email"),
            R: (100, "name"),
            K: (48, "email"),
        },
        [("UNLIREC Host", "host"), ("Marcus De Freitas", "in the waiting room")],
    ),
    "zoom_pt_participantes.csv": (
        "Zoom participants report, with meeting data",
        {A: (105, "email"), MX: (120, "email"), L: (60, "name"), K: (130, "email")},
        [("UNLIREC Host", "host"), ("Max Mustermann", "in the waiting room")],
    ),
    "zoom_webinar_attendee_report.csv": (
        "Zoom webinar attendee report",
        {
            A: (122, "email"),
            MA: (115, "email"),
            S: (45, "email"),
            L: (100, "email"),
            Z: (115, "email"),
            R: (50, "email"),
        },
        [
            ("UNLIREC Host", "host"),
            ("Celeste Ramdial", "panelist"),
            ("Celeste Ramdial", "panelist"),
            ("Max Mustermann", "did not attend"),
            ("Kwame Joseph", "did not attend"),
        ],
    ),
}


def plan(raw: bytes, min_minutes: int = 0) -> ImportPlan:
    """The import plan of a file for the fixtures' webinar."""
    return plan_import(
        raw, REGISTRANTS, STARTS, timedelta(hours=2), TimeReader(ZONE, STARTS), min_minutes
    )


def test_every_fixture_is_expected() -> None:
    assert sorted(p.name for p in FIXTURES.glob("*.csv")) == sorted(EXPECTED)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_fixture_read_with_the_right_people_and_minutes(name: str) -> None:
    platform, people, ignored = EXPECTED[name]
    raw = (FIXTURES / name).read_bytes()
    result = plan(raw)
    assert result.platform == platform
    assert {a.registrant.name: (a.minutes, a.matched_by) for a in result.attendees} == people
    assert all(a.attended for a in result.attendees)
    assert [s.name for s in result.ignored] == [who for who, _ in ignored]
    assert all(
        s.reason.startswith(why) for s, (_, why) in zip(result.ignored, ignored, strict=True)
    )
    unmatched = {s.name for s in result.unmatched}
    assert unmatched <= {"UNLIREC Host", "Guest Visitor", "Ramdial, Celeste", "Celeste Ramdial"}
    assert ("Guest Visitor" in unmatched) == ("webinar" not in name)  # no guest in that file


def test_min_minutes_decides_who_counts() -> None:
    result = plan((FIXTURES / "zoom_meeting_with_summary.csv").read_bytes(), min_minutes=60)
    counted = {a.registrant.name for a in result.attendees if a.attended}
    assert counted == {A, MA, L, Z, R}  # Kwame's 48 minutes are under 60


def test_utf16_big_endian_and_double_bom_are_read() -> None:
    text = (FIXTURES / "zoom_meeting_no_summary.csv").read_bytes().decode("utf-8-sig")
    big = plan(b"\xfe\xff" + text.encode("utf-16-be"))
    twice = plan(("\ufeff\ufeff" + text).encode())
    assert {a.registrant.name: a.minutes for a in big.attendees} == {
        a.registrant.name: a.minutes for a in twice.attendees
    }
    assert len(big.attendees) == 5


def test_separators_are_sniffed() -> None:
    assert separator("a;b;c\n1;2;3\n") == ";"
    assert separator("a\tb\tc\n1\t2\t3\n") == "\t"
    assert separator("a,b,c\n1,2,3\n") == ","


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"\x00\x01\x02binary\x00", "not a text"),
        (b"just,some,columns\n1,2,3\n", "no participants table"),
        (b"Name,Email\n", "not a table"),
        (b"Name,Email,Duration\nNobody Here,nobody@example.org,30\n", "no row matches"),
    ],
)
def test_wrong_files_are_refused(content: bytes, message: str) -> None:
    with pytest.raises(AttendanceFileError, match=message):
        plan(content)


def test_a_file_of_another_day_is_refused() -> None:
    text = (FIXTURES / "zoom_meeting_no_summary.csv").read_text(encoding="utf-8-sig")
    with pytest.raises(AttendanceFileError, match="2026-03-20, not this webinar"):
        plan(text.replace("01/20/2026", "03/20/2026").encode())


def test_a_name_two_registrants_share_is_not_guessed() -> None:
    directory = Directory([Registrant(1, "Sam Jones", None), Registrant(2, "Jones, Sam", None)])
    match = directory.match("SAM JONES", "")
    assert match.registrant is None
    assert "not guessed" in match.how


def test_names_read_every_way() -> None:
    assert name_keys("015_Loki (Loki Laufeyson)") == ["laufeyson loki", "loki"]
    assert name_keys("De Compostela, Santiago") == name_keys("Santiago de Compostela")
    assert name_keys("Zoe Hernandez-Nunez") == name_keys("Zoë Hernández-Núñez")


def test_durations_and_union() -> None:
    assert duration_minutes("1 hr 50 min") == 110
    assert duration_minutes("2 h 22 min 0 s") == 142
    assert duration_minutes("1h 2m 0s") == 62
    assert duration_minutes("--") is None
    at = datetime(2026, 1, 20, 14, tzinfo=UTC)
    spans = [
        (at, at + timedelta(minutes=90)),
        (at + timedelta(minutes=30), at + timedelta(hours=2)),
    ]
    assert union_minutes(spans, (at, at + timedelta(hours=2))) == 120


def test_decode_refuses_empty() -> None:
    with pytest.raises(AttendanceFileError):
        decode(b"\xef\xbb\xbf")

"""Build iCalendar (.ics) files for the webinars of a series, with the icalendar library.

Each webinar keeps one UID for its whole life (derived from its id only); the bot passes a
higher ``version`` (written as SEQUENCE) when the start time or the join link changes. Files
sent in the chat are invitations (METHOD:REQUEST, with the participant as ATTENDEE when their
e-mail is known), which mail and calendar clients apply as updates of the known UID. The
subscription feed (`feed_calendar`) is METHOD:PUBLISH: calendar apps fetch it again by
themselves, so a moved webinar shows its new time. "Add to Google Calendar" and "Add to
Outlook" links are built from the same event. All times are written in UTC. Text escaping and
line folding are left to icalendar.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Final
from urllib.parse import urlencode

import icalendar

from bot.domain.catalogue import language_for
from bot.render.texts import shared_texts

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping, Sequence

    from bot.domain.series import Series, Webinar

PRODID: Final = "-//webinar-bot//webinar-bot//EN"
UID_DOMAIN: Final = "webinar-bot"
GOOGLE_CALENDAR_URL: Final = "https://calendar.google.com/calendar/render"
OUTLOOK_URL: Final = "https://outlook.office.com/calendar/0/deeplink/compose"
# ORGANIZER is a cal-address (a URI), and RFC 5546 expects one on every event, but
# the series file only names the organizer. The reserved ".invalid" domain (RFC 2606)
# gives an address that can never reach anyone; the organizer's name goes in CN.
ORGANIZER_ADDRESS: Final = "mailto:noreply@webinar-bot.invalid"
FILENAME_MAX: Final = 60
_SLUG_RE: Final = re.compile(r"[^a-z0-9]+", re.ASCII)


@dataclass(frozen=True)
class Attendee:
    """The participant an invitation is addressed to."""

    name: str
    email: str


class _Trigger(icalendar.vDuration):
    """A TRIGGER offset that writes zero as -PT0S (icalendar alone writes P0D)."""

    def to_ical(self) -> bytes:
        """Serialise the duration, spelling zero as -PT0S."""
        return b"-PT0S" if self.td == timedelta(0) else super().to_ical()


def _labels(lang: str) -> dict[str, str]:
    """Return the description labels ([calendar] in the labels) for a code such as "es-TT"."""
    return shared_texts().label_map(language_for(lang), "calendar")


def webinar_uid(webinar: Webinar) -> str:
    """Return the stable UID of a webinar, derived only from its id."""
    return f"{webinar.id}@{UID_DOMAIN}"


def _description(series: Series, webinar: Webinar, lang: str) -> str:
    """Return the plain-text event description: link, topics and series title."""
    labels = _labels(lang)
    topics = "\n".join(f"- {topic}" for topic in webinar.topics_for(lang))
    return (
        f"{labels['join']}: {webinar.join_url}\n\n"
        f"{labels['topics']}:\n{topics}\n\n"
        f"{labels['series']}: {series.title_for(lang)}"
    )


def _alarm(webinar: Webinar, lang: str, offset: timedelta) -> icalendar.Alarm:
    """Return a display alarm firing `offset` before the webinar starts."""
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"{_labels(lang)['reminder']}: {webinar.title_for(lang)}")
    alarm.add("trigger", _Trigger(-offset), parameters={"RELATED": "START"})
    return alarm


def _attendee_address(attendee: Attendee) -> icalendar.vCalAddress:
    """The ATTENDEE value naming the participant, who has accepted and needs no reply."""
    address = icalendar.vCalAddress(f"mailto:{attendee.email}")
    address.params["CN"] = icalendar.vText(attendee.name)
    address.params["ROLE"] = icalendar.vText("REQ-PARTICIPANT")
    address.params["PARTSTAT"] = icalendar.vText("ACCEPTED")
    address.params["RSVP"] = icalendar.vText("FALSE")
    return address


def with_attendee(calendar: bytes, attendee: Attendee) -> bytes:
    """The same serialised invitation, with the participant as ATTENDEE of every event.

    Gives what `webinar_event(..., attendee=...)` builds (the ATTENDEE property comes last,
    before the alarms) without serialising the whole calendar again: the shared file is built
    once, and each participant's copy only adds one content line per event.
    """
    lone = icalendar.Event()
    lone.add("attendee", _attendee_address(attendee))
    line = lone.to_ical().split(b"\r\n", 1)[1].rsplit(b"END:VEVENT", 1)[0]
    out: list[bytes] = []
    in_event = False
    for part in calendar.split(b"\r\n"):
        if part == b"BEGIN:VEVENT":
            in_event = True
        elif in_event and part in (b"BEGIN:VALARM", b"END:VEVENT"):
            out.append(line.removesuffix(b"\r\n"))
            in_event = False
        out.append(part)
    return b"\r\n".join(out)


def webinar_event(
    series: Series,
    webinar: Webinar,
    lang: str,
    version: int = 1,
    attendee: Attendee | None = None,
) -> icalendar.Event:
    """Return the VEVENT of one webinar in a language, with one VALARM per reminder."""
    organizer = icalendar.vCalAddress(ORGANIZER_ADDRESS)
    organizer.params["CN"] = icalendar.vText(series.organizer_for(lang))
    event = icalendar.Event()
    event.add("uid", webinar_uid(webinar))
    event.add("sequence", version)
    event.add("dtstamp", datetime.now(UTC).replace(microsecond=0))
    event.add("dtstart", webinar.starts_at.astimezone(UTC))
    event.add("dtend", webinar.ends_at.astimezone(UTC))
    event.add("summary", webinar.title_for(lang))
    event.add("description", _description(series, webinar, lang))
    event.add("url", webinar.join_url)
    event.add("location", webinar.join_url)
    event.add("organizer", organizer)
    event.add("status", "CONFIRMED")
    event.add("transp", "OPAQUE")
    if attendee is not None:
        event.add("attendee", _attendee_address(attendee))
    for offset in webinar.reminders:
        event.add_component(_alarm(webinar, lang, offset))
    return event


def _calendar(
    series: Series, events: Sequence[icalendar.Event], lang: str, method: str = "REQUEST"
) -> bytes:
    """Wrap events in a VCALENDAR named after the series and serialise it."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method)
    # icalendar 7 writes unknown properties verbatim, so mark the names as TEXT to escape them.
    calendar.add("name", icalendar.vText(series.title_for(lang)))
    calendar.add("x-wr-calname", icalendar.vText(series.title_for(lang)))
    for event in events:
        calendar.add_component(event)
    return calendar.to_ical()


def webinar_calendar(
    series: Series,
    webinar: Webinar,
    lang: str,
    version: int = 1,
    attendee: Attendee | None = None,
) -> bytes:
    """Return a serialised invitation (METHOD:REQUEST) holding the one webinar's event."""
    return _calendar(series, [webinar_event(series, webinar, lang, version, attendee)], lang)


def _events(
    series: Series,
    lang: str,
    webinar_ids: Sequence[str] | None,
    versions: Mapping[str, int] | None,
    attendee: Attendee | None = None,
) -> list[icalendar.Event]:
    """An event per webinar (only `webinar_ids` if given); ValueError when none is left."""
    wanted = None if webinar_ids is None else set(webinar_ids)
    webinars = [w for w in series.webinars if wanted is None or w.id in wanted]
    if not webinars:
        raise ValueError("series_calendar: no webinar selected")
    versions = versions or {}
    return [webinar_event(series, w, lang, versions.get(w.id, 1), attendee) for w in webinars]


def series_calendar(
    series: Series,
    lang: str,
    webinar_ids: Sequence[str] | None = None,
    versions: Mapping[str, int] | None = None,
    attendee: Attendee | None = None,
) -> bytes:
    """Return a serialised invitation with an event per webinar (only `webinar_ids` if given).

    Unknown ids are skipped (a webinar may have left the series file); ValueError is
    raised when no webinar is left, as RFC 5545 needs at least one component.
    """
    return _calendar(series, _events(series, lang, webinar_ids, versions, attendee), lang)


def feed_calendar(
    series: Series,
    lang: str,
    webinar_ids: Sequence[str],
    versions: Mapping[str, int] | None = None,
) -> bytes:
    """Return a participant's subscription feed (METHOD:PUBLISH): their webinars as they are now.

    A participant with no webinar gets every webinar of the series, as the chat's files do.
    """
    chosen = webinar_ids or None
    return _calendar(series, _events(series, lang, chosen, versions), lang, method="PUBLISH")


def _utc_stamp(moment: datetime) -> str:
    """A moment as Google Calendar writes it: 20270120T140000Z."""
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _utc_iso(moment: datetime) -> str:
    """A moment as Outlook reads it: 2027-01-20T14:00:00Z."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _short_details(series: Series, webinar: Webinar, lang: str) -> str:
    """The event's details for a link: the join link and the series, kept short for a URL."""
    labels = _labels(lang)
    return f"{labels['join']}: {webinar.join_url}\n{labels['series']}: {series.title_for(lang)}"


def google_calendar_link(series: Series, webinar: Webinar, lang: str) -> str:
    """An "Add to Google Calendar" link that opens the webinar's event, ready to save."""
    query = {
        "action": "TEMPLATE",
        "text": webinar.title_for(lang),
        "dates": f"{_utc_stamp(webinar.starts_at)}/{_utc_stamp(webinar.ends_at)}",
        "details": _short_details(series, webinar, lang),
        "location": webinar.join_url,
    }
    return f"{GOOGLE_CALENDAR_URL}?{urlencode(query)}"


def outlook_link(series: Series, webinar: Webinar, lang: str) -> str:
    """An "Add to Outlook" link that opens the webinar's event in Outlook on the web."""
    query = {
        "path": "/calendar/action/compose",
        "rru": "addevent",
        "subject": webinar.title_for(lang),
        "startdt": _utc_iso(webinar.starts_at),
        "enddt": _utc_iso(webinar.ends_at),
        "body": _short_details(series, webinar, lang),
        "location": webinar.join_url,
    }
    return f"{OUTLOOK_URL}?{urlencode(query)}"


def _slug(text: str) -> str:
    """Return lowercase ASCII letters, digits and single hyphens made from text."""
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    slug = _SLUG_RE.sub("-", ascii_text.lower()).strip("-")
    return slug[:FILENAME_MAX].rstrip("-")


def calendar_filename(series: Series, webinar: Webinar | None = None) -> str:
    """Return a safe ASCII .ics file name for one webinar, or for the series when None."""
    slug = _slug(webinar.id if webinar is not None else series.title)
    return f"{slug or 'webinar-series'}.ics"


class InviteFiles:
    """Calendar files built once per content, and Telegram's file_id of each file once sent.

    Every participant with the same language and webinars shares one file, built once; one
    whose e-mail is known gets that file with themselves added as ATTENDEE (`with_attendee`).
    After a file's first upload (the shared one, or a participant's own) the bot sends
    Telegram's file_id instead of the bytes.
    """

    def __init__(self, max_entries: int = 256, max_file_ids: int = 20_000) -> None:
        self.max_entries = max_entries
        self.max_file_ids = max_file_ids
        self._files: dict[tuple[object, ...], tuple[str, bytes]] = {}
        self._file_ids: dict[tuple[object, ...], str] = {}

    def get(
        self, key: tuple[object, ...], build: Callable[[], tuple[str, bytes]]
    ) -> tuple[str, bytes]:
        """The (file name, content) of the shared file for a key, built on first use."""
        found = self._files.get(key)
        if found is None:
            if len(self._files) >= self.max_entries:
                self._files.clear()
            found = self._files[key] = build()
        return found

    def file_id(self, key: tuple[object, ...]) -> str | None:
        """Telegram's id of the file sent for this key (shared or a participant's), or None."""
        return self._file_ids.get(key)

    def remember(self, key: tuple[object, ...], file_id: str) -> None:
        """Keep Telegram's id of a file uploaded for this key."""
        if len(self._file_ids) >= self.max_file_ids:
            self._file_ids.clear()
        self._file_ids[key] = file_id

"""One webinar of the series file: its [[webinars]] tables read, checked and sorted.

Error messages name the file and the field, e.g. ``series.toml: webinars[2].capacity: ...``;
webinars are numbered from 1 in the order they appear in the file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final

from bot.domain.catalogue import LANGUAGES
from bot.domain.materials import Material, MaterialError, parse_materials
from bot.domain.questions import Question, QuestionError, default_questions, parse_questions
from bot.domain.series_fields import SeriesError, Table, show

if TYPE_CHECKING:
    from collections.abc import Mapping

# Each language other than the first may give its own title and topics: title_es, topics_fr ...
TRANSLATED: Final = tuple(LANGUAGES[1:])
MAX_CAPACITY: Final = 1_000_000
_WEBINAR_ID_RE: Final = re.compile(r"[a-z0-9-]{1,32}", re.ASCII)
_WEBINAR_KEYS: Final = (
    "id",
    "title",
    *(f"title_{lang}" for lang in TRANSLATED),
    "starts_at",
    "duration",
    "join_url",
    "topics",
    *(f"topics_{lang}" for lang in TRANSLATED),
    "reminders",
    "questions",
    "materials",
    "recording_url",
    "capacity",
)


def base_language(lang: str | None) -> str:
    """The bare language of a code: "es-TT" -> "es"."""
    return (lang or "").lower().replace("_", "-").split("-")[0]


@dataclass(frozen=True)
class Webinar:
    """One webinar of the series; times are aware datetimes in UTC."""

    id: str
    title: str
    titles: Mapping[str, str]
    starts_at: datetime
    duration: timedelta
    join_url: str
    topics: tuple[str, ...]
    topic_lists: Mapping[str, tuple[str, ...]]
    reminders: tuple[timedelta, ...]
    questions: tuple[Question, ...] = ()
    materials: tuple[Material, ...] = ()
    recording_url: str | None = None
    capacity: int | None = None  # seats; None: as many as register

    @property
    def title_es(self) -> str | None:
        """The Spanish title, if the series file gives one."""
        return self.titles.get("es")

    @property
    def topics_es(self) -> tuple[str, ...] | None:
        """The Spanish topics, if the series file gives them."""
        return self.topic_lists.get("es")

    @property
    def ends_at(self) -> datetime:
        """Return the end time (start plus duration), in UTC."""
        return self.starts_at + self.duration

    def title_for(self, lang: str | None) -> str:
        """Return the title in a language when the series file gives one, else the title."""
        return self.titles.get(base_language(lang)) or self.title

    def topics_for(self, lang: str | None) -> tuple[str, ...]:
        """Return the topics in a language when the series file gives them, else the topics."""
        return self.topic_lists.get(base_language(lang)) or self.topics


def _parse_webinar(table: Table, default_reminders: tuple[timedelta, ...]) -> Webinar:
    """Build one Webinar from its [[webinars]] table."""
    table.check_keys(_WEBINAR_KEYS)
    webinar_id = table.text("id", max_len=1000)
    if not _WEBINAR_ID_RE.fullmatch(webinar_id):
        raise table.error("id", f"{show(webinar_id)} must be 1-32 characters of a-z, 0-9 and -")
    title = table.text("title")
    titles = table.translations("title", TRANSLATED)
    starts_at = table.start("starts_at")
    duration = table.duration("duration")
    if duration <= timedelta(0):
        raise table.error("duration", 'must be longer than 0, e.g. "2h"')
    join_url = table.url("join_url")
    topics = table.text_list("topics", required=True) or ()
    topic_lists = {}
    for lang in TRANSLATED:
        translated = table.text_list(f"topics_{lang}", required=False)
        if translated is None:
            continue
        if len(translated) != len(topics):
            raise table.error(
                f"topics_{lang}",
                f"has {len(translated)} items but topics has {len(topics)}; list each once",
            )
        topic_lists[lang] = translated
    reminders = table.durations("reminders", required=False)
    raw_questions = table.raw("questions", required=False)
    try:
        questions = (
            default_questions(len(topics))
            if raw_questions is None
            else parse_questions(raw_questions, f"{table.where}.questions")
        )
    except QuestionError as exc:
        raise SeriesError(f"{table.source}: {exc}") from None
    try:
        materials = parse_materials(
            table.raw("materials", required=False), f"{table.where}.materials"
        )
    except MaterialError as exc:
        raise SeriesError(f"{table.source}: {exc}") from None
    recording = table.raw("recording_url", required=False)
    return Webinar(
        capacity=table.optional_count("capacity", "seats", 1, MAX_CAPACITY),
        materials=materials,
        recording_url=None if recording is None else table.url("recording_url"),
        id=webinar_id,
        title=title,
        titles=titles,
        starts_at=starts_at,
        duration=duration,
        join_url=join_url,
        topics=topics,
        topic_lists=topic_lists,
        reminders=default_reminders if reminders is None else reminders,
        questions=questions,
    )


def parse_webinars(
    data: dict[str, Any], source: str, default_reminders: tuple[timedelta, ...]
) -> tuple[Webinar, ...]:
    """Build all webinars, checking ids are unique, and sort them by start time."""
    top = Table(data, "", source)
    items = top.raw("webinars", required=False)
    if items is None or items == []:
        raise top.error("webinars", "add at least one [[webinars]] table")
    if not isinstance(items, list) or not all(isinstance(item, dict) for item in items):
        raise top.error("webinars", "must be written as [[webinars]] tables")
    webinars: list[Webinar] = []
    first_seen: dict[str, int] = {}
    for number, item in enumerate(items, 1):
        table = Table(item, f"webinars[{number}]", source)
        webinar = _parse_webinar(table, default_reminders)
        if webinar.id in first_seen:
            raise table.error(
                "id", f"{show(webinar.id)} is already used by webinars[{first_seen[webinar.id]}]"
            )
        first_seen[webinar.id] = number
        webinars.append(webinar)
    return tuple(sorted(webinars, key=lambda w: (w.starts_at, w.id)))

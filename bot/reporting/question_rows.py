"""The questions export: a webinar's questions for the speakers, grouped by topic.

Withdrawn questions are left out. The author's name is blank for anonymous questions and for
participants who erased their data (the question itself stays, without identity).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    import sqlite3

QUESTION_COLUMNS: Final = (
    ("webinar_id", "webinar id"),
    ("question_id", "question id"),
    ("topic", "topic"),
    ("question", "question"),
    ("author", "author"),
    ("anonymous", "anonymous"),
    ("asked_at", "asked at (UTC)"),
)
NO_TOPIC: Final = "(no topic)"
COUNT_SQL: Final = (
    "SELECT COUNT(*) FROM speaker_questions WHERE withdrawn_at IS NULL AND webinar_id IN "
)


def question_rows(
    conn: sqlite3.Connection,
    topics: tuple[str, ...],
    webinar: str,
    clean: Callable[[str | None], str | None],
) -> Iterator[tuple[Any, ...]]:
    """A webinar's questions, by topic in the webinar's order (no topic last), then as asked."""
    cursor = conn.execute(
        "SELECT q.id, q.topic, q.text, q.anonymous, q.asked_at, p.full_name, p.erased_at"
        " FROM speaker_questions q JOIN participants p ON p.id = q.participant_id"
        " WHERE q.webinar_id = ? AND q.withdrawn_at IS NULL"
        " ORDER BY q.topic IS NULL, q.topic, q.id",
        (webinar,),
    )
    for qid, topic, text, anonymous, asked_at, name, erased_at in cursor:
        named = not anonymous and erased_at is None
        topic_name = topics[topic] if topic is not None and 0 <= topic < len(topics) else NO_TOPIC
        yield (
            clean(webinar),
            qid,
            clean(topic_name),
            clean(text),
            clean(name) if named else None,
            "yes" if anonymous else "no",
            asked_at,
        )

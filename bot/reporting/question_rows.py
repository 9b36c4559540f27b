"""The questions export: a webinar's questions for the speakers, grouped by topic.

Withdrawn questions are left out. The author's name is blank for anonymous questions and for
participants who erased their data (the question itself stays, without identity).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

if TYPE_CHECKING:
    from collections.abc import Callable, Iterator

    from storage.report_queries import ReportQueries

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


def question_rows(
    queries: ReportQueries,
    topics: tuple[str, ...],
    webinar: str,
    clean: Callable[[str | None], str | None],
) -> Iterator[tuple[Any, ...]]:
    """A webinar's questions, by topic in the webinar's order (no topic last), then as asked."""
    for qid, topic, text, anonymous, asked_at, name, erased_at in queries.questions(webinar):
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

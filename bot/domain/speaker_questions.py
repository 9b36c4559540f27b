"""Questions for the speakers: when they may be asked, and how organizers see them grouped."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Final

if TYPE_CHECKING:
    from collections.abc import Iterable, Sequence
    from datetime import datetime

    from bot.domain.series import Webinar
    from storage.speaker_questions import AskedQuestion

ASKING_OPENS: Final = timedelta(days=1)  # with the "1 day before" reminder
QUESTION_MAX: Final = 1000


def asking_open(webinar: Webinar, now: datetime) -> bool:
    """Whether questions may be sent (or withdrawn): from a day before the start until it."""
    return webinar.starts_at - ASKING_OPENS <= now < webinar.starts_at


def by_topic(
    questions: Iterable[AskedQuestion], topics: Sequence[str], none_label: str
) -> list[tuple[str, list[AskedQuestion]]]:
    """Questions grouped under their topic's name (in the webinar's order, "none" last)."""
    groups: dict[int | None, list[AskedQuestion]] = {}
    for question in questions:
        topic = (
            question.topic
            if question.topic is not None and 0 <= question.topic < len(topics)
            else None
        )
        groups.setdefault(topic, []).append(question)
    ordered = sorted(groups, key=lambda t: (t is None, t or 0))
    return [(none_label if t is None else topics[t], groups[t]) for t in ordered]

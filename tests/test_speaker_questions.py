"""Questions for the speakers: the window and the grouping by topic."""

from __future__ import annotations

from datetime import timedelta

from bot.domain.speaker_questions import asking_open, by_topic
from storage.speaker_questions import AskedQuestion
from tests.support.settings import example_series


def test_questions_open_a_day_before_and_close_at_the_start() -> None:
    webinar = example_series().webinars[0]
    start = webinar.starts_at
    assert not asking_open(webinar, start - timedelta(days=1, seconds=1))
    assert asking_open(webinar, start - timedelta(days=1))
    assert asking_open(webinar, start - timedelta(seconds=1))
    assert not asking_open(webinar, start)


def asked(number: int, topic: int | None) -> AskedQuestion:
    """A question numbered `number` about a topic."""
    return AskedQuestion(number, "w", topic, f"Q{number}", None, "2027-01-19T14:00:00Z")


def test_grouped_by_topic_in_the_webinars_order_with_no_topic_last() -> None:
    topics = ("First", "Second", "Third")
    groups = by_topic(
        [asked(1, None), asked(2, 2), asked(3, 0), asked(4, 2), asked(5, 9)], topics, "Other"
    )
    assert [(name, [q.id for q in items]) for name, items in groups] == [
        ("First", [3]),
        ("Third", [2, 4]),
        ("Other", [1, 5]),  # an unknown topic counts as none
    ]

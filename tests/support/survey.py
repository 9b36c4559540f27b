"""Steps of the feedback survey as a participant takes it through the sandbox."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING, Any

from tests.support.delivery import at, settle

if TYPE_CHECKING:
    from bot.domain.series import Webinar
    from tests.support.bots import RunningBot
    from tests.support.users import SimUser


def first_webinar(bot: RunningBot) -> Webinar:
    """The series' first webinar (8 topics: 12 survey questions)."""
    return bot.services.series.webinars[0]


async def invited(bot: RunningBot, user: SimUser) -> dict[str, Any]:
    """Bring the survey invitation for the first webinar and return it, its sending recorded.

    The sender queues invitations on its own rhythm, so the clock's move can settle before they
    exist: settling again once the invitation arrived makes sure the outbox recorded it as sent
    at this time, before a test moves the clock on.
    """
    await user.drain()
    await at(bot, first_webinar(bot).ends_at + timedelta(minutes=15))
    invitation = await user.expect("Your feedback on Building a Crime Gun")
    await settle(bot)
    return invitation


async def answer_all(user: SimUser, question: dict[str, Any]) -> dict[str, Any]:
    """Answer every question from `question` on: ratings 4, first choice, a text, skip last."""
    while True:
        text = question["text"] or ""
        if "Thank you!" in text:
            return question
        if "(1 = not at all" in text:
            await user.press(question, "4")
        elif "most useful" in text:
            await user.press(question, "Ballistic imaging")
        elif "next webinar cover" in text:
            await user.say("x" * 1001)
            await user.expect("between 1 and 1000")
            await user.say("Firearms tracing <and> marking & more")
        else:
            await user.press(question, "Skip")
        question = await user.shown()

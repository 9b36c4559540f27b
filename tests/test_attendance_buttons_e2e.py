"""End to end: old Yes/No buttons never overturn a newer answer or the platform's report."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from bot.domain.attendance import PLATFORM, replaceable_by
from storage.attendance import Change
from tests.support.delivery import at, settle
from tests.support.survey import answer_all, first_webinar, invited
from tests.support.users import SimUser, register

if TYPE_CHECKING:
    from sandbox import SandboxClient
    from tests.support.bots import RunningBot


async def truth(bot: RunningBot, telegram_id: int) -> tuple[bool | None, str | None, str]:
    """The attendance on record and the response's status for the first webinar."""
    participant = await bot.services.participants.get(telegram_id)
    assert participant is not None
    record = await bot.services.attendance.get(participant.id, first_webinar(bot).id)
    response = await bot.services.survey.ensure_response(
        first_webinar(bot).id, participant.id, bot.clock.now()
    )
    if record is None:
        return None, None, response.status
    return record.attended, record.source, response.status


async def nudged(bot: RunningBot, user: SimUser) -> dict:
    """Move a day on until the survey's nudge arrives, and return it."""
    bot.clock.set(first_webinar(bot).ends_at + timedelta(minutes=15, hours=25))
    bot.services.sender.wake()
    return await user.expect("A reminder: your feedback", timeout=20)


async def record_platform(bot: RunningBot, telegram_id: int, attended: bool) -> None:
    """Record what a platform's report says of a participant."""
    participant = await bot.services.participants.get(telegram_id)
    assert participant is not None
    await bot.services.attendance.record(
        first_webinar(bot).id,
        [Change(participant.id, attended, 90 if attended else 5)],
        PLATFORM,
        "import test.csv",
        bot.clock.now(),
        replaceable_by(PLATFORM),
    )


async def test_yes_on_the_old_invitation_after_no_on_the_nudge_is_refused(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 1201).join()
    await register(user)
    invitation = await invited(bot, user)
    nudge = await nudged(bot, user)
    await user.press(nudge, "No")
    await user.expect("Thank you for letting us know")
    assert await truth(bot, 1201) == (False, "survey", "absent")
    await user.drain()
    await user.press(invitation, "Yes, I attended")
    assert "did not attend" in (await user.toast() or "")
    assert await truth(bot, 1201) == (False, "survey", "absent")
    await user.say("/feedback")  # the deliberate way to change one's own answer
    listing = await user.expect("survey")
    await user.press(listing, "1.")
    await user.expect("question 1 of 12")
    assert await truth(bot, 1201) == (True, "survey", "open")


async def test_no_on_the_old_invitation_after_completing_from_the_nudge_is_refused(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 1202).join()
    await register(user)
    invitation = await invited(bot, user)
    nudge = await nudged(bot, user)
    await user.press(nudge, "Yes")
    await answer_all(user, await user.expect("question 1 of 12"))
    await user.drain()
    await user.press(invitation, "No")
    assert "your answers are kept" in (await user.toast() or "")
    assert await truth(bot, 1202) == (True, "survey", "completed")


async def test_no_does_not_overturn_the_platform_report(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 1203).join()
    await register(user)
    await at(bot, first_webinar(bot).ends_at)
    await record_platform(bot, 1203, attended=False)
    await record_platform(bot, 1203, attended=True)  # a later, corrected report
    invitation = await invited(bot, user)
    assert "Start the survey" in str(invitation["reply_markup"])  # attended: no Yes/No asked
    await user.press(invitation, "Start")
    await user.expect("question 1 of 12")
    assert await truth(bot, 1203) == (True, "import", "open")
    participant = await bot.services.participants.get(1203)
    assert participant is not None
    history = await bot.services.attendance.history(participant.id, first_webinar(bot).id)
    assert history == [(False, "import", "import test.csv"), (True, "import", "import test.csv")]


async def test_the_survey_is_not_offered_to_those_the_platform_shows_absent(
    bot: RunningBot, client: SandboxClient
) -> None:
    absent = await SimUser(client, 1204).join()
    present = await SimUser(client, 1205).join()
    await register(absent)
    await register(present, name="Present Person")
    await at(bot, first_webinar(bot).ends_at)
    await record_platform(bot, 1204, attended=False)
    await invited(bot, present)
    await settle(bot)
    participant = await bot.services.participants.get(1204)
    assert participant is not None
    [row] = [r for r in await bot.services.outbox.rows_for(participant.id) if r["kind"] == "survey"]
    assert (row["status"], row["last_error"]) == ("cancelled", "absent by the platform's report")

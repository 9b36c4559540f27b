"""End to end: attendance and the feedback survey, through the real bot and the sandbox."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from pathlib import Path

from bot.app import build_application, start_polling, stop_polling
from sandbox import SandboxClient, SandboxServer
from tests.support.bots import RunningBot
from tests.support.delivery import at, settle
from tests.support.settings import TOKEN, example_series, settings_for
from tests.support.survey import answer_all, first_webinar, invited
from tests.support.users import SimUser, button_data, register


async def answers_of(bot: RunningBot, telegram_id: int) -> dict:
    """The stored answers of a participant for the first webinar."""
    rows = await bot.services.db.fetchall(
        "SELECT a.question_key, a.value FROM answers a JOIN responses r ON r.id = a.response_id"
        " JOIN participants p ON p.id = r.participant_id WHERE p.telegram_id = ?",
        (telegram_id,),
    )
    return {r["question_key"]: r["value"] for r in rows}


async def test_complete_survey_after_saying_i_attended(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 1101).join()
    await register(user)
    invitation = await invited(bot, user)
    assert "Did you attend this webinar?" in invitation["text"]
    await user.press(invitation, "Yes, I attended")
    question = await user.expect("question 1 of 12")
    assert "Overall, how would you rate" in question["text"]
    assert "Skip" not in str(question["reply_markup"])  # required
    done = await answer_all(user, question)
    assert "You can change your answers with /feedback" in done["text"]
    answers = await answers_of(bot, 1101)
    assert answers["overall"] == "4" and answers["topic_8"] == "4"
    assert answers["most_useful"] == "2"  # Ballistic imaging, the third topic
    assert answers["next_topics"] == "Firearms tracing <and> marking & more"
    assert answers["support"] is None
    assert len(answers) == 12
    row = await bot.services.db.fetchone(
        "SELECT r.status, a.attended, a.source FROM responses r JOIN attendance a"
        " ON a.participant_id = r.participant_id"
    )
    assert (row["status"], row["attended"], row["source"]) == ("completed", 1, "survey")


async def test_absent_participant_is_thanked_and_recorded(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 1102, language_code="es").join()
    await register(
        user,
        language="Español",
        name="Luis Paz",
        country="Guyana",
        institution="Policía",
        position="Jefe",
        sex="Hombre",
        email="l@p.gy",
    )
    await user.drain()
    await at(bot, first_webinar(bot).ends_at + timedelta(minutes=15))
    invitation = await user.expect("¿Asistió a este webinario?")
    await user.press(invitation, "No")
    await user.expect("Gracias por avisarnos")
    row = await bot.services.db.fetchone("SELECT attended FROM attendance")
    assert row["attended"] == 0


async def test_attending_button_only_in_the_live_window(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 1103).join()
    await register(user)
    await user.drain()
    await at(bot, first_webinar(bot).starts_at)
    starting = await user.expect("Starting now")
    await user.drain()
    for outside in (timedelta(minutes=-5), first_webinar(bot).duration + timedelta(minutes=16)):
        bot.clock.set(first_webinar(bot).starts_at + outside)
        await user.press(starting, "I'm attending")
        assert "only while the webinar is on" in (await user.toast() or "")
    bot.clock.set(first_webinar(bot).starts_at + timedelta(minutes=10))
    await user.press(starting, "I'm attending")
    assert await user.toast() == "Thank you, your attendance is recorded."
    recorded = await user.expect("Starting now")
    assert recorded["message_id"] == starting["message_id"]
    assert recorded["text"].endswith("✅ Thank you, your attendance is recorded.")
    labels = [b["text"] for row in recorded["reply_markup"]["inline_keyboard"] for b in row]
    assert "🔗 Join" in labels and not any("attending" in label for label in labels)
    invitation = await invited(bot, user)
    assert "Thank you for attending" in invitation["text"]
    await user.press(invitation, "Start the survey")
    await user.expect("question 1 of 12")


async def test_change_an_answer_until_the_survey_closes(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 1104).join()
    await register(user)
    invitation = await invited(bot, user)
    await user.press(invitation, "Yes")
    await answer_all(user, await user.expect("question 1 of 12"))
    await user.say("/feedback")
    listing = await user.expect("Your surveys")
    assert "answered" in listing["text"]
    await user.press(listing, "Change my answers")
    question = await user.expect("question 1 of 12")
    assert "Your answer: 4" in question["text"] and "4 ✓" in str(question["reply_markup"])
    await user.press(question, "2")
    question = await user.expect("question 2 of 12")
    await user.press(question, "Keep my answer")
    await user.expect("question 3 of 12")
    answers = await answers_of(bot, 1104)
    assert answers["overall"] == "2" and answers["topic_1"] == "4"
    assert (await bot.services.db.fetchone("SELECT COUNT(*) AS n FROM responses"))["n"] == 1
    bot.clock.set(first_webinar(bot).ends_at + timedelta(days=7, minutes=1))
    await user.drain()
    await client.press_forged(
        1104, question["message_id"], button_data(question, "5").replace(":1:a:", ":2:a:")
    )
    assert await user.toast() == "This survey is closed."
    assert (await answers_of(bot, 1104))["topic_2"] == "4"


async def test_resume_half_way_after_a_restart(
    sandbox: SandboxServer, client: SandboxClient, bot: RunningBot, tmp_path: Path
) -> None:
    user = await SimUser(client, 1105).join()
    await register(user)
    invitation = await invited(bot, user)
    await user.press(invitation, "Yes")
    await user.press(await user.expect("question 1 of 12"), "5")
    await user.press(await user.expect("question 2 of 12"), "3")
    await user.expect("question 3 of 12")
    await stop_polling(bot.application)
    again = build_application(
        settings_for(tmp_path, sandbox.api_base_url), example_series(), TOKEN, clock=bot.clock
    )
    await start_polling(again, poll_timeout=1)
    try:
        await user.say("/feedback")
        listing = await user.expect("not finished")
        await user.press(listing, "Continue")
        question = await user.expect("question 3 of 12")
        await user.press(question, "1")
        await user.expect("question 4 of 12")
        answers = await again.bot_data["services"].survey.answers(
            (await again.bot_data["services"].db.fetchone("SELECT id FROM responses"))["id"]
        )
        assert answers == {"overall": "5", "topic_1": "3", "topic_2": "1"}
    finally:
        await stop_polling(again)


async def test_double_taps_and_stale_or_foreign_buttons(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 1106).join()
    other = await SimUser(client, 1107).join()
    await register(user)
    await register(other, name="Other Person")
    invitation = await invited(bot, user)
    other_invitation = await other.expect("Your feedback")
    await user.press(invitation, "Yes")
    question = await user.expect("question 1 of 12")
    data = button_data(question, "3")
    await user.drain()
    await asyncio.gather(
        client.press(1106, question["message_id"], data),
        client.press_forged(1106, question["message_id"], data),
    )
    await user.expect("question 2 of 12")
    toasts = {await user.toast(), await user.toast()}
    assert "This button is no longer active." in toasts
    # the first question's button again, after moving on: nothing changes
    await client.press_forged(1106, question["message_id"], data.replace(":a:3", ":a:1"))
    assert await user.toast() == "This button is no longer active."
    # the other participant's survey buttons pressed by this participant
    foreign = button_data(other_invitation, "Yes")
    await client.press_forged(1106, question["message_id"], foreign)
    assert await user.toast() == "That button is not valid."
    # garbage
    for forged in ("sv:x:1:a:5", "sv:1:999999:a:5", "sv:1", "sv:" + "9" * 40 + ":0:go"):
        await client.press_forged(1106, question["message_id"], forged)
        assert await user.toast() == "That button is not valid."
    answers = await answers_of(bot, 1106)
    assert answers == {"overall": "3"}
    assert await answers_of(bot, 1107) == {}


async def test_one_nudge_to_those_who_have_not_finished(
    bot: RunningBot, client: SandboxClient
) -> None:
    done = await SimUser(client, 1108).join()
    idle = await SimUser(client, 1109).join()
    await register(done)
    await register(idle, name="Idle Person")
    invitation = await invited(bot, done)
    await idle.expect("Your feedback")
    await done.press(invitation, "Yes")
    await answer_all(done, await done.expect("question 1 of 12"))
    for hours in (25, 26, 49):
        bot.clock.set(first_webinar(bot).ends_at + timedelta(minutes=15, hours=hours))
        await settle(bot)
    assert await bot.services.outbox.counts(kind="nudge") == {"sent": 1}
    await idle.expect("A reminder: your feedback")
    await idle.expect_nothing_more()
    await done.expect_nothing_more()
    idle_texts = [m["text"] or "" for m in await client.transcript(1109) if m["from_bot"]]
    done_texts = [m["text"] or "" for m in await client.transcript(1108) if m["from_bot"]]
    assert sum("A reminder: your feedback" in t for t in idle_texts) == 1
    assert not any("A reminder: your feedback" in t for t in done_texts)

"""End to end: answers typed where buttons are offered, and free questions outside any flow."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tests.support.users import SimUser

if TYPE_CHECKING:
    from sandbox import SandboxClient
    from tests.support.bots import RunningBot


def labels(message: dict) -> list[str]:
    """The texts of a message's buttons."""
    markup = message.get("reply_markup") or {}
    return [b["text"] for row in markup.get("inline_keyboard", []) for b in row]


async def answer(user: SimUser, typed: str, question: dict, expected: str) -> dict:
    """Type an answer to a question with buttons: its buttons go, the next question notes it."""
    await user.say(typed)
    lifted = await user.shown()
    assert lifted["kind"] == "edit" and lifted["message_id"] == question["message_id"]
    assert not labels(lifted)
    return await user.expect(f"✓ {expected}")


async def test_typed_answers_are_matched_to_the_buttons(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 1511).join()
    await user.say("/start")
    question = await user.expect("Please choose your language")
    await answer(user, "english", question, "English")
    await user.say("Ana Smith")
    question = await user.expect("state")
    question = await answer(user, "Trinidad", question, "Trinidad and Tobago")
    assert "institution" in question["text"]
    await answer(user, "Policía", question, "Police")
    await user.say("Inspector")
    question = await user.expect("sex")
    await answer(user, "mujer", question, "Woman")
    await user.say("ana@police.gov.tt")
    question = await user.expect("webinars")
    shown = await answer(user, "all of them", question, bot.services.series.webinars[0].title)
    assert "Privacy notice" in shown["text"]
    participant = await bot.services.conversations.get(1511)
    assert participant is not None
    assert participant.data["country"] == "TT"
    assert participant.data["sex"] == "woman"
    assert participant.data["webinars"] == bot.services.webinar_ids


async def test_unsure_answers_get_proposals_and_one_live_keyboard(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 1512).join()
    await user.say("/start")
    question = await user.expect("Please choose your language")
    await answer(user, "English", question, "English")
    await user.say("Ana Smith")
    question = await user.expect("state")
    await user.say("Saint")
    lifted = await user.shown()
    assert lifted["message_id"] == question["message_id"] and not labels(lifted)
    proposal = await user.expect("Did you mean")
    assert sorted(labels(proposal)) == ["Saint Lucia", "Saint Vincent and the Grenadines"]
    await user.say("xyzzy")
    lifted = await user.shown()
    assert lifted["message_id"] == proposal["message_id"] and not labels(lifted)
    await user.expect("Please answer with the buttons")
    again = await user.expect("state")
    assert "Guyana" in labels(again)
    await user.say("/start")
    lifted = await user.shown()
    assert lifted["message_id"] == again["message_id"] and not labels(lifted)
    await user.expect("continue your registration")
    again = await user.expect("state")
    await user.press(again, "Guyana")
    await user.expect("✓ Guyana")
    conv = await bot.services.conversations.get(1512)
    assert conv is not None and conv.data["country"] == "GY"


async def test_free_questions_get_a_pointer(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 1513, language_code="es").join()
    await user.say("¿Cuándo es el webinario?")
    await user.expect("/schedule")
    await user.say("hola")
    await user.expect("/help")

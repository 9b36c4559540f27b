"""End to end: answers typed where buttons are offered, and free questions outside any flow."""

from __future__ import annotations

from typing import TYPE_CHECKING

import pytest

from tests.support.users import SimUser

if TYPE_CHECKING:
    from datetime import datetime

    from sandbox import SandboxClient
    from storage.conversations import Conversation
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


async def test_a_pressed_answer_is_saved_once_with_the_question_shown_in_its_place(
    bot: RunningBot, client: SandboxClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    user = await SimUser(client, 1514).join()
    await user.say("/start")
    question = await user.expect("Please choose your language")
    await answer(user, "English", question, "English")
    await user.say("Ana Smith")
    question = await user.expect("state")
    store = bot.services.conversations
    saved: list[str] = []
    save = store.save

    async def counted(conv: Conversation, now: datetime) -> None:
        saved.append(conv.step)
        await save(conv, now)

    monkeypatch.setattr(store, "save", counted)
    await user.press(question, "Guyana")
    shown = await user.expect("✓ Guyana")
    assert shown["message_id"] == question["message_id"] and "institution" in shown["text"]
    # one write holds the answer and the message that now carries the question's buttons
    assert saved == ["inst"]
    conv = await store.get(1514)
    assert conv is not None and conv.data["prompt_message_id"] == question["message_id"]
    await user.press(shown, "Police")
    shown = await user.expect("✓ Police")
    assert shown["message_id"] == question["message_id"] and "position" in shown["text"]
    # the next question has no buttons: the same one write forgets the message
    assert saved == ["inst", "position"]
    conv = await store.get(1514)
    assert conv is not None and "prompt_message_id" not in conv.data
    await user.say("Inspector")
    question = await user.expect("sex")  # nothing to lift: the next thing shown is the question
    await user.say("mujer")
    lifted = await user.shown()
    assert lifted["message_id"] == question["message_id"] and not labels(lifted)
    await user.expect("✓ Woman")

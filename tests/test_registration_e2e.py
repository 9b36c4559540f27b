"""End to end: participants register with the real bot over HTTP against the sandbox."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import icalendar

from bot.app import build_application, start_polling, stop_polling
from bot.clock import ManualClock
from sandbox import SandboxClient, SandboxServer
from tests.support.bots import RunningBot
from tests.support.settings import START, TOKEN, example_series, settings_for
from tests.support.users import SimUser, register


async def test_english_registration(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 501).join()
    await register(user)
    participant = await bot.services.participants.get(501)
    assert participant is not None
    assert participant.full_name == "Ana Smith"
    assert participant.country == "GY" and participant.timezone == "America/Guyana"
    assert participant.sex == "woman" and participant.institution == "police"
    assert participant.email == "ana@police.gov.gy"
    assert len(participant.webinar_ids) == 3
    assert participant.consent_version


async def test_spanish_registration_and_commands_menu(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 502, language_code="es").join()
    final = await register(
        user,
        language="Español",
        name="José Pérez",
        country="Belice",
        institution="Aduanas",
        position="Oficial",
        sex="Hombre",
        email="jose@customs.gov.bz",
    )
    assert "José Pérez" in final["text"]
    participant = await bot.services.participants.get(502)
    assert participant is not None
    assert (participant.language, participant.country) == ("es", "BZ")
    assert participant.timezone == "America/Belize"
    await user.say("/profile")
    profile = await user.expect("Su inscripción")
    assert "Belice" in profile["text"] and "UTC−6" in profile["text"]
    assert "miércoles, 20 de enero de 2027, 8:00" in profile["text"]
    private = {"type": "all_private_chats"}
    english = await client.bot_commands(scope=private)
    spanish = await client.bot_commands(language_code="es", scope=private)
    assert [c["command"] for c in english] == [c["command"] for c in spanish]
    assert "profile" in [c["command"] for c in english]
    assert spanish[0]["description"] == "Inscribirse en los webinarios"


async def test_french_registration_speaks_french_throughout(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await SimUser(client, 503, language_code="fr-HT").join()
    await user.say("/start")
    message = await user.expect("Veuillez choisir votre langue")
    assert "Bienvenue : Série de webinaires" in message["text"]
    await user.press(message, "Français")
    await user.expect("Quel est votre nom complet ?")
    await user.say("Marie Joseph")
    message = await user.expect("Quel État représentez-vous ?")
    await user.press(message, "Sainte-Lucie")
    message = await user.expect("type d’institution")
    await user.press(message, "Douanes")
    await user.expect("fonction")
    await user.say("Inspectrice")
    message = await user.expect("Quel est votre sexe ?")
    await user.press(message, "Femme")
    await user.expect("adresse électronique")
    await user.say("marie@customs.gov.lc")
    message = await user.expect("Appuyez sur un webinaire")
    assert "armes à feu utilisées dans la commission de crimes" in message["text"]
    await user.press(message, "Terminé")
    consent = await user.expect("Vos données")
    assert any(e["type"] == "expandable_blockquote" for e in consent.get("entities") or [])
    assert "Centre régional des Nations Unies" in consent["text"]
    await user.press(consent, "J’accepte")
    message = await user.expect("Veuillez vérifier votre inscription")
    assert "Pays : Sainte-Lucie" in message["text"]
    await user.press(message, "Confirmer")
    final = await user.expect("Vous êtes inscrite, Marie Joseph.")
    assert "fuseau : Sainte-Lucie (UTC−4)." in final["text"]
    invite = await user.next_message()
    assert (invite["document"] or {}).get("file_name", "").endswith(".ics"), invite
    assert "Ouvrez ce fichier" in (invite.get("caption") or "")
    participant = await bot.services.participants.get(503)
    assert participant is not None and participant.language == "fr"
    await user.say("/settings")
    settings = await user.expect("Vos paramètres")
    assert "Langue : Français" in settings["text"] and "Rappels : activés" in settings["text"]
    private = {"type": "all_private_chats"}
    french = await client.bot_commands(language_code="fr", scope=private)
    assert french[0]["description"] == "S’inscrire aux webinaires"


async def test_deep_link_code_is_required_when_set(
    sandbox: SandboxServer, tmp_path: Path, client: SandboxClient
) -> None:
    application = build_application(
        settings_for(tmp_path, sandbox.api_base_url),
        example_series("CARIB2027"),
        TOKEN,
        clock=ManualClock(START),
    )
    await start_polling(application, poll_timeout=1)
    try:
        invited = await SimUser(client, 601).join()
        await register(invited, start="/start CARIB2027")
        uninvited = await SimUser(client, 602).join()
        await uninvited.say("/start")
        message = await uninvited.expect("choose your language")
        await uninvited.press(message, "English")
        await uninvited.expect("registration code")
        await uninvited.say("wrong-code")
        await uninvited.expect("not right")
        await uninvited.say("CARIB2027")
        await uninvited.expect("full name")
    finally:
        await stop_polling(application)


async def test_deep_link_webinar_preselects_it(bot: RunningBot, client: SandboxClient) -> None:
    user = await SimUser(client, 503).join()
    second = bot.services.series.webinars[1].id
    webinars = await register(
        user,
        start=f"/start {second}",
        name="Kim Lee",
        country="Saint Lucia",
        institution="Forensic",
        position="Analyst",
        sex="Prefer not",
        email=None,
        stop_at="webinars",
    )
    assert webinars["text"].count("✅") == 1 and webinars["text"].count("⬜") == 2
    await user.press(webinars, "Done")
    await user.press(await user.expect("Privacy notice"), "I agree")
    await user.press(await user.expect("Please check"), "Confirm")
    await user.expect("You are registered")
    participant = await bot.services.participants.get(503)
    assert participant is not None
    assert participant.webinar_ids == (second,)
    assert participant.email is None and participant.sex == "undisclosed"
    assert participant.timezone == "America/St_Lucia"


async def _last_document(client: SandboxClient, user_id: int) -> dict[str, Any]:
    """The last file the bot sent to this chat."""
    documents = [m["document"] for m in await client.transcript(user_id) if m.get("document")]
    assert documents, f"no file was sent to {user_id}"
    return dict(documents[-1])


async def test_calendar_file_is_shared_without_email_and_personal_with_one(
    bot: RunningBot, client: SandboxClient
) -> None:
    people = {
        521: ("Ana Smith", None),
        522: ("Bea Jones", None),
        523: ("Carla Diaz", "carla@police.gov.gy"),
        524: ("Dan Lee", "dan@customs.gov.bz"),
    }
    users = {user_id: await SimUser(client, user_id).join() for user_id in people}
    for user_id, (name, email) in people.items():
        await register(users[user_id], name=name, email=email)
    files = {user_id: await _last_document(client, user_id) for user_id in people}
    # without an e-mail the file is the same for everyone: uploaded once, then its file_id
    assert files[522]["file_id"] == files[521]["file_id"]
    shared = await client.file_content(files[521]["file_id"])
    assert b"ATTENDEE" not in shared and shared.count(b"BEGIN:VEVENT") == 3
    # with one, each participant gets their own invitation, naming them on every event
    assert len({files[521]["file_id"], files[523]["file_id"], files[524]["file_id"]}) == 3
    for user_id in (523, 524):
        name, email = people[user_id]
        events = icalendar.Calendar.from_ical(
            await client.file_content(files[user_id]["file_id"])
        ).walk("VEVENT")
        assert len(events) == 3
        assert {str(e["ATTENDEE"]) for e in events} == {f"mailto:{email}"}
        assert {str(e["ATTENDEE"].params["CN"]) for e in events} == {name}
    # asking again for the same file sends what Telegram already has
    carla = users[523]
    await carla.say("/schedule")
    schedule = await carla.expect("Caribbean Firearms Roadmap")
    await carla.press(schedule, "Calendar file for all my webinars")
    again = await carla.next_message()
    assert again["document"]["file_id"] == files[523]["file_id"]

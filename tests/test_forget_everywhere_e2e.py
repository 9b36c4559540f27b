"""/forget erases a person everywhere: every column of every table, and the file's bytes."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
from datetime import timedelta
from pathlib import Path

from bot.runtime.retention import run_retention
from sandbox import SandboxClient
from storage.attendance import Change
from storage.broadcasts import BroadcastStore
from storage.code_attempts import CodeAttemptStore
from storage.overrides import OverrideStore
from storage.timestamps import to_iso
from tests.support.bots import RunningBot
from tests.support.users import SimUser, register

TELEGRAM_ID = 987_654_321
NAME = "Philippa Quenby-Arbuthnot"
POSITION = "Deputy Commissioner Xylographer"
EMAIL = "p.quenby@customs.gov.lc"
FREE_TEXT = "Please cover smuggling routes near Vieux Fort harbour"
RATING = "4"


async def build_a_person_in_every_table(bot: RunningBot, client: SandboxClient) -> SimUser:
    """Register, answer a survey with free text, be an organizer, act, get deliveries."""
    services, now = bot.services, bot.clock.now()
    user = await SimUser(client, TELEGRAM_ID, first_name="Philippa").join()
    await register(user, name=NAME, position=POSITION, email=EMAIL)
    participant = await services.participants.get(TELEGRAM_ID)
    assert participant is not None
    webinar = services.series.webinars[0]
    await services.attendance.record(
        webinar.id, [Change(participant.id, True, 95)], "button", "participant", now, ("button",)
    )
    response = await services.survey.ensure_response(webinar.id, participant.id, now)
    await services.survey.save_answer(response.id, "overall", RATING, now)
    await services.survey.save_answer(response.id, "next_topics", FREE_TEXT, now)
    await services.organizers.add(TELEGRAM_ID, NAME, 1000, now)
    await services.organizers.record(TELEGRAM_ID, "stats", {"charts": 2}, now)
    await services.organizers.record(1000, "organizer.added", {"organizer_id": TELEGRAM_ID}, now)
    await BroadcastStore(services.db).create(TELEGRAM_ID, TELEGRAM_ID, "en", now)
    await OverrideStore(services.db).set(
        webinar.id, join_url="https://example.org/j/1", changed_by=TELEGRAM_ID, now=now
    )
    await CodeAttemptStore(services.db).record(TELEGRAM_ID, to_iso(now), to_iso(now))
    await services.db.execute(
        "INSERT INTO outbox(kind, webinar_id, participant_id, purpose, due_at, status,"
        " last_error, created_at) VALUES ('reminder', ?, ?, 'p1', ?, 'failed', ?, ?)",
        (webinar.id, participant.id, to_iso(now), f"chat {TELEGRAM_ID} {NAME}", to_iso(now)),
    )
    return user


def every_value(path: Path) -> list[tuple[str, str, object]]:
    """(table, column, value) for every cell of every table."""
    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        cells = []
        for table in tables:
            cursor = conn.execute(f'SELECT * FROM "{table}"')
            columns = [d[0] for d in cursor.description]
            for row in cursor:
                cells += [(table, c, v) for c, v in zip(columns, row, strict=True)]
        return cells
    finally:
        conn.close()


async def test_forget_leaves_no_trace(bot: RunningBot, client: SandboxClient) -> None:
    user = await build_a_person_in_every_table(bot, client)
    path = Path(bot.services.db.path)
    before = every_value(path)
    secrets = (NAME, POSITION, EMAIL, FREE_TEXT)
    assert {s for s in secrets if any(s in str(v) for _, _, v in before)} == set(secrets)

    await user.say("/forget")
    await user.press(await user.expect("Erase your personal data?"), "Yes, erase")
    done = await user.expect("has been erased")
    assert "remain" in done["text"]

    after = every_value(path)
    found = [
        (table, column)
        for table, column, value in after
        if value == TELEGRAM_ID
        or str(TELEGRAM_ID) in str(value)
        or any(secret in str(value) for secret in secrets)
    ]
    assert found == []
    # the anonymous counts stay: the row, its registrations, attendance, the rating
    assert ("answers", "value", RATING) in after
    assert any(t == "attendance" for t, _, _ in after)
    assert any(t == "registrations" for t, _, _ in after)
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            data = file.read_bytes()
            for secret in secrets:
                assert secret.encode() not in data, (file.name, secret)


def traces(path: Path, secrets: tuple[str, ...]) -> list[str]:
    """Where any of the person's values is still found: table.column, or the file's name."""
    found = [
        f"{table}.{column}"
        for table, column, value in every_value(path)
        if value == TELEGRAM_ID or any(s in str(value) for s in (*secrets, str(TELEGRAM_ID)))
    ]
    for file in (path, path.with_name(path.name + "-wal")):
        if file.exists():
            data = file.read_bytes()
            found += [file.name for secret in secrets if secret.encode() in data]
    return found


async def test_retention_erases_the_same(bot: RunningBot, client: SandboxClient) -> None:
    await build_a_person_in_every_table(bot, client)
    services = bot.services
    services.settings = dataclasses.replace(services.settings, retention_days=30)
    later = max(w.ends_at for w in services.series.webinars) + timedelta(days=31)
    run = await run_retention(services, now=later)
    assert run is not None and run.erased == 1
    assert traces(Path(services.db.path), (NAME, POSITION, EMAIL, FREE_TEXT)) == []
    assert await services.participants.get(TELEGRAM_ID) is None


async def test_mydata_shows_everything_and_sends_it_as_a_file(
    bot: RunningBot, client: SandboxClient
) -> None:
    user = await build_a_person_in_every_table(bot, client)
    await user.say("/mydata")
    shown = await user.expect("Everything stored about you")
    for fragment in (NAME, EMAIL, FREE_TEXT, "Organizer of this series", "attended", "failed"):
        assert fragment in shown["text"], fragment
    await user.press(shown, "as a file")
    document = await user.next_message()
    assert document["document"]["file_name"] == "mydata.json"
    stored = json.loads(await client.file_content(document["document"]["file_id"]))
    assert stored["profile"]["full_name"] == NAME
    assert stored["profile"]["telegram_id"] == TELEGRAM_ID
    assert {a["value"] for a in stored["survey_answers"]} == {RATING, FREE_TEXT}
    assert stored["attendance"][0]["attended"] == 1
    assert stored["organizer"] is not None
    assert {"kind": "reminder", "status": "failed", "messages": 1} in stored["deliveries"]
    assert len(stored["registrations"]) >= 1

"""The database: migrations, constraints, participants and conversations."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.domain.series import load_series
from storage.calendar_tokens import CalendarTokenStore
from storage.conversations import Conversation, ConversationStore
from storage.daily_digest import DailyDigestStore
from storage.database import Database
from storage.outbox import CALENDAR_KIND, OutboxStore
from storage.participants import AlreadyRegistered, ParticipantStore
from storage.schedule import ScheduleStore
from storage.schema_versions import MigrationError, available_migrations
from tests.support.drafts import registration_draft

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent


def draft(**changes: object) -> dict:
    """A complete registration draft."""
    return registration_draft(**changes)


async def _old_participant(old: Database, telegram_id: int) -> int:
    """Store a participant registered for the first webinar in an older schema (raw SQL).

    The stores are written for the newest schema, so an older one gets its rows directly.
    """
    data = draft()
    columns = [k for k in data if k != "webinars"]
    async with old.transaction() as conn:
        cursor = await conn.execute(
            f"INSERT INTO participants(telegram_id, {', '.join(columns)}, registered_at,"
            f" updated_at) VALUES (?, {', '.join('?' * len(columns))}, ?, ?)",
            (telegram_id, *(data[k] for k in columns), "2026-12-01T12:00:00Z", "x"),
        )
        participant_id = cursor.lastrowid
        assert participant_id is not None
        await conn.execute(
            "INSERT INTO registrations(participant_id, webinar_id, registered_at) VALUES (?, ?, ?)",
            (participant_id, data["webinars"][0], "2026-12-01T12:00:00Z"),
        )
    return participant_id


@pytest.fixture
async def db(tmp_path: Path):
    """An open, migrated database with the example series' webinars."""
    database = Database(tmp_path / "test.sqlite3")
    await database.open()
    await ScheduleStore(database).sync(load_series(ROOT / "series.example.toml").webinars, NOW)
    yield database
    await database.close()


async def test_migrations_are_numbered_and_pragmas_set(db: Database) -> None:
    numbers = [n for n, _ in available_migrations()]
    assert numbers == list(range(1, len(numbers) + 1))
    assert await db.schema_version() == numbers[-1]
    assert (await db.fetchone("PRAGMA journal_mode"))[0] == "wal"
    assert (await db.fetchone("PRAGMA foreign_keys"))[0] == 1


async def test_upgrade_from_older_schema_keeps_data(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    old = Database(path)
    await old.open(upto=1)
    assert await old.schema_version() == 1
    await old.executemany(
        "INSERT INTO webinars(id, title, starts_at, ends_at, join_url, position, updated_at)"
        " VALUES (?, ?, ?, ?, ?, ?, ?)",
        [
            (w.id, w.title, "2027-01-20T14:00:00Z", "2027-01-20T16:00:00Z", w.join_url, i, "x")
            for i, w in enumerate(load_series(ROOT / "series.example.toml").webinars)
        ],
    )
    await _old_participant(old, 42)
    missing = await old.fetchone("SELECT name FROM sqlite_master WHERE name = 'conversations'")
    assert missing is None
    await old.close()

    new = Database(path)
    await new.open()
    assert await new.schema_version() == available_migrations()[-1][0]
    participant = await ParticipantStore(new).get(42)
    assert participant is not None and participant.full_name == "Ana <b>Smith</b> & Co"
    await ConversationStore(new).save(Conversation(7, "register", "name", {"a": 1}), NOW)
    await new.close()


async def test_open_lists_rebuild_keeps_rows_and_foreign_keys(tmp_path: Path) -> None:
    path = tmp_path / "v7.sqlite3"
    old = Database(path)
    await old.open(upto=7)
    await ScheduleStore(old).sync(load_series(ROOT / "series.example.toml").webinars, NOW)
    participant_id = await _old_participant(old, 42)
    await old.close()

    new = Database(path)
    await new.open()
    assert await new.fetchall("PRAGMA foreign_key_check") == []
    participant = await ParticipantStore(new).get(42)
    assert participant is not None and participant.webinar_ids == ("crime-gun-strategy",)
    await ParticipantStore(new).create(43, draft(language="fr"), NOW)
    with pytest.raises(sqlite3.IntegrityError):
        await ParticipantStore(new).create(44, draft(sex="x"), NOW)
    await new.execute("DELETE FROM participants WHERE id = ?", (participant_id,))
    assert (
        await new.fetchall(
            "SELECT * FROM registrations WHERE participant_id = ?", (participant_id,)
        )
        == []
    )
    await new.close()


async def test_the_daily_digest_rebuild_keeps_outbox_rows_and_their_rules(tmp_path: Path) -> None:
    path = tmp_path / "v15.sqlite3"
    old = Database(path)
    await old.open(upto=15)
    await ScheduleStore(old).sync(load_series(ROOT / "series.example.toml").webinars, NOW)
    participant = await ParticipantStore(old).create(42, draft(), NOW, tell=[1000])
    await old.close()

    new = Database(path)
    await new.open()
    assert await new.fetchall("PRAGMA foreign_key_check") == []
    rows = await OutboxStore(new).rows_for(participant.id)
    assert [(r["kind"], r["chat_id"], r["status"]) for r in rows] == [("digest", 1000, "pending")]
    digests = DailyDigestStore(new)
    later = NOW + timedelta(hours=4)
    assert await digests.queue([1000, 1001], later, NOW, NOW) == 2
    assert await digests.queue([1000], later, NOW, NOW) == 0  # one row per chat and moment
    [moment] = await digests.waiting()
    assert (moment.due_at, moment.since, moment.queued) == (later, NOW, {1000, 1001})
    with pytest.raises(sqlite3.IntegrityError):  # a row goes to a participant or a chat
        await new.execute(
            "INSERT INTO outbox(kind, purpose, due_at, created_at) VALUES ('x', 'y', 'z', 'z')"
        )
    await new.execute("DELETE FROM participants WHERE id = ?", (participant.id,))
    assert await OutboxStore(new).rows_for(participant.id) == []
    await new.close()


async def test_newer_schema_is_refused(tmp_path: Path) -> None:
    database = Database(tmp_path / "x.sqlite3")
    await database.open()
    await database.execute("INSERT INTO schema_migrations VALUES (999, 'x')")
    await database.close()
    with pytest.raises(MigrationError, match="newer"):
        await Database(tmp_path / "x.sqlite3").open()


async def test_double_registration_is_impossible_even_when_racing(db: Database) -> None:
    store = ParticipantStore(db)
    results = await asyncio.gather(
        store.create(5, draft(), NOW), store.create(5, draft(), NOW), return_exceptions=True
    )
    assert sum(isinstance(r, AlreadyRegistered) for r in results) == 1
    assert await store.count() == 1
    rows = await db.fetchall("SELECT * FROM registrations")
    assert len(rows) == 1


async def test_registration_needs_known_webinar(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await ParticipantStore(db).create(6, draft(webinars=["nope"]), NOW)
    assert await ParticipantStore(db).get(6) is None


async def test_check_constraints_refuse_bad_values(db: Database) -> None:
    with pytest.raises(sqlite3.IntegrityError):
        await ParticipantStore(db).create(8, draft(sex="x"), NOW)


async def test_update_profile_and_registrations(db: Database) -> None:
    store = ParticipantStore(db)
    await store.create(9, draft(), NOW)
    ids = [w.id for w in load_series(ROOT / "series.example.toml").webinars]
    later = NOW + timedelta(hours=1)
    updated = await store.update_profile(9, {"position": "Chief", "webinars": ids}, later)
    assert updated is not None
    assert updated.position == "Chief" and list(updated.webinar_ids) == ids
    first = await db.fetchone(
        "SELECT registered_at FROM registrations WHERE webinar_id = ?", (ids[0],)
    )
    assert first["registered_at"].startswith("2026-12-01T12:00")
    assert await store.update_profile(404, {"position": "x"}, later) is None


async def test_leaving_every_webinar_gives_up_every_seat_and_request(db: Database) -> None:
    store = ParticipantStore(db)
    created = await store.create(11, draft(), NOW)
    await db.execute(
        "INSERT INTO registration_requests(participant_id, webinar_id, state, requested_at)"
        " VALUES (?, 'webinar-2', 'waiting_list', ?)",
        (created.id, "2026-12-01T12:00:00.000000Z"),
    )
    left = await store.update_profile(11, {"webinars": []}, NOW + timedelta(hours=1))
    assert left is not None
    assert (left.webinar_ids, left.requests) == ((), ())


async def test_a_calendar_file_is_claimed_ahead_of_a_fan_out_already_due(db: Database) -> None:
    participants, outbox = ParticipantStore(db), OutboxStore(db)
    ids = [(await participants.create(100 + n, draft(), NOW)).id for n in range(6)]
    webinar = load_series(ROOT / "series.example.toml").webinars[0].id
    for participant_id in ids[:5]:  # a fan-out due a minute ago
        await outbox.enqueue("change_notice", webinar, participant_id, "v2", NOW, NOW)
    later = NOW + timedelta(minutes=1)
    await outbox.enqueue(CALENDAR_KIND, None, ids[5], "", later, later)
    claimed = await outbox.claim_due(later, 2, lambda _chat: False)
    assert [d.kind for d in claimed] == [CALENDAR_KIND, "change_notice"]
    assert claimed[0].participant_id == ids[5] and claimed[1].participant_id == ids[0]
    rest = await outbox.claim_due(later, 10, lambda _chat: False)
    assert [d.participant_id for d in rest] == ids[1:5]  # each row claimed once


async def test_erase_keeps_counts_but_no_identity(db: Database) -> None:
    store = ParticipantStore(db)
    await store.create(10, draft(email="a@b.org"), NOW)
    assert await store.erase(10, NOW) is True
    assert await store.get(10) is None
    row = await db.fetchone("SELECT * FROM participants")
    assert row["telegram_id"] is None and row["full_name"] is None and row["email"] is None
    assert row["position"] is None
    assert (row["country"], row["sex"], row["institution"]) == ("GY", "woman", "police")
    assert await store.erase(10, NOW) is False
    await store.create(10, draft(), NOW)  # the same person may register again
    assert await store.count() == 2


async def test_conversation_round_trip(db: Database) -> None:
    store = ConversationStore(db)
    assert await store.get(1) is None
    await store.save(Conversation(1, "register", "name", {"language": "es"}), NOW)
    conv = await store.get(1)
    assert conv == Conversation(1, "register", "name", {"language": "es"})
    await store.save(Conversation(1, "register", "country", {"x": "ñ"}), NOW)
    assert (await store.get(1)).step == "country"
    with pytest.raises(ValueError):
        await store.save(Conversation(1, "not a flow!", "x"), NOW)
    assert await store.delete(1) is True
    assert await store.delete(1) is False


async def test_corrupt_conversation_data_is_treated_as_empty(db: Database) -> None:
    await db.execute("INSERT INTO conversations VALUES (3, 'register', 'name', 'not json', 'x')")
    conv = await ConversationStore(db).get(3)
    assert conv is not None and conv.data == {}


async def test_calendar_tokens_are_personal_stable_and_revoked_by_erasure(db: Database) -> None:
    people = ParticipantStore(db)
    tokens = CalendarTokenStore(db)
    ana = await people.create(1, draft(), NOW)
    ben = await people.create(2, draft(full_name="Ben"), NOW)
    first = await tokens.token_for(ana.id, NOW)
    assert await tokens.token_for(ana.id, NOW) == first
    assert len(first) >= 40 and first != await tokens.token_for(ben.id, NOW)
    assert await tokens.telegram_id_for(first) == 1
    assert await tokens.telegram_id_for("") is None
    assert await tokens.telegram_id_for("x" * 500) is None
    assert await people.erase(1, NOW)
    assert await tokens.telegram_id_for(first) is None
    assert await db.fetchone("SELECT 1 FROM calendar_tokens WHERE token = ?", (first,)) is None
    ben_token = await tokens.token_for(ben.id, NOW)
    assert await people.erase_everyone(NOW, ()) == 1
    assert await tokens.telegram_id_for(ben_token) is None

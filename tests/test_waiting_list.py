"""Seats and waiting lists in the database: order, places, one transaction per decision."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from bot.domain.series import load_series
from storage.database import Database
from storage.participants import ParticipantStore
from storage.schedule import ScheduleStore
from storage.waiting_list import SEAT_KIND, WaitingListStore
from tests.support.drafts import registration_draft

if TYPE_CHECKING:
    from collections.abc import AsyncIterator

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
ROOT = Path(__file__).resolve().parent.parent
FIRST = "crime-gun-strategy"
OTHER = "webinar-2"
ONE_SEAT = {FIRST: 1}


def draft(webinars: list[str] | None = None) -> dict[str, Any]:
    """A complete registration draft for the first webinar (or those given)."""
    return registration_draft(full_name="Ana", webinars=webinars or [FIRST])


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    """An open, migrated database with the example series' webinars."""
    database = Database(tmp_path / "test.sqlite3")
    await database.open()
    await ScheduleStore(database).sync(load_series(ROOT / "series.example.toml").webinars, NOW)
    yield database
    await database.close()


async def register(db: Database, telegram_id: int, minutes: int, seats: dict[str, int]) -> int:
    """Register someone `minutes` after NOW with these capacities; return their record id."""
    participant = await ParticipantStore(db).create(
        telegram_id, draft(), NOW + timedelta(minutes=minutes), capacities=seats
    )
    return participant.id


async def test_a_full_webinar_queues_in_order_with_places(db: Database) -> None:
    people = ParticipantStore(db)
    ids = [await register(db, 100 + n, n, ONE_SEAT) for n in range(3)]
    first, second, third = [await people.by_id(i) for i in ids]
    assert first is not None and first.webinar_ids == (FIRST,) and first.waiting_list == {}
    assert second is not None and second.webinar_ids == () and second.waiting_list == {FIRST: 1}
    assert third is not None and third.waiting_list == {FIRST: 2}
    assert third.profile()["webinars"] == [FIRST]  # chosen, without a seat
    occupancy = (await WaitingListStore(db).occupancy())[FIRST]
    assert (occupancy.seats, occupancy.waiting) == (1, 2)


async def test_the_last_seat_goes_to_one_of_many_asking_at_once(db: Database) -> None:
    await asyncio.gather(*(register(db, 200 + n, 0, {FIRST: 3}) for n in range(10)))
    occupancy = (await WaitingListStore(db).occupancy())[FIRST]
    assert (occupancy.seats, occupancy.waiting) == (3, 7)


async def test_moving_up_follows_the_order_and_tells_each_once(db: Database) -> None:
    store = WaitingListStore(db)
    ids = [await register(db, 300 + n, n, ONE_SEAT) for n in range(4)]
    assert await store.move_up(FIRST, 1, NOW) == []  # no seat free
    await ParticipantStore(db).update_profile(300, {"webinars": [OTHER]}, NOW, capacities=ONE_SEAT)
    assert await store.move_up(FIRST, 1, NOW) == [ids[1]]
    assert await store.move_up(FIRST, 3, NOW) == [ids[2], ids[3]]
    assert await store.move_up(FIRST, 3, NOW) == []
    told = await db.fetchall("SELECT participant_id FROM outbox WHERE kind = ?", (SEAT_KIND,))
    assert sorted(row[0] for row in told) == ids[1:]


async def test_lowering_the_capacity_removes_no_one(db: Database) -> None:
    store = WaitingListStore(db)
    for n in range(3):
        await register(db, 400 + n, n, {})
    await register(db, 403, 3, ONE_SEAT)
    assert await store.move_up(FIRST, 1, NOW) == []
    occupancy = (await store.occupancy())[FIRST]
    assert (occupancy.seats, occupancy.waiting) == (3, 1)
    assert await store.move_up(FIRST, None, NOW) != []  # no capacity any more: all seated


async def test_a_request_becomes_a_seat_or_a_place_at_the_end(db: Database) -> None:
    store = WaitingListStore(db)
    await register(db, 500, 0, ONE_SEAT)
    await register(db, 501, 1, ONE_SEAT)
    asking = await ParticipantStore(db).create(502, draft([OTHER]), NOW)
    await db.execute(
        "INSERT INTO registration_requests(participant_id, webinar_id, state, requested_at)"
        " VALUES (?, ?, 'awaiting_approval', ?)",
        (asking.id, FIRST, "2026-12-01T11:00:00Z"),
    )
    assert await store.seat_request(asking.id, FIRST, 1, NOW) == 2
    assert await store.seat_request(asking.id, FIRST, None, NOW) is None
    seated = await ParticipantStore(db).by_id(asking.id)
    assert seated is not None and seated.webinar_ids == (FIRST, OTHER) and seated.requests == ()


async def test_removing_the_webinar_leaves_the_list_and_forget_erases_the_place(
    db: Database,
) -> None:
    people = ParticipantStore(db)
    await register(db, 600, 0, ONE_SEAT)
    leaving = await register(db, 601, 1, ONE_SEAT)
    forgetting = await register(db, 602, 2, ONE_SEAT)
    await people.update_profile(601, {"webinars": [OTHER]}, NOW, capacities=ONE_SEAT)
    assert (await people.by_id(leaving)).waiting_list == {}  # type: ignore[union-attr]
    assert (await people.by_id(forgetting)).waiting_list == {FIRST: 1}  # type: ignore[union-attr]
    await people.erase(602, NOW)
    rows = await db.fetchall(
        "SELECT * FROM registration_requests WHERE participant_id = ?", (forgetting,)
    )
    assert rows == []

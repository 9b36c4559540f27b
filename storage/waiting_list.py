"""Seats and waiting lists: a webinar with a capacity seats participants up to it, then queues them.

A seat is a row in `registrations`; a place on a waiting list is a row in
`registration_requests` with state 'waiting_list', ordered by `requested_at` (then by
participant, for people queued in the same instant). Every check of the seats left happens in the
same write transaction as the insert it decides, and writes are serialised, so two people can
never both take the last seat.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from storage.sql import placeholders
from storage.timestamps import to_iso

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping
    from datetime import datetime

    import aiosqlite

    from storage.database import Database

WAITING: Final = "waiting_list"
SEAT_KIND: Final = "seat_offered"  # the outbox message telling someone a seat became free

_POSITION: Final = """
    (SELECT COUNT(*) FROM registration_requests o
     WHERE o.webinar_id = q.webinar_id AND o.state = q.state
       AND (o.requested_at < q.requested_at
            OR (o.requested_at = q.requested_at AND o.participant_id <= q.participant_id)))
"""


@dataclass(frozen=True)
class Request:
    """A chosen webinar without a seat yet: its state and, on a waiting list, the place in it."""

    webinar_id: str
    state: str
    position: int


# A column of the participant query (`p` the participant's row): their webinars without a
# seat, in the series' order, one "webinar state place" line each (ids and states have no
# spaces); read back with `requests_from`.
REQUESTS_COLUMN: Final = f"""
    (SELECT group_concat(line, char(10)) FROM (
        SELECT q.webinar_id || ' ' || q.state || ' ' || {_POSITION} AS line
        FROM registration_requests q JOIN webinars w ON w.id = q.webinar_id
        WHERE q.participant_id = p.id ORDER BY w.position, q.webinar_id))
"""


def requests_from(column: str | None) -> tuple[Request, ...]:
    """The requests written by REQUESTS_COLUMN."""
    if not column:
        return ()
    found = []
    for line in column.split("\n"):
        webinar_id, state, position = line.split(" ")
        found.append(Request(webinar_id, state, int(position)))
    return tuple(found)


@dataclass(frozen=True)
class Occupancy:
    """How full one webinar is: seats taken and people waiting."""

    seats: int
    waiting: int


async def _seats(conn: aiosqlite.Connection, webinar_id: str) -> int:
    """How many seats of a webinar are taken."""
    rows = list(
        await conn.execute_fetchall(
            "SELECT COUNT(*) FROM registrations WHERE webinar_id = ?", (webinar_id,)
        )
    )
    return int(rows[0][0])


async def _waiting(conn: aiosqlite.Connection, webinar_id: str) -> int:
    """How many people wait for a seat of a webinar."""
    rows = list(
        await conn.execute_fetchall(
            "SELECT COUNT(*) FROM registration_requests WHERE webinar_id = ? AND state = ?",
            (webinar_id, WAITING),
        )
    )
    return int(rows[0][0])


async def seat_or_wait(
    conn: aiosqlite.Connection,
    participant_id: int,
    webinar_ids: Iterable[str],
    capacities: Mapping[str, int],
    stamp: str,
    *,
    newcomer: bool = False,
) -> list[str]:
    """Within the caller's transaction, give a seat in each webinar, or a place on its list.

    A webinar missing from `capacities` has no limit. A webinar with people already waiting
    queues a newcomer behind them even if a seat is free for a moment (it goes to the first of
    them). A webinar the participant already holds, or has a request for in any state (waiting,
    awaiting approval, declined), is left as it is; a `newcomer` (inserted in this transaction)
    holds nothing, so that is not looked up. Returns the webinars queued for.
    """
    queued = []
    seats = []
    for webinar_id in webinar_ids:
        capacity = capacities.get(webinar_id)
        if not newcomer and await _holds(conn, participant_id, webinar_id):
            continue
        if capacity is not None and (
            await _waiting(conn, webinar_id) > 0 or await _seats(conn, webinar_id) >= capacity
        ):
            await conn.execute(
                "INSERT INTO registration_requests(participant_id, webinar_id, state,"
                " requested_at) VALUES (?, ?, ?, ?)",
                (participant_id, webinar_id, WAITING, stamp),
            )
            queued.append(webinar_id)
            continue
        seats.append((participant_id, webinar_id, stamp))
    await conn.executemany(
        "INSERT INTO registrations(participant_id, webinar_id, registered_at) VALUES (?, ?, ?)",
        seats,
    )
    return queued


async def _holds(conn: aiosqlite.Connection, participant_id: int, webinar_id: str) -> bool:
    """Whether a participant has a seat in a webinar or a request for it in any state."""
    rows = await conn.execute_fetchall(
        "SELECT 1 FROM registrations WHERE participant_id = ? AND webinar_id = ?"
        " UNION ALL SELECT 1 FROM registration_requests"
        " WHERE participant_id = ? AND webinar_id = ?",
        (participant_id, webinar_id, participant_id, webinar_id),
    )
    return bool(list(rows))


async def erase_requests(
    conn: aiosqlite.Connection, participant_id: int, give_up: Iterable[str]
) -> None:
    """Within the caller's transaction (an erasure), drop every request and the seats given up."""
    await conn.execute(
        "DELETE FROM registration_requests WHERE participant_id = ?", (participant_id,)
    )
    freed = sorted(give_up)
    await conn.execute(
        "DELETE FROM registrations WHERE participant_id = ?"
        f" AND webinar_id IN ({placeholders(freed)})",
        (participant_id, *freed),
    )


class WaitingListStore:
    """Reads the waiting lists and moves people up to free seats."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def occupancy(self) -> dict[str, Occupancy]:
        """Seats taken and people waiting, for every webinar of the series."""
        rows = await self.db.fetchall(
            "SELECT w.id,"
            " (SELECT COUNT(*) FROM registrations r WHERE r.webinar_id = w.id) AS seats,"
            " (SELECT COUNT(*) FROM registration_requests q"
            "   WHERE q.webinar_id = w.id AND q.state = ?) AS waiting"
            " FROM webinars w",
            (WAITING,),
        )
        return {r["id"]: Occupancy(int(r["seats"]), int(r["waiting"])) for r in rows}

    async def seat_request(
        self, participant_id: int, webinar_id: str, capacity: int | None, now: datetime
    ) -> int | None:
        """Turn a participant's request for a webinar (in any state) into a seat, or a place.

        In one transaction the request row goes and the participant gets the seat, or, when
        the webinar is full, a place at the end of its waiting list. Returns None when seated,
        else the place on the list.
        """
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            await conn.execute(
                "DELETE FROM registration_requests WHERE participant_id = ? AND webinar_id = ?",
                (participant_id, webinar_id),
            )
            capacities = {} if capacity is None else {webinar_id: capacity}
            queued = await seat_or_wait(conn, participant_id, [webinar_id], capacities, stamp)
            if not queued:
                return None
            return await _waiting(conn, webinar_id)

    async def move_up(self, webinar_id: str, capacity: int | None, now: datetime) -> list[int]:
        """Give the free seats of a webinar (all of them: None) to the first people waiting.

        In one transaction each of them, in order, loses their place on the list, gains the
        seat and gets a message in the outbox. Returns their participant ids, first first.
        """
        if not await self.db.fetchone(
            "SELECT 1 FROM registration_requests WHERE webinar_id = ? AND state = ? LIMIT 1",
            (webinar_id, WAITING),
        ):
            return []
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            free = None if capacity is None else capacity - await _seats(conn, webinar_id)
            if free is not None and free <= 0:
                return []
            rows = list(
                await conn.execute_fetchall(
                    "SELECT participant_id FROM registration_requests"
                    " WHERE webinar_id = ? AND state = ?"
                    " ORDER BY requested_at, participant_id LIMIT ?",
                    (webinar_id, WAITING, -1 if free is None else free),  # -1: no limit
                )
            )
            moved = [int(row[0]) for row in rows]
            for participant_id in moved:
                await conn.execute(
                    "DELETE FROM registration_requests WHERE participant_id = ? AND webinar_id = ?",
                    (participant_id, webinar_id),
                )
                await conn.execute(
                    "INSERT OR IGNORE INTO registrations(participant_id, webinar_id,"
                    " registered_at) VALUES (?, ?, ?)",
                    (participant_id, webinar_id, stamp),
                )
                await conn.execute(
                    "INSERT INTO outbox(kind, webinar_id, participant_id, purpose, due_at,"
                    " created_at) VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (SEAT_KIND, webinar_id, participant_id, f"seat@{stamp}", stamp, stamp),
                )
        return moved

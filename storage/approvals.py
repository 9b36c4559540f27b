"""Registrations awaiting an organizer's approval: asked, listed, granted and declined.

A request is a row of `registration_requests` (migration 0015) in state `awaiting_approval`;
granting it deletes the row and inserts the registration in one transaction, declining it
turns it `declined`. Each decision is recorded in `organizer_actions` and the participant's
notice queued in the outbox within the same transaction, so a crash keeps all or none.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storage.sql import placeholders
from storage.timestamps import from_iso, to_iso
from storage.waiting_list import seat_or_wait

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping
    from datetime import datetime

    import aiosqlite

    from storage.database import Database

AWAITING = "awaiting_approval"
DECLINED = "declined"
DECISION_KIND = "decision"  # outbox: the participant told that an organizer approved or declined
APPROVED = "approved"
QUEUED = "queued"  # a decision notice: approved, but on a full webinar's waiting list
ACTIONS = {APPROVED: "registration.approved", DECLINED: "registration.declined"}


async def ask(
    conn: aiosqlite.Connection, participant_id: int, webinar_ids: Collection[str], stamp: str
) -> None:
    """Within the caller's transaction, make these webinars await approval.

    A declined request asked again waits again; a request in another state is left alone.
    """
    await conn.executemany(
        "INSERT INTO registration_requests(participant_id, webinar_id, state, requested_at)"
        " VALUES (?, ?, ?, ?) ON CONFLICT(participant_id, webinar_id) DO UPDATE"
        " SET state = excluded.state, requested_at = excluded.requested_at,"
        " decided_at = NULL, decided_by = NULL WHERE state = ?",
        [(participant_id, w, AWAITING, stamp, DECLINED) for w in webinar_ids],
    )


async def choose_webinars(
    conn: aiosqlite.Connection,
    participant_id: int,
    wanted: Collection[str],
    stamp: str,
    approval: bool,
    capacities: Mapping[str, int],
    *,
    newcomer: bool = False,
) -> None:
    """Within the caller's transaction, make a participant's chosen webinars exactly `wanted`.

    A seat or a request (awaiting approval, on a waiting list) no longer wanted is given up; a
    declined request stays on record. A webinar wanted anew awaits approval when `approval` is
    on; otherwise it takes a seat, or a place on its waiting list when full (`capacities`).
    A `newcomer`, inserted in this transaction, has nothing to give up or keep.
    """
    chosen = list(dict.fromkeys(wanted))
    if newcomer:
        if approval:
            await ask(conn, participant_id, chosen, stamp)
        else:
            await seat_or_wait(conn, participant_id, chosen, capacities, stamp, newcomer=True)
        return
    marks = placeholders(chosen)
    await conn.execute(
        f"DELETE FROM registrations WHERE participant_id = ? AND webinar_id NOT IN ({marks})",
        (participant_id, *chosen),
    )
    await conn.execute(
        "DELETE FROM registration_requests WHERE participant_id = ? AND state != ?"
        f" AND webinar_id NOT IN ({marks})",
        (participant_id, DECLINED, *chosen),
    )
    if approval:
        held = {
            w
            for (w,) in await conn.execute_fetchall(
                "SELECT webinar_id FROM registrations WHERE participant_id = ?"
                " UNION SELECT webinar_id FROM registration_requests"
                " WHERE participant_id = ? AND state != ?",
                (participant_id, participant_id, DECLINED),
            )
        }
        await ask(conn, participant_id, [w for w in chosen if w not in held], stamp)
        return
    await conn.executemany(
        "DELETE FROM registration_requests WHERE participant_id = ? AND webinar_id = ?"
        " AND state = ?",
        [(participant_id, w, DECLINED) for w in chosen],
    )
    await seat_or_wait(conn, participant_id, chosen, capacities, stamp)


async def _ids(conn: aiosqlite.Connection, participant_id: int, state: str) -> list[Any]:
    """The webinar ids of a participant's requests in one state."""
    return list(
        await conn.execute_fetchall(
            "SELECT webinar_id FROM registration_requests WHERE participant_id = ? AND state = ?",
            (participant_id, state),
        )
    )


@dataclass(frozen=True)
class Waiting:
    """A participant whose registration awaits an organizer, with the webinars asked for."""

    participant_id: int
    full_name: str | None
    country: str
    country_other: str | None
    institution: str
    institution_other: str | None
    sex: str
    language: str
    requested_at: datetime
    webinar_ids: tuple[str, ...]


@dataclass(frozen=True)
class Decision:
    """What became of a press on Approve or Decline.

    `outcome` is "approved" or "declined" when this press decided; "decided" when an
    organizer had already decided (`by_name`, `at`, `action` say who, when and what); "gone"
    when the participant erased their data or has nothing waiting and no decision is known.
    """

    outcome: str
    webinar_ids: tuple[str, ...] = ()  # approved: those that got a seat
    action: str | None = None
    by_name: str | None = None
    at: datetime | None = None
    queued: tuple[str, ...] = ()  # approved, but the webinar is full: on its waiting list


class ApprovalStore:
    """Reads and decides registrations awaiting approval."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def requests_of(self, participant_id: int) -> list[Any]:
        """Every request of a participant with its state, in the series' order."""
        return await self.db.fetchall(
            "SELECT q.webinar_id, q.state, q.requested_at, q.decided_at"
            " FROM registration_requests q JOIN webinars w ON w.id = q.webinar_id"
            " WHERE q.participant_id = ? ORDER BY w.position",
            (participant_id,),
        )

    async def awaiting_ids(self, participant_id: int) -> list[str]:
        """The webinars a participant waits for approval of, in the series' order."""
        return [
            row["webinar_id"]
            for row in await self.requests_of(participant_id)
            if row["state"] == AWAITING
        ]

    async def waiting(self, limit: int) -> tuple[int, list[Waiting]]:
        """How many participants wait for approval, and the `limit` who asked first."""
        total = await self.db.fetchone(
            "SELECT COUNT(DISTINCT participant_id) AS n FROM registration_requests WHERE state = ?",
            (AWAITING,),
        )
        rows = await self.db.fetchall(
            "SELECT p.id, p.full_name, p.country, p.country_other, p.institution,"
            " p.institution_other, p.sex, p.language, MIN(q.requested_at) AS asked,"
            " group_concat(q.webinar_id, ' ') AS webinars"
            " FROM registration_requests q JOIN participants p ON p.id = q.participant_id"
            " WHERE q.state = ? AND p.erased_at IS NULL"
            " GROUP BY p.id ORDER BY asked, p.id LIMIT ?",
            (AWAITING, limit),
        )
        return int(total["n"]), [
            Waiting(
                participant_id=row["id"],
                full_name=row["full_name"],
                country=row["country"],
                country_other=row["country_other"],
                institution=row["institution"],
                institution_other=row["institution_other"],
                sex=row["sex"],
                language=row["language"],
                requested_at=from_iso(row["asked"]),
                webinar_ids=tuple(sorted((row["webinars"] or "").split())),
            )
            for row in rows
        ]

    async def count_awaiting(self) -> int:
        """How many participants wait for an organizer's decision."""
        row = await self.db.fetchone(
            "SELECT COUNT(DISTINCT participant_id) AS n FROM registration_requests WHERE state = ?",
            (AWAITING,),
        )
        return int(row["n"])

    async def decide(
        self,
        participant_id: int,
        outcome: str,
        organizer: int,
        name: str,
        now: datetime,
        capacities: Mapping[str, int],
    ) -> Decision:
        """Approve (grant the seats) or decline all of a participant's waiting webinars.

        In one transaction: the requests become registrations, or places on the waiting list
        of a full webinar (`capacities`), when approved, or `declined`; the decision is
        recorded, and the participant's notice is queued in the outbox.
        """
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            waiting = sorted(w for (w,) in await _ids(conn, participant_id, AWAITING))
            if not waiting:
                return await _earlier_decision(conn, participant_id)
            queued: list[str] = []
            if outcome == APPROVED:
                queued = await grant_seats(conn, participant_id, waiting, stamp, capacities)
            else:
                await conn.execute(
                    "UPDATE registration_requests SET state = ?, decided_at = ?, decided_by = ?"
                    " WHERE participant_id = ? AND state = ?",
                    (DECLINED, stamp, organizer, participant_id, AWAITING),
                )
            decided = [w for w in waiting if w not in queued]  # seated, or declined
            detail = {
                "participant": participant_id,
                "organizer": organizer,
                "by": name,
                "webinars": waiting,
            }
            await conn.execute(
                "INSERT INTO organizer_actions(telegram_id, at, action, detail)"
                " VALUES (?, ?, ?, ?)",
                (organizer, stamp, ACTIONS[outcome], json.dumps(detail, ensure_ascii=False)),
            )
            notices = [(outcome, decided), (QUEUED, queued)]
            await conn.executemany(
                "INSERT INTO outbox(kind, webinar_id, participant_id, purpose, due_at,"
                " created_at) VALUES (?, NULL, ?, ?, ?, ?) ON CONFLICT DO NOTHING",
                [
                    (DECISION_KIND, participant_id, f"{told}|{stamp}|{','.join(ids)}", stamp, stamp)
                    for told, ids in notices
                    if ids
                ],
            )
        return Decision(outcome, tuple(decided), queued=tuple(queued))


async def grant_seats(
    conn: aiosqlite.Connection,
    participant_id: int,
    webinar_ids: Collection[str],
    stamp: str,
    capacities: Mapping[str, int],
) -> list[str]:
    """Within the caller's transaction, give a participant seats for requested webinars.

    The request rows go and the registrations come in the same transaction: the one way a
    request becomes a seat. A full webinar (`capacities`) gives a place at the end of its
    waiting list instead; those are returned.
    """
    await conn.executemany(
        "DELETE FROM registration_requests WHERE participant_id = ? AND webinar_id = ?",
        [(participant_id, w) for w in webinar_ids],
    )
    return await seat_or_wait(conn, participant_id, webinar_ids, capacities, stamp)


async def _earlier_decision(conn: aiosqlite.Connection, participant_id: int) -> Decision:
    """The latest decision recorded about a participant, or "gone" when none is known."""
    rows = list(
        await conn.execute_fetchall(
            "SELECT p.erased_at, a.action, a.at, json_extract(a.detail, '$.by') AS by_name"
            " FROM participants p LEFT JOIN organizer_actions a"
            " ON a.action IN (?, ?) AND json_extract(a.detail, '$.participant') = p.id"
            " WHERE p.id = ? ORDER BY a.id DESC LIMIT 1",
            (*ACTIONS.values(), participant_id),
        )
    )
    if not rows or rows[0][0] is not None or rows[0][1] is None:
        return Decision("gone")
    erased, action, at, by_name = rows[0]
    del erased
    outcome = next(key for key, value in ACTIONS.items() if value == action)
    return Decision("decided", action=outcome, by_name=by_name, at=from_iso(at))


async def forget_decider(conn: aiosqlite.Connection, telegram_id: int, erased: int) -> None:
    """Within /forget's transaction, replace an erased organizer's id on their decisions."""
    await conn.execute(
        "UPDATE registration_requests SET decided_by = ? WHERE decided_by = ?",
        (erased, telegram_id),
    )

"""Participants, their registrations and the webinars they register for."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from storage import approvals
from storage.database import Database
from storage.erasure import erase_person
from storage.outbox import DIGEST_KIND, enqueue_for_chats
from storage.timestamps import to_iso
from storage.waiting_list import REQUESTS_COLUMN, WAITING, Request, requests_from

if TYPE_CHECKING:
    from collections.abc import Collection, Mapping
    from datetime import datetime

    from storage.database import Database

PROFILE_COLUMNS = (
    "language",
    "full_name",
    "country",
    "country_other",
    "institution",
    "institution_other",
    "position",
    "sex",
    "email",
    "timezone",
)


class AlreadyRegistered(Exception):
    """This Telegram user already has a participant record."""


@dataclass(frozen=True)
class Participant:
    """A registered participant as stored."""

    id: int
    telegram_id: int | None
    language: str
    full_name: str | None
    country: str
    country_other: str | None
    institution: str
    institution_other: str | None
    position: str | None
    sex: str
    email: str | None
    timezone: str
    consent_at: str
    consent_version: str
    registered_at: str
    updated_at: str
    webinar_ids: tuple[str, ...]
    reminders_enabled: bool = True
    unreachable_at: str | None = None
    unreachable_reason: str | None = None
    requests: tuple[Request, ...] = ()  # chosen webinars without a seat yet

    @property
    def waiting_list(self) -> dict[str, int]:
        """The webinars the participant waits for a seat in, with their place on each list."""
        return {r.webinar_id: r.position for r in self.requests if r.state == WAITING}

    def profile(self) -> dict[str, Any]:
        """Return the editable fields as a draft-shaped dict.

        "webinars" is every webinar chosen, with a seat or waiting for one (on a waiting list or
        for approval); "waiting_list" gives the place on the list of those without a seat;
        "requests" the webinars awaiting approval or declined, with their state.
        """
        data = {column: getattr(self, column) for column in PROFILE_COLUMNS}
        wanted = [r.webinar_id for r in self.requests if r.state != approvals.DECLINED]
        data["webinars"] = [*self.webinar_ids, *(w for w in wanted if w not in self.webinar_ids)]
        data["waiting_list"] = self.waiting_list
        data["requests"] = [(r.webinar_id, r.state) for r in self.requests if r.state != WAITING]
        return data


class ParticipantStore:
    """Reads and writes participants and registrations."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def get(self, telegram_id: int) -> Participant | None:
        """Return the participant with this Telegram id, or None."""
        return await self._one("p.telegram_id = ?", telegram_id)

    async def by_id(self, participant_id: int) -> Participant | None:
        """Return the participant with this record id, or None."""
        return await self._one("p.id = ?", participant_id)

    async def registered_between(self, since: datetime, until: datetime) -> list[Participant]:
        """Participants who registered after `since` and by `until`, not erased, oldest first."""
        return await self._all(
            "p.registered_at > ? AND p.registered_at <= ? AND p.erased_at IS NULL"
            " ORDER BY p.registered_at, p.id",
            (to_iso(since), to_iso(until)),
        )

    async def _one(self, where: str, value: int) -> Participant | None:
        """Return the one participant matching `where` (a fixed condition), or None."""
        found = await self._all(where, (value,))
        return found[0] if found else None

    async def _all(self, where: str, params: tuple[Any, ...]) -> list[Participant]:
        """Every participant matching `where` (a fixed condition and order)."""
        rows = await self.db.fetchall(
            "SELECT p.*, (SELECT group_concat(webinar_id, ' ') FROM ("
            "   SELECT r.webinar_id FROM registrations r JOIN webinars w ON w.id = r.webinar_id"
            "   WHERE r.participant_id = p.id ORDER BY w.position)) AS webinar_list,"
            f" {REQUESTS_COLUMN} AS request_list"
            f" FROM participants p WHERE {where}",
            params,
        )
        return [self._participant(row) for row in rows]

    @staticmethod
    def _participant(row: Any) -> Participant:
        """Build a Participant from a row of `_all`'s query."""
        derived = ("erased_at", "webinar_list", "request_list")
        fields = {key: row[key] for key in row.keys() if key not in derived}  # noqa: SIM118 - a sqlite3.Row iterates its values
        if "reminders_enabled" in fields:
            fields["reminders_enabled"] = bool(fields["reminders_enabled"])
        webinars = tuple((row["webinar_list"] or "").split())
        requests = requests_from(row["request_list"])
        return Participant(**fields, webinar_ids=webinars, requests=requests)

    async def create(
        self,
        telegram_id: int,
        draft: dict[str, Any],
        now: datetime,
        tell: Collection[int] = (),
        *,
        approval: bool = False,
        capacities: Mapping[str, int] | None = None,
    ) -> Participant:
        """Store a completed registration; raise AlreadyRegistered when one exists.

        `tell`: organizers' chats that get a digest line about it, queued in the same
        transaction so that a crash cannot keep the registration and lose the line.
        `approval`: the webinars await an organizer's approval instead of getting seats;
        `capacities`: the seats of webinars that have a limit, a full one puts the participant
        on its waiting list instead (see storage.approvals.choose_webinars).
        """
        stamp = to_iso(now)
        values = [draft.get(column) for column in PROFILE_COLUMNS]
        try:
            async with self.db.transaction() as conn:
                cursor = await conn.execute(
                    f"INSERT INTO participants(telegram_id, {', '.join(PROFILE_COLUMNS)},"
                    " consent_at, consent_version, registered_at, updated_at)"
                    f" VALUES (?, {', '.join('?' * len(PROFILE_COLUMNS))}, ?, ?, ?, ?)",
                    (
                        telegram_id,
                        *values,
                        draft["consent_at"],
                        draft["consent_version"],
                        stamp,
                        stamp,
                    ),
                )
                participant_id = cursor.lastrowid
                assert participant_id is not None  # an INSERT that succeeded has a rowid
                await approvals.choose_webinars(
                    conn,
                    participant_id,
                    draft["webinars"],
                    stamp,
                    approval,
                    capacities or {},
                    newcomer=True,
                )
                if tell:
                    await enqueue_for_chats(conn, DIGEST_KIND, participant_id, tell, now)
        except sqlite3.IntegrityError as exc:
            if "participants.telegram_id" in str(exc):
                raise AlreadyRegistered(telegram_id) from exc
            raise
        created = await self.get(telegram_id)
        assert created is not None
        return created

    async def update_profile(
        self,
        telegram_id: int,
        changes: dict[str, Any],
        now: datetime,
        *,
        approval: bool = False,
        capacities: Mapping[str, int] | None = None,
    ) -> Participant | None:
        """Change profile fields (and registrations when 'webinars' is given).

        'webinars' is every webinar wanted, those awaiting approval or a seat included: a new
        one awaits an organizer (`approval`) or takes a seat or a place on a full webinar's
        waiting list (`capacities`); one removed gives up its seat or request.
        """
        columns = {k: v for k, v in changes.items() if k in PROFILE_COLUMNS}
        stamp = to_iso(now)
        async with self.db.transaction() as conn:
            async with conn.execute(
                "SELECT id FROM participants WHERE telegram_id = ?", (telegram_id,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                return None
            assignments = ", ".join(f"{column} = ?" for column in columns)
            await conn.execute(
                f"UPDATE participants SET {assignments + ', ' if assignments else ''}"
                "updated_at = ? WHERE id = ?",
                (*columns.values(), stamp, row["id"]),
            )
            if "webinars" in changes:
                await approvals.choose_webinars(
                    conn, row["id"], changes["webinars"], stamp, approval, capacities or {}
                )
        return await self.get(telegram_id)

    async def set_reminders(
        self, participant_id: int, enabled: bool, now: datetime
    ) -> Participant | None:
        """Turn a participant's reminders on or off."""
        await self.db.execute(
            "UPDATE participants SET reminders_enabled = ?, updated_at = ? WHERE id = ?",
            (int(enabled), to_iso(now), participant_id),
        )
        row = await self.db.fetchone(
            "SELECT telegram_id FROM participants WHERE id = ?", (participant_id,)
        )
        return await self.get(row["telegram_id"]) if row and row["telegram_id"] else None

    async def clear_unreachable(self, telegram_id: int) -> bool:
        """A participant who writes to the bot again can be reached again."""
        row = await self.db.fetchone(
            "SELECT 1 FROM participants WHERE telegram_id = ? AND unreachable_at IS NOT NULL",
            (telegram_id,),
        )
        if row is None:
            return False
        return (
            await self.db.execute(
                "UPDATE participants SET unreachable_at = NULL, unreachable_reason = NULL"
                " WHERE telegram_id = ? AND unreachable_at IS NOT NULL",
                (telegram_id,),
            )
            > 0
        )

    async def erase(
        self,
        telegram_id: int,
        now: datetime,
        keep_answers: Collection[str] = (),
        give_up: Collection[str] = (),
    ) -> bool:
        """Erase everything personal about one person (see erase_person); then fold the WAL in.

        `give_up`: webinars whose seat the person frees (for someone waiting), instead of
        keeping the registration anonymously. Returns whether a participant was registered
        under this id.
        """
        async with self.db.transaction() as conn:
            found = await erase_person(conn, telegram_id, to_iso(now), keep_answers, give_up)
        await self.db.checkpoint()
        return found

    async def erase_everyone(self, now: datetime, keep_answers: Collection[str]) -> int:
        """Erase every participant not yet erased, as /forget would; return how many."""
        async with self.db.transaction() as conn:
            rows = list(
                await conn.execute_fetchall(
                    "SELECT telegram_id FROM participants WHERE erased_at IS NULL"
                )
            )
            stamp = to_iso(now)
            for row in rows:
                await erase_person(conn, row[0], stamp, keep_answers)
            await conn.execute("DELETE FROM conversations")
            await conn.execute("DELETE FROM code_attempts")
        await self.db.checkpoint()
        return len(rows)

    async def everything(self, telegram_id: int) -> dict[str, Any] | None:
        """Every stored row about this Telegram user, as plain data (for /mydata); None if none.

        Deliveries are summarised as counts by kind and outcome.
        """
        row = await self.db.fetchone(
            "SELECT * FROM participants WHERE telegram_id = ?", (telegram_id,)
        )
        if row is None:
            return None
        pid = (row["id"],)

        async def rows(sql: str, params: tuple[Any, ...] = pid) -> list[dict[str, Any]]:
            return [dict(r) for r in await self.db.fetchall(sql, params)]

        organizer = await rows(
            "SELECT added_at FROM organizers WHERE telegram_id = ?", (telegram_id,)
        )
        conversation = await rows(
            "SELECT flow, step, updated_at FROM conversations WHERE telegram_id = ?",
            (telegram_id,),
        )
        return {
            "profile": {k: row[k] for k in row.keys() if k != "id"},  # noqa: SIM118 - sqlite3.Row
            "registrations": await rows(
                "SELECT webinar_id, registered_at FROM registrations WHERE participant_id = ?"
                " ORDER BY registered_at, webinar_id"
            ),
            "registration_requests": await rows(
                "SELECT webinar_id, state, requested_at, decided_at FROM registration_requests"
                " WHERE participant_id = ? ORDER BY requested_at, webinar_id"
            ),
            "attendance": await rows(
                "SELECT webinar_id, attended, source, minutes, recorded_at FROM attendance"
                " WHERE participant_id = ? ORDER BY webinar_id"
            ),
            "survey_answers": await rows(
                "SELECT r.webinar_id, a.question_key, a.value, a.answered_at FROM answers a"
                " JOIN responses r ON r.id = a.response_id WHERE r.participant_id = ?"
                " ORDER BY r.webinar_id, a.answered_at"
            ),
            "deliveries": await rows(
                "SELECT kind, status, COUNT(*) AS messages FROM outbox"
                " WHERE participant_id = ? GROUP BY kind, status ORDER BY kind, status"
            ),
            "organizer": organizer[0] if organizer else None,
            "unfinished_conversation": conversation[0] if conversation else None,
        }

    async def count(self) -> int:
        """Return how many participants are registered (erased ones included)."""
        row = await self.db.fetchone("SELECT COUNT(*) AS n FROM participants")
        return int(row["n"])

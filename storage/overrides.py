"""Webinar changes made in the chat (start, join link), kept over the series file."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from storage.timestamps import to_iso

if TYPE_CHECKING:
    from datetime import datetime

    from storage.database import Database


class OverrideStore:
    """Reads and writes webinar_overrides and counts whom a change reaches."""

    def __init__(self, db: Database) -> None:
        self.db = db

    async def all(self) -> list[dict[str, Any]]:
        """Every stored override, as plain dicts."""
        rows = await self.db.fetchall(
            "SELECT webinar_id, starts_at, join_url, materials, recording_url, changed_by,"
            " changed_at"
            " FROM webinar_overrides ORDER BY webinar_id"
        )
        return [dict(row) for row in rows]

    async def set(
        self,
        webinar_id: str,
        *,
        starts_at: datetime | None = None,
        join_url: str | None = None,
        changed_by: int,
        now: datetime,
    ) -> None:
        """Override a webinar's start and/or join link; what is not given stays as it was."""
        await self.db.execute(
            "INSERT INTO webinar_overrides(webinar_id, starts_at, join_url, changed_by,"
            " changed_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(webinar_id) DO UPDATE SET"
            " starts_at = COALESCE(excluded.starts_at, webinar_overrides.starts_at),"
            " join_url = COALESCE(excluded.join_url, webinar_overrides.join_url),"
            " changed_by = excluded.changed_by, changed_at = excluded.changed_at",
            (
                webinar_id,
                to_iso(starts_at) if starts_at else None,
                join_url,
                changed_by,
                to_iso(now),
            ),
        )

    async def set_materials(
        self,
        webinar_id: str,
        *,
        materials: str | None,
        recording_url: str | None,
        changed_by: int,
        now: datetime,
    ) -> None:
        """Store the materials added in the chat (JSON) and/or the recording link."""
        await self.db.execute(
            "INSERT INTO webinar_overrides(webinar_id, materials, recording_url, changed_by,"
            " changed_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT(webinar_id) DO UPDATE SET"
            " materials = COALESCE(excluded.materials, webinar_overrides.materials),"
            " recording_url = COALESCE(excluded.recording_url, webinar_overrides.recording_url),"
            " changed_by = excluded.changed_by, changed_at = excluded.changed_at",
            (webinar_id, materials, recording_url, changed_by, to_iso(now)),
        )

    async def registrants_to_notify(self, webinar_id: str) -> int:
        """How many registrants a change notice for this webinar would reach."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM registrations r"
            " JOIN participants p ON p.id = r.participant_id"
            " WHERE r.webinar_id = ? AND p.telegram_id IS NOT NULL"
            " AND p.unreachable_at IS NULL",
            (webinar_id,),
        )
        return int(row["n"]) if row else 0

    async def notices_queued(self, webinar_id: str) -> int:
        """How many change notices were queued for the webinar's current version."""
        row = await self.db.fetchone(
            "SELECT COUNT(*) AS n FROM outbox o JOIN webinars w ON w.id = o.webinar_id"
            " WHERE o.kind = 'change_notice' AND o.webinar_id = ?"
            " AND o.purpose = 'v' || w.version",
            (webinar_id,),
        )
        return int(row["n"]) if row else 0

"""Webinar changes made by organizers in the chat, applied over the series file."""

from __future__ import annotations

import dataclasses
import logging
from typing import TYPE_CHECKING, Any

from bot.clock import from_iso
from bot.domain.materials import MaterialError, decode_materials
from storage.overrides import OverrideStore

if TYPE_CHECKING:
    from collections.abc import Iterable, Mapping

    from bot.domain.series import Series, Webinar
    from storage.database import Database

log = logging.getLogger(__name__)


def apply_overrides(series: Series, rows: Iterable[Mapping[str, Any]]) -> Series:
    """Return the series with each stored override (start, link, materials) applied."""
    by_id = {row["webinar_id"]: row for row in rows}
    webinars: list[Webinar] = []
    for webinar in series.webinars:
        row = by_id.get(webinar.id)
        webinars.append(webinar if row is None else _override(webinar, row))
    for unknown in sorted(set(by_id) - {w.id for w in series.webinars}):
        log.warning("override of webinar %s ignored: not in the series file", unknown)
    ordered = tuple(sorted(webinars, key=lambda w: (w.starts_at, w.id)))
    return series if ordered == series.webinars else dataclasses.replace(series, webinars=ordered)


def _override(webinar: Webinar, row: Mapping[str, Any]) -> Webinar:
    """One webinar with its override; an unreadable stored value keeps the file's."""
    changes: dict[str, Any] = {}
    if row.get("starts_at"):
        try:
            changes["starts_at"] = from_iso(str(row["starts_at"]))
        except ValueError:
            log.warning("override of webinar %s: unreadable start ignored", webinar.id)
    if row.get("join_url"):
        changes["join_url"] = str(row["join_url"])
    if row.get("recording_url"):
        changes["recording_url"] = str(row["recording_url"])
    if row.get("materials"):
        try:
            added = decode_materials(str(row["materials"]))
        except MaterialError:
            log.warning("override of webinar %s: unreadable materials ignored", webinar.id)
        else:
            keys = {m.key for m in webinar.materials}
            changes["materials"] = webinar.materials + tuple(m for m in added if m.key not in keys)
    return dataclasses.replace(webinar, **changes) if changes else webinar


async def series_with_overrides(db: Database, series: Series) -> Series:
    """The series with the overrides stored in the database applied."""
    return apply_overrides(series, await OverrideStore(db).all())

"""Reading the database from outside the bot: read-only, one snapshot, clear errors."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.reporting.export_rows import ExportError, connect_readonly
from storage.database import Database
from storage.readonly import open_readonly
from storage.report_queries import ReportQueries, UnreadableDatabase
from storage.schedule import ScheduleStore
from tests.support.settings import START, example_series


async def stored_series(path: Path) -> list[str]:
    """A database with the example series' webinars stored; their ids in order."""
    series = example_series()
    async with Database(path) as db:
        await ScheduleStore(db).sync(series.webinars, START)
        assert await db.ping()
    return [w.id for w in series.webinars]


def test_open_readonly_never_creates_a_file(tmp_path: Path) -> None:
    """A missing file is an error, not a new empty database."""
    missing = tmp_path / "missing.sqlite3"
    with pytest.raises(sqlite3.OperationalError):
        open_readonly(missing)
    assert not missing.exists()


async def test_open_readonly_cannot_write(tmp_path: Path) -> None:
    """The connection refuses writes."""
    path = tmp_path / "bot.sqlite3"
    await stored_series(path)
    conn = open_readonly(path)
    try:
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            conn.execute("DELETE FROM webinars")
    finally:
        conn.close()


async def test_a_snapshot_does_not_see_later_writes(tmp_path: Path) -> None:
    """One ReportQueries reads the database as it was when opened; the next sees the change."""
    path = tmp_path / "bot.sqlite3"
    ids = await stored_series(path)
    with ReportQueries.open(path) as queries:
        assert queries.webinar_ids() == ids
        async with Database(path) as db:  # the bot goes on writing (WAL)
            await db.execute("UPDATE webinars SET title = 'Moved' WHERE id = ?", (ids[0],))
            await db.execute(
                "INSERT INTO webinars(id, title, starts_at, ends_at, join_url, position,"
                " updated_at) SELECT 'extra', title, starts_at, ends_at, join_url, 99,"
                " updated_at FROM webinars WHERE id = ?",
                (ids[0],),
            )
        assert queries.webinar_ids() == ids
        assert queries.webinars()[ids[0]][0] != "Moved"
    with ReportQueries.open(path) as queries:
        assert queries.webinar_ids() == [*ids, "extra"]
        assert queries.webinars()[ids[0]][0] == "Moved"


async def test_unreadable_files_are_named_in_one_line(tmp_path: Path) -> None:
    """Missing and foreign files give one line naming the file; exports add DATABASE_PATH."""
    missing = tmp_path / "missing.sqlite3"
    with pytest.raises(UnreadableDatabase, match=r"missing\.sqlite3 not found$"):
        ReportQueries.open(missing)
    garbage = tmp_path / "garbage.sqlite3"
    garbage.write_bytes(b"not a database at all" * 100)
    with pytest.raises(UnreadableDatabase, match=r"^cannot read .*garbage\.sqlite3 \("):
        ReportQueries.open(garbage)
    with pytest.raises(ExportError, match=r"^DATABASE_PATH: .*missing\.sqlite3 not found$"):
        connect_readonly(missing)


async def test_only_known_columns_and_sources_reach_the_sql(tmp_path: Path) -> None:
    """Column and source names put into the SQL text are checked against fixed lists."""
    path = tmp_path / "bot.sqlite3"
    ids = await stored_series(path)
    with ReportQueries.open(path) as queries:
        assert queries.people_unique("sex", ids) == {}
        assert queries.count_participants() == queries.count_participants(ids) == 0
        with pytest.raises(ValueError, match="unknown dimension"):
            queries.people_per_webinar("email", ids)
        with pytest.raises(ValueError, match="unknown dimension"):
            queries.people_unique("1) OR (1", ids)
        with pytest.raises(ValueError, match="no typed text"):
            queries.typed_names("sex", ids)
        with pytest.raises(ValueError, match="unknown source"):
            queries.people_unique("sex", ids, "outbox")

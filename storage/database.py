"""The database class: one aiosqlite connection, writes serialised, numbered SQL migrations."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import aiosqlite

from storage.schema_versions import MigrationError, available_migrations

if TYPE_CHECKING:
    from collections.abc import AsyncIterator, Iterable, Sequence

log = logging.getLogger(__name__)

FOREIGN_KEYS_OFF = "-- foreign_keys: off"


class Database:
    """Owns the SQLite connection: reads run directly, writes go through one lock."""

    def __init__(self, path: Path | str) -> None:
        self.path = Path(path) if str(path) != ":memory:" else path
        self._conn: aiosqlite.Connection | None = None
        self._write_lock = asyncio.Lock()

    @property
    def conn(self) -> aiosqlite.Connection:
        """The open connection (raises when the database is closed)."""
        if self._conn is None:
            raise RuntimeError("database is not open")
        return self._conn

    async def open(self, upto: int | None = None) -> None:
        """Open the file, set pragmas and apply pending migrations (up to `upto`)."""
        self._conn = await aiosqlite.connect(str(self.path), isolation_level=None)
        self._conn.row_factory = sqlite3.Row
        await self._conn.execute("PRAGMA journal_mode=WAL")
        await self._conn.execute("PRAGMA foreign_keys=ON")
        await self._conn.execute("PRAGMA synchronous=NORMAL")
        await self._conn.execute("PRAGMA busy_timeout=5000")
        await self._conn.execute("PRAGMA secure_delete=ON")  # erased values are overwritten
        try:
            await self.migrate(upto)
        except BaseException:
            await self.close()
            raise

    async def close(self) -> None:
        """Close the connection if it is open."""
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    async def __aenter__(self) -> Database:
        await self.open()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def schema_version(self) -> int:
        """Return the highest applied migration number (0 for an empty database)."""
        row = await self.fetchone(
            "SELECT name FROM sqlite_master WHERE type='table' AND name='schema_migrations'"
        )
        if row is None:
            return 0
        row = await self.fetchone("SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations")
        return int(row["v"]) if row else 0

    async def ping(self) -> bool:
        """Whether the connection answers a query."""
        row = await self.fetchone("SELECT 1 AS one")
        return bool(row and row["one"] == 1)

    async def migrate(self, upto: int | None = None) -> list[int]:
        """Apply every migration newer than the database's version; return those applied."""
        migrations = available_migrations()
        latest = migrations[-1][0] if migrations else 0
        current = await self.schema_version()
        if current > latest:
            raise MigrationError(
                f"database schema version {current} is newer than this program's ({latest}); "
                "upgrade webinar-bot"
            )
        applied = []
        async with self._write_lock:
            for number, path in migrations:
                if number <= current or (upto is not None and number > upto):
                    continue
                script = path.read_text(encoding="utf-8")
                await self._apply(number, path.name, script)
                log.info("applied migration %s", path.name)
                applied.append(number)
        return applied

    async def _apply(self, number: int, name: str, script: str) -> None:
        """Run one migration in a transaction and record it.

        A migration whose first line is `-- foreign_keys: off` rebuilds a table that others
        reference: foreign keys are off while it runs (SQLite's documented procedure for
        changing a table's definition) and checked before it commits.
        """
        keys_off = script.startswith(FOREIGN_KEYS_OFF)
        if keys_off:
            await self.conn.execute("PRAGMA foreign_keys=OFF")
        try:
            await self.conn.executescript("BEGIN IMMEDIATE;\n" + script)
            if keys_off:
                broken = list(await self.conn.execute_fetchall("PRAGMA foreign_key_check"))
                if broken:
                    raise sqlite3.IntegrityError(f"{len(broken)} rows break a foreign key")
            await self.conn.execute(
                "INSERT INTO schema_migrations(version, applied_at) "
                "VALUES (?, strftime('%Y-%m-%dT%H:%M:%SZ','now'))",
                (number,),
            )
            await self.conn.execute("COMMIT")
        except sqlite3.Error as exc:
            if self.conn.in_transaction:
                await self.conn.execute("ROLLBACK")
            raise MigrationError(f"migration {name} failed: {exc}") from exc
        finally:
            if keys_off:
                await self.conn.execute("PRAGMA foreign_keys=ON")

    async def checkpoint(self) -> bool:
        """Fold the WAL into the database and truncate it; False when a reader kept it busy.

        After an erasure, the old values then survive neither in the WAL nor in free pages
        (secure_delete is on).
        """
        async with self._write_lock:
            rows = await self.conn.execute_fetchall("PRAGMA wal_checkpoint(TRUNCATE)")
        busy = bool(next(iter(rows), (0,))[0])
        if busy:
            log.warning("the WAL could not be folded in after an erasure (a reader was busy)")
        return not busy

    # Each aiosqlite call is a hop to its worker thread, so reads and single writes use one
    # call each: execute_fetchall for reads, and autocommit (a statement alone is atomic).

    async def fetchone(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> Any:
        """Run a query and return its first row or None."""
        rows = list(await self.conn.execute_fetchall(sql, params))
        return rows[0] if rows else None

    async def fetchall(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[Any]:
        """Run a query and return all its rows."""
        return list(await self.conn.execute_fetchall(sql, params))

    async def execute(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> int:
        """Run one write statement (atomic on its own); return the affected row count."""
        async with self._write_lock:
            cursor = await self.conn.execute(sql, params)
            return cursor.rowcount

    async def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        """Run one write statement for many rows in one transaction."""
        async with self.transaction() as conn:
            await conn.executemany(sql, rows)

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """Serialise a write transaction: BEGIN IMMEDIATE ... COMMIT, rolled back on error."""
        async with self._write_lock:
            await self.conn.execute("BEGIN IMMEDIATE")
            try:
                yield self.conn
            except BaseException:
                await self.conn.execute("ROLLBACK")
                raise
            else:
                await self.conn.execute("COMMIT")

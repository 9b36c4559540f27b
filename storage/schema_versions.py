"""The numbered migration files in storage/migrations, and the error about the schema's version.

Kept apart from storage.database so that reading the latest schema version (backup, check,
health) does not load the asynchronous driver.
"""

from __future__ import annotations

import re
from pathlib import Path

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
_MIGRATION_NAME = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")


class MigrationError(RuntimeError):
    """The database's schema is newer than this code or a migration failed."""


def available_migrations(directory: Path = MIGRATIONS_DIR) -> list[tuple[int, Path]]:
    """Return the numbered migration files in order."""
    found = []
    for path in directory.iterdir():
        match = _MIGRATION_NAME.match(path.name)
        if match:
            found.append((int(match.group(1)), path))
    found.sort()
    numbers = [number for number, _ in found]
    if numbers != list(range(1, len(numbers) + 1)):
        raise MigrationError(f"migrations are not numbered 1..N without gaps: {numbers}")
    return found

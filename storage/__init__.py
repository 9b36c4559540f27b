"""SQLite storage: the one source of truth for participants, webinars and conversations."""

from storage.database import Database, MigrationError

__all__ = ["Database", "MigrationError"]

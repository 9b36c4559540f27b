"""SQLite storage: the one source of truth for participants, webinars and conversations."""

"""Small pieces of SQL text shared by the stores."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Collection


def placeholders(values: Collection[object]) -> str:
    """'?, ?, ?' for an IN (...) list of these values; '' for none.

    SQLite reads `IN ()` as matching nothing and `NOT IN ()` as matching everything, which is
    what an empty list means; `NOT IN (NULL)` would match nothing.
    """
    return ", ".join("?" * len(values))

"""The read-only queries of exports, statistics and the report, on one snapshot of the database.

`ReportQueries.open` reads the file through storage.readonly in one read transaction, so every
query sees the database as it stood at that moment while the bot goes on writing. Rows are
plain tuples; long results are streamed in chunks (`CHUNK` rows), so an export of any size
runs in bounded memory. People are counted by the codes stored, erased participants included;
free text is read only from participants who have not erased their data.

Queries built as f-strings interpolate only "?" placeholders, question ranks, and column and
table names from the fixed lists below (checked before use); every value is a parameter.
"""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any, Final

from storage.readonly import ReadOnlyConnection, open_readonly
from storage.sql import placeholders

if TYPE_CHECKING:
    from collections.abc import Iterator, Sequence
    from pathlib import Path

CHUNK: Final = 2000
# Participant columns that people are counted by, and those with a typed "other" text.
PEOPLE_COLUMNS: Final = ("country", "sex", "institution")
TYPED_COLUMNS: Final = ("country", "institution")
# Where people are counted from: registrations, or attendance records of people who attended.
_SOURCES: Final = {
    "registered": ("registrations", ""),
    "attended": ("attendance", " AND x.attended = 1"),
}

Row = tuple[Any, ...]

# The feedback export's rows in one SELECT (what the benchmark gives the sqlite3 shell). The
# export reads the same rows as two streams merged in order: respondents, then their answers.
FEEDBACK_SQL: Final = (
    "SELECT r.id, r.participant_id, p.erased_at, p.full_name, p.country, p.country_other,"
    " p.institution, p.institution_other, p.sex, a.question_key, a.value, a.answered_at"
    " FROM responses r JOIN answers a ON a.response_id = r.id"
    " JOIN participants p ON p.id = r.participant_id"
    " WHERE r.webinar_id = ? ORDER BY r.participant_id, a.question_key"
)
_RESPONDENTS_SQL: Final = (
    "SELECT r.id, r.participant_id, p.erased_at, p.full_name, p.country, p.country_other,"
    " p.institution, p.institution_other, p.sex FROM responses r"
    " JOIN participants p ON p.id = r.participant_id"
    " WHERE r.webinar_id = ? ORDER BY r.participant_id"
)
_PARTICIPANTS_SQL: Final = (
    "SELECT p.id, p.full_name, p.country, p.country_other, p.institution, p.institution_other,"
    " p.position, p.sex, p.email, p.language, p.timezone, p.registered_at,"
    " (SELECT group_concat(webinar_id, ';') FROM (SELECT r2.webinar_id FROM registrations r2"
    "   JOIN webinars w ON w.id = r2.webinar_id WHERE r2.participant_id = p.id"
    "   ORDER BY w.position)),"
    " (SELECT group_concat(webinar_id, ';') FROM (SELECT q.webinar_id"
    "   FROM registration_requests q JOIN webinars w ON w.id = q.webinar_id"
    "   WHERE q.participant_id = p.id AND q.state = 'waiting_list' ORDER BY w.position))"
    " FROM participants p WHERE p.erased_at IS NULL {where} ORDER BY p.id"
)


class UnreadableDatabase(Exception):
    """The database file is missing or cannot be read; str() says which file and why."""


def _source(source: str) -> tuple[str, str]:
    """The table and condition people are counted from (ValueError for an unknown source)."""
    if source not in _SOURCES:
        raise ValueError(f"unknown source {source!r}")
    return _SOURCES[source]


class ReportQueries(ReadOnlyConnection):
    """Queries on a read-only connection held in one read transaction."""

    @classmethod
    def open(cls, path: Path) -> ReportQueries:
        """Open the file read-only in one snapshot (UnreadableDatabase when it cannot)."""
        if not path.is_file():
            raise UnreadableDatabase(f"{path} not found")
        conn: sqlite3.Connection | None = None
        try:
            conn = open_readonly(path)
            conn.execute("BEGIN")
            conn.execute("SELECT 1 FROM webinars LIMIT 1").fetchall()
        except sqlite3.Error as exc:
            if conn is not None:
                conn.close()
            raise UnreadableDatabase(f"cannot read {path} ({exc})") from None
        return cls(conn)

    def _stream(self, sql: str, params: Sequence[Any] = ()) -> Iterator[Row]:
        """Every row of a query, fetched in chunks."""
        for chunk in self._chunks(sql, params):
            yield from chunk

    def _chunks(self, sql: str, params: Sequence[Any] = ()) -> Iterator[list[Row]]:
        """The rows of a query, `CHUNK` at a time."""
        cursor = self._conn.execute(sql, params)
        while rows := cursor.fetchmany(CHUNK):
            yield rows

    def _count(self, sql: str, params: Sequence[Any] = ()) -> int:
        """The single number a COUNT query returns."""
        return int(self._conn.execute(sql, params).fetchone()[0])

    # Webinars

    def webinar_ids(self) -> list[str]:
        """The stored webinars' ids in series order."""
        return [
            row[0] for row in self._conn.execute("SELECT id FROM webinars ORDER BY position, id")
        ]

    def webinars(self) -> dict[str, tuple[str, str, str]]:
        """Each stored webinar's title, start and end (UTC ISO text), by id."""
        return {
            row[0]: row[1:]
            for row in self._conn.execute("SELECT id, title, starts_at, ends_at FROM webinars")
        }

    # Export rows

    def participants(self, webinar: str | None = None, unregistered: bool = False) -> Iterator[Row]:
        """Participants not erased, by id: all, a webinar's registrants, or the unregistered.

        Rows: id, full name, country, country other, institution, institution other,
        position, sex, e-mail, language, time zone, registered at, webinar ids joined by ';',
        ids of the webinars whose waiting list they are on, joined by ';'.
        """
        if unregistered:
            return self._stream(
                _PARTICIPANTS_SQL.format(
                    where="AND NOT EXISTS (SELECT 1 FROM registrations r"
                    " WHERE r.participant_id = p.id)"
                )
            )
        if webinar is None:
            return self._stream(_PARTICIPANTS_SQL.format(where=""))
        return self._stream(
            _PARTICIPANTS_SQL.format(
                where="AND EXISTS (SELECT 1 FROM registrations r WHERE r.participant_id = p.id"
                " AND r.webinar_id = ?)"
            ),
            (webinar,),
        )

    def attendance(self, webinar: str) -> Iterator[Row]:
        """A webinar's attendance records of participants not erased, by participant id.

        Rows: participant id, full name, country, country other, institution, institution
        other, sex, attended (0 or 1), source, minutes.
        """
        return self._stream(
            "SELECT p.id, p.full_name, p.country, p.country_other, p.institution,"
            " p.institution_other, p.sex, a.attended, a.source, a.minutes FROM attendance a"
            " JOIN participants p ON p.id = a.participant_id"
            " WHERE a.webinar_id = ? AND p.erased_at IS NULL ORDER BY p.id",
            (webinar,),
        )

    def questions(self, webinar: str) -> Iterator[Row]:
        """A webinar's questions for the speakers not withdrawn, by topic (none last), then id.

        Rows: question id, topic index or None, text, anonymous (0 or 1), asked at, the
        author's full name, the author's erased-at.
        """
        return self._stream(
            "SELECT q.id, q.topic, q.text, q.anonymous, q.asked_at, p.full_name, p.erased_at"
            " FROM speaker_questions q JOIN participants p ON p.id = q.participant_id"
            " WHERE q.webinar_id = ? AND q.withdrawn_at IS NULL"
            " ORDER BY q.topic IS NULL, q.topic, q.id",
            (webinar,),
        )

    def answer_chunks(
        self, webinar: str, keys: Sequence[str] = (), raw: bool = False
    ) -> Iterator[list[Row]]:
        """A webinar's answers in response order, then in the order of `keys`, then by key.

        Rows: response id, question key, value, answered at. With `raw`, rows are (response
        id, b"key=value" (b"key" when skipped), answered at as bytes), in key order.
        """
        ranks = " ".join(f"WHEN ? THEN {n}" for n in range(len(keys)))
        position = f"CASE a.question_key {ranks} ELSE {len(keys)} END, " if keys else ""
        columns = (
            "CAST(a.question_key || coalesce('=' || a.value, '') AS BLOB),"
            " CAST(a.answered_at AS BLOB)"
            if raw
            else "a.question_key, a.value, a.answered_at"
        )
        return self._chunks(
            f"SELECT r.id, {columns} FROM responses r"
            " JOIN answers a ON a.response_id = r.id WHERE r.webinar_id = ?"
            f" ORDER BY r.participant_id, {position}a.question_key",
            (webinar, *keys),
        )

    def respondents(self, webinar: str) -> Iterator[Row]:
        """A webinar's responses in the answers' order, with who gave them.

        Rows: response id, participant id, erased at, full name, country, country other,
        institution, institution other, sex.
        """
        return self._stream(_RESPONDENTS_SQL, (webinar,))

    def count_participants(self, webinars: Sequence[str] | None = None) -> int:
        """Participants not erased (registered for one of `webinars`, when given)."""
        if webinars is None:
            return self._count("SELECT COUNT(*) FROM participants p WHERE p.erased_at IS NULL")
        return self._count(
            "SELECT COUNT(*) FROM participants p WHERE p.erased_at IS NULL AND EXISTS"
            " (SELECT 1 FROM registrations r WHERE r.participant_id = p.id"
            f" AND r.webinar_id IN ({placeholders(webinars)}))",
            webinars,
        )

    def count_questions(self, webinars: Sequence[str]) -> int:
        """Questions for the speakers not withdrawn, of `webinars`."""
        return self._count(
            "SELECT COUNT(*) FROM speaker_questions WHERE withdrawn_at IS NULL"
            f" AND webinar_id IN ({placeholders(webinars)})",
            webinars,
        )

    def count_attendance(self, webinars: Sequence[str]) -> int:
        """Attendance records of participants not erased in these webinars."""
        return self._count(
            "SELECT COUNT(*) FROM attendance a JOIN participants p ON p.id = a.participant_id"
            f" WHERE p.erased_at IS NULL AND a.webinar_id IN ({placeholders(webinars)})",
            webinars,
        )

    def count_registrations(self, webinars: Sequence[str] | None = None) -> int:
        """Registrations of participants not erased (for these webinars, when given)."""
        where = "" if webinars is None else f" AND r.webinar_id IN ({placeholders(webinars)})"
        return self._count(
            "SELECT COUNT(*) FROM registrations r JOIN participants p"
            f" ON p.id = r.participant_id WHERE p.erased_at IS NULL{where}",
            webinars or (),
        )

    def count_responses(self, webinars: Sequence[str]) -> int:
        """Survey responses with at least one answer in these webinars."""
        return self._count(
            "SELECT COUNT(*) FROM responses r WHERE EXISTS"
            " (SELECT 1 FROM answers a WHERE a.response_id = r.id)"
            f" AND r.webinar_id IN ({placeholders(webinars)})",
            webinars,
        )

    def count_answers(self, webinars: Sequence[str]) -> int:
        """Survey answers given in these webinars."""
        return self._count(
            "SELECT COUNT(*) FROM answers a JOIN responses r ON r.id = a.response_id"
            f" WHERE r.webinar_id IN ({placeholders(webinars)})",
            webinars,
        )

    # Statistics

    def people_per_webinar(
        self, column: str, webinars: Sequence[str], source: str = "registered"
    ) -> list[tuple[str, str, int]]:
        """(webinar, code, people) of registered (or attending) people by one column."""
        if column not in PEOPLE_COLUMNS:
            raise ValueError(f"unknown dimension {column!r}")
        table, condition = _source(source)
        return self._conn.execute(
            f"SELECT x.webinar_id, p.{column}, COUNT(*) FROM {table} x JOIN participants p"
            f" ON p.id = x.participant_id WHERE x.webinar_id IN ({placeholders(webinars)})"
            f"{condition} GROUP BY 1, 2",
            webinars,
        ).fetchall()

    def people_unique(
        self, column: str, webinars: Sequence[str], source: str = "registered"
    ) -> dict[str, int]:
        """People by code of one column, each counted once over these webinars."""
        if column not in PEOPLE_COLUMNS:
            raise ValueError(f"unknown dimension {column!r}")
        table, condition = _source(source)
        return dict(
            self._conn.execute(
                f"SELECT p.{column}, COUNT(*) FROM participants p WHERE EXISTS (SELECT 1"
                f" FROM {table} x WHERE x.participant_id = p.id AND x.webinar_id IN"
                f" ({placeholders(webinars)}){condition}) GROUP BY 1",
                webinars,
            ).fetchall()
        )

    def registered_count(self, webinar: str) -> int:
        """Registrations for a webinar."""
        return self._count("SELECT COUNT(*) FROM registrations WHERE webinar_id = ?", (webinar,))

    def attendance_by_sex(self, webinar: str) -> list[tuple[int, str, int]]:
        """(attended 0 or 1, sex, people) of a webinar's attendance records."""
        return self._conn.execute(
            "SELECT a.attended, p.sex, COUNT(*) FROM attendance a"
            " JOIN participants p ON p.id = a.participant_id WHERE a.webinar_id = ?"
            " GROUP BY 1, 2",
            (webinar,),
        ).fetchall()

    def attended_by_source(self, webinar: str) -> dict[str, int]:
        """A webinar's attendances (attended = 1) counted by where they come from."""
        return dict(
            self._conn.execute(
                "SELECT source, COUNT(*) FROM attendance WHERE webinar_id = ? AND attended = 1"
                " GROUP BY source",
                (webinar,),
            ).fetchall()
        )

    def certificate_counts(self, webinars: Sequence[str]) -> dict[str, int]:
        """Certificates of participation made per webinar (0 for a webinar with none)."""
        rows = self._conn.execute(
            "SELECT webinar_id, COUNT(*) FROM certificates"
            f" WHERE webinar_id IN ({placeholders(webinars)}) GROUP BY webinar_id",
            list(webinars),
        ).fetchall()
        return {webinar: 0 for webinar in webinars} | {webinar: int(n) for webinar, n in rows}

    def responses_by_status(self, webinar: str) -> dict[str, int]:
        """A webinar's survey responses counted by status."""
        return dict(
            self._conn.execute(
                "SELECT status, COUNT(*) FROM responses WHERE webinar_id = ? GROUP BY 1",
                (webinar,),
            ).fetchall()
        )

    def attended_count(self, webinar: str) -> int:
        """People recorded as having attended a webinar."""
        return self._count(
            "SELECT COUNT(*) FROM attendance WHERE webinar_id = ? AND attended = 1", (webinar,)
        )

    def rating_averages(self, webinar: str) -> dict[str, tuple[int, float]]:
        """Per question key: how many answers from 1 to 5, and their average."""
        return {
            key: (n, average)
            for key, n, average in self._conn.execute(
                "SELECT a.question_key, COUNT(*), AVG(CAST(a.value AS INTEGER)) FROM answers a"
                " JOIN responses r ON r.id = a.response_id WHERE r.webinar_id = ?"
                " AND a.value GLOB '[1-5]' GROUP BY 1",
                (webinar,),
            )
        }

    def choice_counts(self, webinar: str, key: str) -> dict[int, int]:
        """How often each choice number was answered to one question of a webinar."""
        return {
            int(value): n
            for value, n in self._conn.execute(
                "SELECT a.value, COUNT(*) FROM answers a JOIN responses r ON r.id = a.response_id"
                " WHERE r.webinar_id = ? AND a.question_key = ? AND a.value GLOB '[0-9]*'"
                " AND a.value NOT GLOB '*[^0-9]*' GROUP BY 1",
                (webinar, key),
            )
        }

    def typed_names(
        self, column: str, webinars: Sequence[str], source: str = "registered"
    ) -> list[str]:
        """The texts typed for "other" (state or institution) by people not erased, by id."""
        if column not in TYPED_COLUMNS:
            raise ValueError(f"no typed text for {column!r}")
        table, condition = _source(source)
        return [
            text
            for (text,) in self._conn.execute(
                f"SELECT p.{column}_other FROM participants p WHERE p.{column} = 'other'"
                f" AND p.erased_at IS NULL AND p.{column}_other IS NOT NULL AND EXISTS"
                f" (SELECT 1 FROM {table} x WHERE x.participant_id = p.id"
                f" AND x.webinar_id IN ({placeholders(webinars)}){condition}) ORDER BY p.id",
                list(webinars),
            )
        ]

    def text_answers(self, webinar: str, keys: Sequence[str]) -> list[str]:
        """Answers to these questions in completed responses of people not erased, in order."""
        if not keys:
            return []
        return [
            value
            for (value,) in self._conn.execute(
                "SELECT a.value FROM answers a JOIN responses r ON r.id = a.response_id"
                " JOIN participants p ON p.id = r.participant_id WHERE r.webinar_id = ?"
                " AND r.status = 'completed' AND p.erased_at IS NULL AND a.question_key IN"
                f" ({placeholders(keys)}) AND a.value IS NOT NULL ORDER BY r.id, a.question_key",
                (webinar, *keys),
            )
        ]

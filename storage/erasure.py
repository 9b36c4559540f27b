"""Erasure of one person's personal data, everywhere, inside the caller's transaction.

The one definition of what /forget (and the retention of an ended series) erases and keeps;
`ParticipantStore.erase` and `erase_everyone` run it and then fold the WAL in.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from storage import approvals
from storage.sql import placeholders
from storage.waiting_list import erase_requests

if TYPE_CHECKING:
    from collections.abc import Collection

    import aiosqlite

# Who did something, once that person is erased (organizer actions, broadcasts, changes).
ERASED_PERSON = 0


async def erase_person(
    conn: aiosqlite.Connection,
    telegram_id: int | None,
    stamp: str,
    keep_answers: Collection[str],
    give_up: Collection[str] = (),
) -> bool:
    """Inside a transaction, erase every personal field about this Telegram user, everywhere.

    What stays is anonymous: the participant row's state, institution type, sex, language, time
    zone and dates (for the series' counts), their registrations, attendance and delivery
    outcomes, and survey answers to the questions in `keep_answers` (ratings and choices).
    Free-text answers, names, position, e-mail, the Telegram id, conversations, code attempts,
    requests for a seat (waiting lists), the seats in `give_up`, the organizer role and their
    id in the organizers' records are erased.
    """
    if telegram_id is None:
        return False
    rows = list(
        await conn.execute_fetchall(
            "SELECT id FROM participants WHERE telegram_id = ?", (telegram_id,)
        )
    )
    for (participant_id,) in rows:
        await conn.execute(
            "UPDATE participants SET telegram_id = NULL, full_name = NULL, position = NULL,"
            " email = NULL, country_other = NULL, institution_other = NULL,"
            " unreachable_reason = NULL, erased_at = ?, updated_at = ? WHERE id = ?",
            (stamp, stamp, participant_id),
        )
        keep = sorted(keep_answers)
        await conn.execute(
            "UPDATE answers SET value = NULL WHERE response_id IN"
            " (SELECT id FROM responses WHERE participant_id = ?)"
            f" AND question_key NOT IN ({placeholders(keep)})",
            (participant_id, *keep),
        )
        await conn.execute(
            "UPDATE outbox SET status = CASE WHEN status = 'pending' THEN 'cancelled'"
            " ELSE status END, last_error = NULL WHERE participant_id = ?",
            (participant_id,),
        )
        await erase_requests(conn, participant_id, give_up)
    person = (telegram_id,)
    await conn.execute("DELETE FROM conversations WHERE telegram_id = ?", person)
    await conn.execute("DELETE FROM code_attempts WHERE telegram_id = ?", person)
    await conn.execute("DELETE FROM organizers WHERE telegram_id = ?", person)
    await approvals.forget_decider(conn, telegram_id, ERASED_PERSON)
    await conn.execute("UPDATE organizers SET added_by = ? WHERE added_by = ?", (0, telegram_id))
    await conn.execute(
        "UPDATE organizer_actions SET telegram_id = ? WHERE telegram_id = ?",
        (ERASED_PERSON, telegram_id),
    )
    await conn.execute(
        "UPDATE organizer_actions SET detail = '{}' WHERE instr(detail, ?) > 0",
        (str(telegram_id),),
    )
    await conn.execute(
        "UPDATE broadcasts SET created_by = ?, chat_id = ? WHERE created_by = ? OR chat_id = ?",
        (ERASED_PERSON, ERASED_PERSON, telegram_id, telegram_id),
    )
    await conn.execute(
        "UPDATE webinar_overrides SET changed_by = ? WHERE changed_by = ?",
        (ERASED_PERSON, telegram_id),
    )
    return bool(rows)

"""A deterministic data set for the statistics and report tests (seeded random)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot.clock import to_iso
from bot.domain.questions import anonymous_answer_keys
from bot.domain.series import Series
from storage.database import Database
from storage.participants import ParticipantStore
from storage.schedule import ScheduleStore
from tests.support.settings import START

if TYPE_CHECKING:
    from bot.domain.series import Series

STATES = ["AG", "BZ", "GY", "LC", "VC", "TT"]
INSTITUTIONS = [
    "foreign_affairs",
    "national_security",
    "finance",
    "police",
    "defence",
    "forensics",
    "customs",
    "other",
]
SEXES = ["woman", "man", "woman", "man", "undisclosed"]
# Free text with Markdown and HTML in it: the report must print it inert.
TEXTS = [
    "More on *ballistics* <b>please</b>",
    "# Training [link](http://x.org)",
    "- tracing & marking",
    "1. a list?",
    "Regional `cooperation`",
    None,
]
ERASED_NAME = "Erased Person Zeta"


@dataclass
class DataSet:
    """What the database holds."""

    path: Path
    series: Series
    erased: set[int]  # participant ids erased with /forget
    erased_names: list[str]  # their names, which must appear nowhere
    no_attendance: str  # a webinar with no attendance recorded


async def build(db: Database, series: Series, count: int = 200, seed: int = 11) -> DataSet:
    """~200 participants over 6 states (a few "other"), responses, answers, attendance."""
    await ScheduleStore(db).sync(series.webinars, START)
    store = ParticipantStore(db)
    rng = random.Random(seed)
    webinars = [w.id for w in series.webinars]
    for i in range(count):
        other = i % 37 == 5
        institution = rng.choice(INSTITUTIONS)
        await store.create(
            5000 + i,
            {
                "language": rng.choice(["en", "es"]),
                "full_name": ERASED_NAME if i % 50 == 7 else f"Person {i}",
                "country": "other" if other else rng.choice(STATES),
                "country_other": ("Jamaica" if i % 2 else "Panamá <i>") if other else None,
                "institution": institution,
                "institution_other": "Coast *Guard*" if institution == "other" else None,
                "position": "Officer",
                "sex": rng.choice(SEXES),
                "email": None,
                "timezone": "America/Guyana",
                "webinars": rng.sample(webinars, rng.randint(1, 3)),
                "consent_at": to_iso(START),
                "consent_version": "test",
            },
            START,
        )
    rows = await db.fetchall(
        "SELECT participant_id, webinar_id FROM registrations ORDER BY participant_id, webinar_id"
    )
    no_attendance = webinars[-1]
    responses, answers, attendance = [], [], []
    for number, row in enumerate(rows, 1):
        webinar = series.webinar(row["webinar_id"])
        assert webinar is not None
        attended = rng.random() < 0.7
        if webinar.id != no_attendance and rng.random() < 0.9:
            attendance.append(
                (
                    row["participant_id"],
                    webinar.id,
                    int(attended),
                    rng.choice(["button", "import", "survey"]),
                    rng.choice([None, 45, 90]),
                    to_iso(START),
                )
            )
        if rng.random() < 0.15:
            continue  # never invited
        status = (
            "absent"
            if not attended and rng.random() < 0.5
            else rng.choice(["invited", "open", "completed", "completed", "completed"])
        )
        responses.append((number, webinar.id, row["participant_id"], status, to_iso(START)))
        if status not in ("open", "completed"):
            continue
        for question in webinar.questions:
            if status == "open" and rng.random() < 0.5:
                break
            if question.kind == "rating":
                value: str | None = str(rng.randint(1, 5)) if rng.random() < 0.95 else None
            elif question.kind == "choice":
                value = str(rng.randrange(len(webinar.topics)))
            else:
                value = rng.choice(TEXTS)
            stamp = to_iso(webinar.ends_at + timedelta(minutes=rng.randrange(600)))
            answers.append((number, question.key, value, stamp))
    await db.executemany(
        "INSERT INTO responses(id, webinar_id, participant_id, status,"
        " updated_at) VALUES (?, ?, ?, ?, ?)",
        responses,
    )
    await db.executemany(
        "INSERT INTO answers(response_id, question_key, value, answered_at) VALUES (?, ?, ?, ?)",
        answers,
    )
    await db.executemany(
        "INSERT INTO attendance(participant_id, webinar_id, attended, source,"
        " minutes, recorded_at) VALUES (?, ?, ?, ?, ?, ?)",
        attendance,
    )
    erased = set()
    for i in range(7, count, 50):
        row = await db.fetchone("SELECT id FROM participants WHERE telegram_id = ?", (5000 + i,))
        await store.erase(
            5000 + i, START, anonymous_answer_keys(w.questions for w in series.webinars)
        )
        erased.add(row["id"])
    return DataSet(Path(db.path), series, erased, [ERASED_NAME], no_attendance)


async def make(path: Path, series: Series, count: int = 200) -> DataSet:
    """Build the data set in a new database file."""
    db = Database(path)
    await db.open()
    try:
        return await build(db, series, count)
    finally:
        await db.close()

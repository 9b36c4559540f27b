"""Seed a bot database with many realistic, deterministic participants via direct SQL."""

from __future__ import annotations

import random
import time
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.clock import to_iso
from bot.domain.catalogue import COUNTRIES, COUNTRY_ZONES, INSTITUTIONS, SEXES
from bot.domain.registration import PRIVACY_NOTICE_VERSION
from storage.database import Database
from storage.participants import PROFILE_COLUMNS

if TYPE_CHECKING:
    from pathlib import Path

    from bot.domain.series import Series

SEED = 2027
FIRST_TELEGRAM_ID = 10_000_000
SEEDED_FROM = datetime(2026, 11, 1, 12, 0, tzinfo=UTC)

FIRST_NAMES = (
    "Ana",
    "José",
    "Kim",
    "Marlon",
    "Aaliyah",
    "Devon",
    "Shanice",
    "Ravi",
    "Keisha",
    "Andre",
    "María",
    "Luis",
    "Nadia",
    "Trevor",
    "Camille",
    "Rohan",
    "Yolanda",
    "Kwame",
    "Indira",
    "Omar",
)
LAST_NAMES = (
    "Smith",
    "Pérez",
    "Lee",
    "Joseph",
    "Charles",
    "Ramdial",
    "Baptiste",
    "Williams",
    "Singh",
    "Alleyne",
    "Gómez",
    "Thomas",
    "Persaud",
    "Alexander",
    "Mohammed",
    "Hernández",
    "Greene",
)
POSITIONS = (
    "Inspector",
    "Analyst",
    "Director",
    "Superintendent",
    "Customs Officer",
    "Legal Advisor",
    "Forensic Examiner",
    "Permanent Secretary",
    "Sergeant",
    "Policy Officer",
    "Prosecutor",
)
OTHER_COUNTRIES = ("Jamaica", "Barbados", "Grenada", "Dominica", "Suriname", "Bahamas")
OTHER_INSTITUTIONS = ("Ministry of Justice", "Coast Guard", "Prison Service", "Academia")
COUNTRY_WEIGHTS = (8, 10, 14, 9, 7, 18, 5)  # AG BZ GY LC VC TT other
SEX_WEIGHTS = (48, 47, 5)


def participant_rows(
    count: int,
    webinar_ids: list[str],
    rng: random.Random,
    registered_from: datetime = SEEDED_FROM,
    spread: timedelta = timedelta(days=60),
    every_webinar: bool = False,
) -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]]]:
    """Build `count` participant rows and their registrations.

    Each registers at a random minute within `spread` after `registered_from`, for 1-3 of
    the webinars, or for every one of them with `every_webinar`.
    """
    minutes = max(1, int(spread.total_seconds() // 60))
    participants: list[tuple[Any, ...]] = []
    registrations: list[tuple[Any, ...]] = []
    for number in range(1, count + 1):
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        country = rng.choices(COUNTRIES, COUNTRY_WEIGHTS)[0]
        institution = rng.choice(INSTITUTIONS)
        registered = registered_from + timedelta(minutes=rng.randrange(minutes))
        stamp = to_iso(registered)
        profile = {
            "language": "es" if rng.random() < 0.2 else "en",
            "full_name": f"{first} {last}",
            "country": country,
            "country_other": rng.choice(OTHER_COUNTRIES) if country == "other" else None,
            "institution": institution,
            "institution_other": (
                rng.choice(OTHER_INSTITUTIONS) if institution == "other" else None
            ),
            "position": rng.choice(POSITIONS),
            "sex": rng.choices(SEXES, SEX_WEIGHTS)[0],
            "email": (
                f"{first}.{last}{number}@example.gov".lower() if rng.random() < 0.85 else None
            ),
            "timezone": COUNTRY_ZONES.get(country, "America/Port_of_Spain"),
        }
        participants.append(
            (
                number,
                FIRST_TELEGRAM_ID + number,
                *(profile[c] for c in PROFILE_COLUMNS),
                stamp,
                PRIVACY_NOTICE_VERSION,
                stamp,
                stamp,
            )
        )
        chosen = (
            webinar_ids
            if every_webinar
            else rng.sample(webinar_ids, rng.randint(1, min(3, len(webinar_ids))))
        )
        for webinar_id in chosen:
            registrations.append((number, webinar_id, stamp))
    return participants, registrations


async def seed_database(
    path: Path,
    series: Series,
    count: int,
    registered_from: datetime = SEEDED_FROM,
    spread: timedelta = timedelta(days=60),
    every_webinar: bool = False,
) -> dict[str, Any]:
    """Create the schema at `path` and insert `count` participants; return what was done.

    `registered_from`, `spread` and `every_webinar` are passed to participant_rows.
    """
    started = time.perf_counter()
    db = Database(path)
    await db.open()
    try:
        # Plain SQL (not the bot's own sync) so the seed only needs the core schema; the bot
        # brings the rows up to date from the series when it starts.
        await db.executemany(
            "INSERT OR IGNORE INTO webinars(id, title, starts_at, ends_at, join_url, position,"
            " updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    w.id,
                    w.title,
                    to_iso(w.starts_at),
                    to_iso(w.ends_at),
                    w.join_url,
                    i,
                    to_iso(SEEDED_FROM),
                )
                for i, w in enumerate(series.webinars)
            ],
        )
        participants, registrations = participant_rows(
            count,
            [w.id for w in series.webinars],
            random.Random(SEED),
            registered_from,
            spread,
            every_webinar,
        )
        columns = (
            "id",
            "telegram_id",
            *PROFILE_COLUMNS,
            "consent_at",
            "consent_version",
            "registered_at",
            "updated_at",
        )
        await db.executemany(
            f"INSERT INTO participants({', '.join(columns)})"
            f" VALUES ({', '.join('?' * len(columns))})",
            participants,
        )
        await db.executemany(
            "INSERT INTO registrations(participant_id, webinar_id, registered_at) VALUES (?, ?, ?)",
            registrations,
        )
        row = await db.fetchone("SELECT COUNT(*) AS n FROM participants")
        stored = int(row["n"])
    finally:
        await db.close()
    return {
        "participants": stored,
        "registrations": len(registrations),
        "seconds": round(time.perf_counter() - started, 3),
    }

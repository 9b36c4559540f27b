"""The registrants behind the platform attendance reports in tests/fixtures/attendance."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "attendance"

PEOPLE = (  # (full name, email) of the registrants in tests/fixtures/attendance/README.md
    ("Amelia Baptiste", "amelia.baptiste@example.gov.tt"),
    ("Marcus De Freitas", "m.defreitas@example.gov.gy"),
    ("Santiago De Compostela", "santiago.dc@example.bz"),
    ("Max Mustermann", "max.mustermann@example.lc"),
    ("Loki Laufeyson", "loki@example.ag"),
    ("Zoë Hernández-Núñez", "zoe.hn@example.vc"),
    ("Renée Charles", "renee.charles@example.lc"),
    ("Kwame Joseph", "kwame.joseph@example.gov.tt"),
)

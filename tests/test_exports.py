"""Exports: CSV, JSON and XLSX read back and compared with what was stored; /export in the chat."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import os
import random
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from bot.clock import from_iso, to_iso
from bot.domain.questions import anonymous_answer_keys
from bot.domain.series import Series
from bot.reporting.export_rows import (
    COLUMNS,
    ExportContext,
    ExportError,
    connect_readonly,
    feedback_rows,
    neutralise,
)
from bot.reporting.export_writers import ExportRequest, feedback_csv, run_export
from bot.reporting.xlsx_writer import sheet_name
from sandbox import SandboxClient
from storage.database import Database
from storage.participants import ParticipantStore
from storage.readonly import open_readonly
from storage.report_queries import FEEDBACK_SQL
from storage.schedule import ScheduleStore
from tests.support.bots import RunningBot
from tests.support.settings import ROOT, START, example_series
from tests.support.users import SimUser

HOSTILE = ["=1+1", "+cmd", "-2", "@SUM(A1)", "\t=x", "\r=x"]
COUNTRIES = ["AG", "BZ", "GY", "LC", "VC", "TT", "other"]
INSTITUTIONS = ["police", "customs", "finance", "other"]
SEXES = ["woman", "man", "undisclosed"]
TEXTS = ["More on imaging, please", 'Say "hello", then', "línea\nnueva", *HOSTILE]


@dataclass
class Seeded:
    """What the test database holds."""

    path: Path
    series: Series
    erased: set[int]  # participant ids erased with /forget
    names: dict[int, str]  # participant id -> full name (not erased)


async def seed(db: Database, series: Series, count: int = 30, seed_value: int = 7) -> Seeded:
    """Participants through the real stores, then responses, answers and attendance by SQL."""
    await ScheduleStore(db).sync(series.webinars, START)
    store = ParticipantStore(db)
    rng = random.Random(seed_value)
    webinars = [w.id for w in series.webinars]
    names: dict[int, str] = {}
    for i in range(count):
        country, institution = rng.choice(COUNTRIES), rng.choice(INSTITUTIONS)
        name = HOSTILE[i] if i < len(HOSTILE) else f"Participant {i}, Jr."
        participant = await store.create(
            2000 + i,
            {
                "language": rng.choice(["en", "es"]),
                "full_name": name,
                "country": country,
                "country_other": "Jamaica" if country == "other" else None,
                "institution": institution,
                "institution_other": "=Coast Guard" if institution == "other" else None,
                "position": HOSTILE[-1 - i % len(HOSTILE)] if i < 12 else "Officer",
                "sex": rng.choice(SEXES),
                "email": None if i % 3 else f"p{i}@example.gov",
                "timezone": "America/Guyana",
                "webinars": rng.sample(webinars, rng.randint(1, 3)),
                "consent_at": to_iso(START),
                "consent_version": "test",
            },
            START,
        )
        names[participant.id] = name
    rows = await db.fetchall("SELECT participant_id, webinar_id FROM registrations")
    responses, answers, attendance = [], [], []
    for number, row in enumerate(rows, 1):
        webinar = series.webinar(row["webinar_id"])
        assert webinar is not None
        status = rng.choice(["invited", "open", "completed", "completed", "absent"])
        responses.append((number, webinar.id, row["participant_id"], status, to_iso(START)))
        attendance.append(
            (
                row["participant_id"],
                webinar.id,
                int(status != "absent"),
                rng.choice(["button", "survey"]),
                rng.choice([None, 45, 90]),
                to_iso(START),
            )
        )
        if status in ("open", "completed"):
            for question in webinar.questions:
                if question.kind == "rating":
                    value: str | None = str(rng.randint(1, 5))
                elif question.kind == "choice":
                    value = str(rng.randrange(len(webinar.topics)))
                else:
                    value = rng.choice([*TEXTS, None])
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
    for telegram_id in (2001, 2000 + count // 3, 2000 + count - 1):  # "+cmd" and two more
        row = await db.fetchone("SELECT id FROM participants WHERE telegram_id = ?", (telegram_id,))
        await store.erase(
            telegram_id, START, anonymous_answer_keys(w.questions for w in series.webinars)
        )
        erased.add(row["id"])
        names.pop(row["id"])
    return Seeded(Path(db.path), series, erased, names)


@pytest.fixture
async def seeded(tmp_path: Path) -> Seeded:
    """A database made with the real migrations and stores, with answers and attendance."""
    db = Database(tmp_path / "export.sqlite3")
    await db.open()
    try:
        return await seed(db, example_series())
    finally:
        await db.close()


def export_text(seeded: Seeded, kind: str, fmt: str, tmp: Path, webinar: str | None = None) -> str:
    """Run an export into a file and return its text."""
    out = tmp / f"{kind}.{fmt}"
    run_export(seeded.path, seeded.series, ExportRequest(kind, fmt, webinar, out))
    with out.open(encoding="utf-8-sig", newline="") as handle:
        return handle.read()


def read_csv(text: str) -> list[dict[str, str]]:
    """CSV text as dicts keyed by the JSON keys."""
    rows = list(csv.reader(io.StringIO(text, newline="")))
    keys = COLUMNS_FOR[tuple(rows[0])]
    return [dict(zip(keys, row, strict=True)) for row in rows[1:]]


COLUMNS_FOR = {
    tuple(h for _, h in columns): [k for k, _ in columns] for columns in COLUMNS.values()
}


def expected_feedback(seeded: Seeded) -> list[tuple[Any, ...]]:
    """Independently: every stored answer as its CSV row should read, in export order."""
    conn = open_readonly(seeded.path)
    ctx = ExportContext.build(seeded.series)
    rows = []
    for webinar in seeded.series.webinars:
        order = {q.key: i for i, q in enumerate(webinar.questions)}
        stored = conn.execute(FEEDBACK_SQL, (webinar.id,)).fetchall()
        stored.sort(key=lambda r: (r[1], order[r[9]]))
        for (
            rid,
            pid,
            erased,
            name,
            country,
            country_other,
            institution,
            institution_other,
            sex,
            key,
            value,
            answered_at,
        ) in stored:
            question = webinar.questions[order[key]]
            if value is None:
                answer = ""
            elif question.kind == "rating":
                answer = str(int(value))
            elif question.kind == "choice":
                answer = webinar.topics[int(value)]
            else:
                answer = value
            identity = (
                ("", "", "", "", "")
                if erased
                else (
                    str(pid),
                    name,
                    country_other if country == "other" else ctx.countries[country],
                    institution_other if institution == "other" else ctx.institutions[institution],
                    ctx.sexes[sex],
                )
            )
            text = ctx.questions[webinar.id][key].text
            rows.append((webinar.id, str(rid), *identity, key, text, answer, answered_at))
    conn.close()
    return rows


def spreadsheet_safe(value: str) -> str:
    """What a CSV/XLSX cell should hold for stored text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


async def test_feedback_csv_has_every_answer_neutralised_and_in_question_order(
    seeded: Seeded, tmp_path: Path
) -> None:
    got = [tuple(r.values()) for r in read_csv(export_text(seeded, "feedback", "csv", tmp_path))]
    want = [tuple(spreadsheet_safe(v) for v in row) for row in expected_feedback(seeded)]
    assert got == want
    assert len(got) > 100
    answers = {row[9] for row in got}
    assert {
        "'=1+1",
        "'+cmd",
        "'-2",
        "'@SUM(A1)",
        "'\t=x",
        "'\r=x",
        'Say "hello", then',
        "línea\nnueva",
    } <= answers


async def test_fast_csv_is_exactly_what_the_csv_module_writes(seeded: Seeded) -> None:
    queries = connect_readonly(seeded.path)
    ctx = ExportContext.build(seeded.series)
    for webinar in seeded.series.webinars:
        fast = b"".join(data for _, data in feedback_csv(queries, ctx, webinar.id)).decode()
        buffer = io.StringIO(newline="")
        csv.writer(buffer).writerows(feedback_rows(queries, ctx, webinar.id, neutralise))
        assert fast == buffer.getvalue()
    queries.close()


async def test_erased_participants_appear_nowhere_and_their_answers_stay_anonymous(
    seeded: Seeded, tmp_path: Path
) -> None:
    participants = read_csv(export_text(seeded, "participants", "csv", tmp_path))
    attendance = read_csv(export_text(seeded, "attendance", "csv", tmp_path))
    feedback = read_csv(export_text(seeded, "feedback", "csv", tmp_path))
    erased = {str(pid) for pid in seeded.erased}
    assert {r["id"] for r in participants} == {str(pid) for pid in seeded.names}
    assert not erased & {r["participant_id"] for r in attendance}
    assert "'+cmd" not in {r["full_name"] for r in participants + attendance + feedback}
    conn = open_readonly(seeded.path)
    erased_responses = {
        str(rid)
        for (rid,) in conn.execute(
            "SELECT r.id FROM responses r JOIN answers a ON a.response_id = r.id"
            f" WHERE r.participant_id IN ({','.join(erased)})"
        )
    }
    conn.close()
    assert erased_responses, "the seed gives erased participants answers"
    anonymous = [r for r in feedback if r["response_id"] in erased_responses]
    assert anonymous and all(
        r["participant_id"] == r["full_name"] == r["country"] == r["institution"] == r["sex"] == ""
        and r["question"]
        for r in anonymous
    )


async def test_participants_and_attendance_match_the_database(
    seeded: Seeded, tmp_path: Path
) -> None:
    participants = read_csv(export_text(seeded, "participants", "csv", tmp_path))
    conn = open_readonly(seeded.path)
    stored = {
        str(r[0]): r
        for r in conn.execute(
            "SELECT id, full_name, country, institution, position, sex, email, language, timezone,"
            " registered_at FROM participants WHERE erased_at IS NULL"
        )
    }
    registrations = {}
    for pid, webinar in conn.execute(
        "SELECT r.participant_id, r.webinar_id FROM registrations r"
        " JOIN webinars w ON w.id = r.webinar_id ORDER BY w.position"
    ):
        registrations.setdefault(str(pid), []).append(webinar)
    for row in participants:
        pid, name, country, institution, position, _sex, email, lang, zone, at = stored[row["id"]]
        assert row["full_name"] == spreadsheet_safe(name)
        assert row["country"] == (
            "Jamaica" if country == "other" else ExportContext.build(None).countries[country]
        )
        assert row["institution"] == (
            "'=Coast Guard"
            if institution == "other"
            else ExportContext.build(None).institutions[institution]
        )
        assert row["position"] == spreadsheet_safe(position)
        assert row["sex"] in ("Woman", "Man", "Prefer not to say")
        assert (row["email"], row["language"], row["timezone"], row["registered_at"]) == (
            email or "",
            lang,
            zone,
            at,
        )
        assert row["webinars"] == ";".join(registrations[row["id"]])
    attendance = read_csv(export_text(seeded, "attendance", "csv", tmp_path))
    stored_attendance = {
        (w, str(p)): (a, s, m)
        for p, w, a, s, m in conn.execute(
            "SELECT a.participant_id, a.webinar_id, a.attended, a.source, a.minutes"
            " FROM attendance a JOIN participants p ON p.id = a.participant_id"
            " WHERE p.erased_at IS NULL"
        )
    }
    conn.close()
    assert {
        (r["webinar_id"], r["participant_id"]): (
            1 if r["attended"] == "yes" else 0,
            r["source"],
            int(r["minutes"]) if r["minutes"] else None,
        )
        for r in attendance
    } == stored_attendance
    one = read_csv(export_text(seeded, "attendance", "csv", tmp_path, "webinar-2"))
    assert one and {r["webinar_id"] for r in one} == {"webinar-2"}


async def test_json_keeps_stored_text_and_numbers(seeded: Seeded, tmp_path: Path) -> None:
    rows = json.loads(export_text(seeded, "feedback", "json", tmp_path))
    want = expected_feedback(seeded)
    assert len(rows) == len(want)
    assert {r["answer"] for r in rows} >= {"=1+1", "\t=x", "\r=x"}
    ratings = [r for r in rows if r["question_key"] == "overall"]
    assert ratings and all(isinstance(r["answer"], int) for r in ratings)
    names = {
        r["full_name"] for r in json.loads(export_text(seeded, "participants", "json", tmp_path))
    }
    assert "=1+1" in names and "+cmd" not in names


async def test_xlsx_sheets_rows_and_summary(seeded: Seeded, tmp_path: Path) -> None:
    out = tmp_path / "feedback.xlsx"
    run_export(seeded.path, seeded.series, ExportRequest("feedback", "xlsx", None, out))
    book = openpyxl.load_workbook(out)
    ids = [w.id for w in seeded.series.webinars]
    titles = [w.title for w in seeded.series.webinars]
    used: set[str] = {"summary"}
    names = [sheet_name(title, used) for title in titles]
    assert book.sheetnames == ["Summary", *names, "Responses"]
    assert all(len(name) <= 31 for name in names)
    zone = seeded.series.timezone
    headers = [header for _, header in COLUMNS["feedback"]]
    headers[-1] = f"answered at ({zone.key})"
    want = expected_feedback(seeded)
    for webinar, name in zip(ids, names, strict=True):
        sheet = book[name]
        assert sheet.freeze_panes == "A2"
        rows = list(sheet.iter_rows(values_only=True))
        assert sheet.auto_filter.ref == f"A1:K{len(rows)}"
        assert list(rows[0]) == headers
        expected = [row for row in want if row[0] == webinar]
        assert len(rows) - 1 == len(expected)
        for got, row in zip(rows[1:], expected, strict=True):
            # openpyxl leaves the standard escape of a carriage return as it is
            cells = [
                "" if v is None else v.replace("_x000D_", "\r") if isinstance(v, str) else v
                for v in got
            ]
            assert isinstance(cells[1], int)
            if row[7] == "overall":
                assert cells[9] == int(row[9])  # ratings are numbers
            stored = from_iso(row[10]).astimezone(zone).replace(tzinfo=None)
            assert isinstance(cells[10], datetime)
            assert abs(cells[10] - stored) < timedelta(seconds=1)
            assert [str(c) for c in cells[:10]] == list(row[:10])  # stored text, no apostrophe
        widths = [sheet.column_dimensions[c].width for c in "IJ"]
        assert widths[0] > 40 and widths[1] >= 8  # from the content: the questions are long
    responses = list(book["Responses"].iter_rows(values_only=True))
    assert book["Responses"].freeze_panes == "A2" and book["Responses"].auto_filter.ref
    header = list(responses[0])
    assert header[:7] == [
        "webinar",
        "response id",
        "participant id",
        "full name",
        "country",
        "institution",
        "sex",
    ]
    by_response: dict[int, dict[str, Any]] = {}
    for row in want:
        by_response.setdefault(int(row[1]), {"webinar": row[0]})[row[7]] = row[9]
    assert len(responses) - 1 == len(by_response)
    ctx = ExportContext.build(seeded.series)
    for got in responses[1:]:
        answers = by_response[got[1]]
        webinar = seeded.series.webinar(answers["webinar"])
        assert webinar is not None and got[0] == webinar.title
        for question in webinar.questions:
            short = textwrap.shorten(webinar.title, 30, placeholder="…")
            text = ctx.questions[webinar.id][question.key].text
            column = header.index(f"{short} · {text}")
            value = got[column]
            expected_value = answers.get(question.key, "")
            shown = "" if value is None else str(value).replace("_x000D_", "\r")
            assert shown == str(expected_value), (question.key, got[1])
    summary = [list(r) for r in book["Summary"].iter_rows(values_only=True)]
    book.close()
    conn = open_readonly(seeded.path)
    by_sex = dict(
        conn.execute(
            "SELECT p.sex, COUNT(*) FROM participants p WHERE EXISTS"
            " (SELECT 1 FROM registrations r WHERE r.participant_id = p.id) GROUP BY 1"
        ).fetchall()
    )
    start = next(i for i, r in enumerate(summary) if r[0] == "Registered participants by sex")
    assert summary[start][1:5] == [*titles, "All (unique people)"]
    table = {r[0]: r[1:5] for r in summary[start + 1 : start + 5]}
    assert table["Woman"][3] == by_sex.get("woman", 0)
    assert table["Total"][3] == sum(by_sex.values()) == 30  # erased people still counted
    per_webinar = dict(
        conn.execute("SELECT webinar_id, COUNT(*) FROM registrations GROUP BY 1").fetchall()
    )
    assert table["Total"][:3] == [per_webinar[w] for w in ids]
    survey = next(i for i, r in enumerate(summary) if r[0] == "Survey per webinar")
    for offset, webinar in enumerate(ids, 1):
        status = dict(
            conn.execute(
                "SELECT status, COUNT(*) FROM responses WHERE webinar_id = ? GROUP BY 1", (webinar,)
            ).fetchall()
        )
        invited, completed = sum(status.values()), status.get("completed", 0)
        row = summary[survey + offset]
        assert row[:2] == [titles[ids.index(webinar)], invited] and row[4] == completed
        assert row[6] == pytest.approx(completed / (invited - status.get("absent", 0)), abs=1e-4)
    ratings = next(i for i, r in enumerate(summary) if r[0] == "Average ratings (1-5)")
    row = summary[ratings + 1]
    values = [
        int(v)
        for (v,) in conn.execute(
            "SELECT a.value FROM answers a JOIN responses r ON r.id = a.response_id"
            " WHERE r.webinar_id = ? AND a.question_key = 'overall'",
            (ids[0],),
        )
    ]
    conn.close()
    assert row[:2] == [titles[0], "overall"] and row[3] == len(values)
    assert row[4] == pytest.approx(sum(values) / len(values), abs=0.005)
    assert any("erased their data with /forget" in str(r[0]) for r in summary)
    assert any(str(r[0]).startswith("Invited: survey responses") for r in summary)


async def test_xlsx_text_is_never_a_formula_and_shows_no_apostrophe(
    seeded: Seeded, tmp_path: Path
) -> None:
    out = tmp_path / "participants.xlsx"
    run_export(seeded.path, seeded.series, ExportRequest("participants", "xlsx", "webinar-2", out))
    book = openpyxl.load_workbook(out)
    title = sheet_name(seeded.series.webinars[1].title, {"summary"})
    assert book.sheetnames == ["Summary", title]
    rows = list(book[title].iter_rows())[1:]
    texts = {cell.value for row in rows for cell in row if isinstance(cell.value, str)}
    assert "=1+1" in texts and not any(t.startswith("'") for t in texts)
    assert {cell.data_type for row in rows for cell in row if cell.value is not None} <= {
        "s",
        "n",
        "d",
    }
    assert all(isinstance(row[0].value, int) for row in rows)
    assert all(isinstance(row[9].value, datetime) for row in rows)
    book.close()


def test_sheet_names_are_valid_and_unique() -> None:
    used: set[str] = set()
    names = [
        sheet_name(title, used)
        for title in ("Summary", "summary", "a" * 40, "a" * 40, "x[1]:y*z?/w\\v", "History", "")
    ]
    assert len({n.lower() for n in names}) == len(names)
    assert all(len(n) <= 31 and not set(n) & set("[]:*?/\\") and n for n in names)
    assert names[1] == "summary (2)" and names[5] != "History"


async def test_unknown_webinar_and_missing_database(seeded: Seeded, tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="unknown webinar id 'nope'"):
        run_export(
            seeded.path, seeded.series, ExportRequest("feedback", "csv", "nope", tmp_path / "x.csv")
        )
    assert not files_named(tmp_path, "*x.csv*")
    with pytest.raises(ExportError, match="not found"):
        run_export(
            tmp_path / "none.sqlite3",
            seeded.series,
            ExportRequest("feedback", "csv", None, tmp_path / "x.csv"),
        )


def files_named(folder: Path, pattern: str) -> list[Path]:
    """Files in a folder matching a glob pattern (hidden ones too)."""
    return list(folder.glob(pattern))


def run_cli(seeded: Seeded, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot export ...` as a real process (output decoded, line ends kept)."""
    series_file = tmp_path / "series.toml"
    series_file.write_text((ROOT / "series.example.toml").read_text(), encoding="utf-8")
    env = {
        **os.environ,
        "DATABASE_PATH": str(seeded.path),
        "SERIES_FILE": str(series_file),
        "BOT_TOKEN": "",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "export", *args, "--env-file", os.devnull],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=60,
        check=False,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


@pytest.mark.slow
async def test_cli_end_to_end(seeded: Seeded, tmp_path: Path) -> None:
    done = await asyncio.to_thread(run_cli, seeded, tmp_path, "feedback", "--format", "csv")
    assert done.returncode == 0, done.stderr
    got = [tuple(r.values()) for r in read_csv(done.stdout)]
    assert got == [tuple(spreadsheet_safe(v) for v in row) for row in expected_feedback(seeded)]
    out = tmp_path / "out.xlsx"
    done = await asyncio.to_thread(
        run_cli, seeded, tmp_path, "attendance", "--format", "xlsx", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert openpyxl.load_workbook(out, read_only=True).sheetnames[0] == "Summary"
    bad = await asyncio.to_thread(run_cli, seeded, tmp_path, "feedback", "--webinar", "nope")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "unknown webinar id 'nope'" in bad.stderr
    no_out = await asyncio.to_thread(run_cli, seeded, tmp_path, "feedback", "--format", "xlsx")
    assert no_out.returncode == 2 and no_out.stderr.count("\n") == 1


async def test_export_command_for_organizers_only(bot: RunningBot, client: SandboxClient) -> None:
    await seed(bot.services.db, bot.services.series, count=10)
    organizer = await SimUser(client, 1000).join()
    await organizer.say("/export feedback csv")
    document = await organizer.next_message()
    name = document["document"]["file_name"]
    assert name == f"feedback-{START.date().isoformat()}.csv"
    conn = open_readonly(bot.services.settings.database_path)
    responses, answers, people, registrations = (
        conn.execute(sql).fetchone()[0]
        for sql in (
            "SELECT COUNT(DISTINCT response_id) FROM answers",
            "SELECT COUNT(*) FROM answers",
            "SELECT COUNT(*) FROM participants WHERE erased_at IS NULL",
            "SELECT COUNT(*) FROM registrations r JOIN participants p"
            " ON p.id = r.participant_id WHERE p.erased_at IS NULL",
        )
    )
    conn.close()
    assert document["caption"] == (
        f"Feedback (CSV)\n{responses} survey responses · {answers} answers"
    )
    content = (await client.file_content(document["document"]["file_id"])).decode("utf-8-sig")
    assert len(read_csv(content)) > 10
    await organizer.say("/export participants xlsx")
    sheet = await organizer.next_message()
    assert people < registrations
    assert sheet["caption"] == (
        f"Participants (XLSX)\n{people} participants · {registrations} registrations"
    )
    stranger = await SimUser(client, 1001).join()
    await stranger.say("/export feedback csv")
    reply = await stranger.next_message()
    assert "did not understand" in reply["text"] and not reply.get("document")
    # the buttons: what, then the format, then the file
    await organizer.say("/export")
    menu = await organizer.next_message()
    await organizer.press(menu, "Attendance")
    formats = await organizer.shown()
    assert "which format" in formats["text"]
    await organizer.press(formats, "XLSX")
    document = await organizer.next_message()
    assert document["document"]["file_name"].endswith(".xlsx")
    book = openpyxl.load_workbook(
        io.BytesIO(await client.file_content(document["document"]["file_id"])), read_only=True
    )
    assert book.sheetnames[0] == "Summary"
    # the organizer's button replayed by someone else does nothing
    await client.press_forged(1001, formats["message_id"], "x:f:participants:csv")
    assert await stranger.toast() == "That button is not valid."
    await stranger.expect_nothing_more()
    transcript = await client.transcript(1001)
    assert not any(m.get("document") for m in transcript)

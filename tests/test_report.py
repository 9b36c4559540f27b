"""The report: every figure equals the exports' numbers; escaping; quotes; the CLI."""

from __future__ import annotations

import asyncio
import base64
import csv
import dataclasses
import io
import os
import re
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pytest

from bot.domain.series import Series, SeriesError, parse_series
from bot.reporting.charts import HEIGHT, WIDTH
from bot.reporting.export_rows import ExportError
from bot.reporting.export_writers import ExportRequest, run_export
from bot.reporting.narrative import (
    make_report,
    make_report_file,
    md_escape,
    natural_join,
    rounded,
)
from tests.support.files import png_chunks
from tests.support.settings import ROOT, example_series
from tests.support.stats_data import DataSet, make

AFTER = datetime(2027, 6, 1, tzinfo=UTC)  # after the example series' last webinar


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> DataSet:
    """The data set, built once for the module."""
    path = tmp_path_factory.mktemp("report") / "report.sqlite3"
    return asyncio.run(make(path, example_series()))


@pytest.fixture(scope="module")
def sheet(data: DataSet, tmp_path_factory: pytest.TempPathFactory) -> list[list[Any]]:
    """The XLSX Summary sheet of the feedback export, as rows."""
    out = tmp_path_factory.mktemp("xlsx") / "feedback.xlsx"
    run_export(data.path, data.series, ExportRequest("feedback", "xlsx", None, out))
    book = openpyxl.load_workbook(out, read_only=True)
    rows = [list(r) for r in book["Summary"].iter_rows(values_only=True)]
    book.close()
    return rows


@pytest.fixture(scope="module")
def feedback(data: DataSet, tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    """The feedback CSV export, as dicts by header."""
    out = tmp_path_factory.mktemp("csv") / "feedback.csv"
    run_export(data.path, data.series, ExportRequest("feedback", "csv", None, out))
    with out.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def table(rows: list[list[Any]], title: str) -> dict[str, list[Any]]:
    """One table of the Summary sheet: first cell -> the other cells, until a blank row."""
    start = next(i for i, r in enumerate(rows) if r[0] == title)
    found = {}
    for row in rows[start + 1 :]:
        if row[0] is None:
            break
        found[str(row[0])] = row[1:]
    return found


def sections(report: str) -> dict[str, str]:
    """The report's text per webinar section (## title), and the totals."""
    parts = re.split(r"^## ", report, flags=re.M)[1:]
    return {part.split("\n", 1)[0]: part for part in parts}


def figures(section: str) -> dict[str, str]:
    """The 'In figures' table of a section."""
    return dict(re.findall(r"^\| ([^|]+?) \| ([^|]+?) \|$", section, flags=re.M))


def check_people(sentence: str, total: int, women: int, undisclosed: int) -> None:
    """'Over 45 officials (21 women; 2 did not state their sex)' agrees with the numbers."""
    match = re.search(
        r"(Over )?(\d+) officials? \((\d+) wom[ae]n(?:; (\d+) did not state "
        r"their sex)?\)",
        sentence,
    )
    assert match, sentence[:300]
    shown = int(match.group(2))
    if match.group(1):
        assert shown < total < shown + 5 and shown % 5 == 0
    else:
        assert shown == total
    assert int(match.group(3)) == women
    assert int(match.group(4) or 0) == undisclosed


def test_every_figure_equals_the_exports(
    data: DataSet, sheet: list[list[Any]], feedback: list[dict[str, str]]
) -> None:
    report = make_report(data.path, data.series, None, "md", AFTER)
    by_section = sections(report)
    attendance = table(sheet, "Attendance per webinar")
    survey = table(sheet, "Survey per webinar")
    ratings = [
        r
        for r in sheet[
            next(i for i, r in enumerate(sheet) if r[0] == "Average ratings (1-5)") + 1 :
        ]
        if r[0]
    ]
    states_attended = table(sheet, "Attended participants by country")
    states_registered = table(sheet, "Registered participants by country")
    ids = [w.id for w in data.series.webinars]
    for column, webinar in enumerate(data.series.webinars):
        text = by_section[webinar.title.replace("[", "\\[").replace("]", "\\]")]
        got = figures(text)
        registered, attended, women, men, undisclosed, _absent = attendance[webinar.title][:6]
        from_platform, self_reported, corrected = attendance[webinar.title][6:9]
        assert int(got["Registered"]) == registered and int(got["Attended"]) == attended
        assert int(got["Attended, from the platform's attendance report"]) == from_platform
        assert int(got["Attended, self-reported (button or survey)"]) == self_reported
        assert from_platform + self_reported + corrected == attended
        basis = "Attended" if attended else "Registered"
        if not attended:
            assert webinar.id == data.no_attendance
            assert "No attendance was recorded for this webinar" in text
            sex = table(sheet, "Registered participants by sex")
            women, men, undisclosed = (
                sex[name][column] for name in ("Woman", "Man", "Prefer not to say")
            )
            total = registered
        else:
            assert " took part." in text
            total = attended
        assert int(got[f"{basis}: women"]) == women
        assert int(got[f"{basis}: men"]) == men
        assert int(got[f"{basis}: did not state their sex"]) == undisclosed
        check_people(text, total, women, undisclosed)
        states = states_attended if attended else states_registered
        count = sum(
            1 for name, cells in states.items() if name not in ("Other", "Total") and cells[column]
        )
        assert int(got["States"]) == count
        assert re.search(rf"of {count} states? \(", text)
        invited, _, _, completed, said_absent, response_rate, _ = survey[webinar.title][:7]
        assert int(got["Survey: invited"]) == invited
        assert int(got["Survey: completed"]) == completed
        assert int(got["Survey: said they did not attend"]) == said_absent
        assert float(got["Survey: response rate"].rstrip("%")) == pytest.approx(
            response_rate * 100, abs=0.05
        )
        assert f"{completed} of the {invited - said_absent} participants" in text
        rows = [r for r in ratings if r[0] == webinar.title]
        assert float(got["Average rating: overall"]) == rows[0][4]
        for row in rows[1:]:
            topic = webinar.topics[int(row[1].split("_")[1]) - 1]
            escaped = str(md_escape(topic))
            assert f"- {escaped}: {row[4]:.2f} ({row[3]} answers)" in text
        votes = Counter(
            r["answer"]
            for r in feedback
            if r["webinar id"] == webinar.id and r["question key"] == "most_useful"
        )
        best = max(votes.values())
        top = sorted((t for t, n in votes.items() if n == best), key=webinar.topics.index)
        assert f"chosen by {best} of {sum(votes.values())} respondents" in text
        assert str(natural_join(top, md_escape)) in text
    totals = by_section["The series in total"]
    registered_sex = table(sheet, "Registered participants by sex")
    attended_sex = table(sheet, "Attended participants by sex")
    got = figures(totals)
    assert int(got["Registered (unique people)"]) == registered_sex["Total"][len(ids)] == 200
    assert (
        int(got["Attended at least one webinar (unique people)"]) == attended_sex["Total"][len(ids)]
    )
    check_people(
        totals.split("Each person is counted once")[0],
        attended_sex["Total"][len(ids)],
        attended_sex["Woman"][len(ids)],
        attended_sex["Prefer not to say"][len(ids)],
    )
    assert int(got["Surveys completed"]) == sum(survey[w.title][3] for w in data.series.webinars)


def test_one_webinar_and_wording(data: DataSet) -> None:
    webinar = data.series.webinars[0]
    report = make_report(data.path, data.series, webinar.id, "md", AFTER)
    assert report.startswith(f"# {webinar.title}\n")
    assert "On Wednesday 20 January 2027, from 10:00 to 12:00 (UTC−4" in report
    assert f"{data.series.organizer} hosted the webinar" in report
    assert (
        "6 states (Antigua and Barbuda, Belize, Guyana, Saint Lucia, Saint Vincent and the "
        "Grenadines and Trinidad and Tobago)" in report
    )
    assert (
        "ministries of Foreign Affairs, National Security / Home Affairs and Finance, "
        "police forces" in report
    )
    assert "The series in total" not in report


def test_rounding_and_joining() -> None:
    assert rounded(47) == {"over": True, "value": 45}
    assert rounded(45) == {"over": False, "value": 45}
    assert rounded(7) == {"over": False, "value": 7}
    assert str(natural_join(["A", "B", "C"], md_escape)) == "A, B and C"
    assert str(natural_join(["A"], md_escape)) == "A"
    assert str(md_escape("- *x* <b> [a](b)\n# y")) == r"\- \*x\* \<b\> \[a\](b) # y"
    assert str(md_escape("12. done")) == r"12\. done"


def test_nobody_is_named_and_quotes_only_when_not_anonymous(data: DataSet) -> None:
    anonymous = make_report(data.path, data.series, None, "md", AFTER)
    assert data.series.survey_anonymous
    assert "In their own words" not in anonymous and "ballistics" not in anonymous
    open_series = dataclasses.replace(data.series, survey_anonymous=False)
    for fmt in ("md", "html"):
        report = make_report(data.path, open_series, None, fmt, AFTER)
        assert "In their own words" in report
        assert "Person " not in report and "Erased Person" not in report
        if fmt == "md":
            assert r"“More on \*ballistics\* \<b\>please\</b\>”" in report
            assert "Panamá \\<i\\>" in report and "Coast \\*Guard\\*" in report
        else:
            assert "“More on *ballistics* &lt;b&gt;please&lt;/b&gt;”" in report
            assert "<b>please" not in report and "Panamá &lt;i&gt;" in report


def test_html_embeds_the_charts_and_is_deterministic(data: DataSet) -> None:
    first = make_report(data.path, data.series, None, "html", AFTER)
    assert first == make_report(data.path, data.series, None, "html", AFTER)
    images = re.findall(r'src="data:image/png;base64,([A-Za-z0-9+/=]+)"', first)
    assert len(images) == 5
    for image in images:
        chunks = png_chunks(base64.b64decode(image))
        assert chunks[0][1][:8] == WIDTH.to_bytes(4, "big") + HEIGHT.to_bytes(4, "big")
    assert first.startswith("<!DOCTYPE html>") and "<script" not in first


def test_unknown_webinar(data: DataSet) -> None:
    with pytest.raises(ExportError, match="unknown webinar id 'nope'"):
        make_report(data.path, data.series, "nope", "md", AFTER)


def test_survey_anonymous_setting() -> None:
    text = (ROOT / "series.example.toml").read_text()
    assert parse_series(text).survey_anonymous is True
    lines = text.replace(
        'registration_code = ""', 'registration_code = ""\nsurvey_anonymous = false'
    )
    series: Series = parse_series(lines)
    assert series.survey_anonymous is False
    with pytest.raises(SeriesError, match="series.survey_anonymous: must be true or false"):
        parse_series(
            text.replace(
                'registration_code = ""', 'registration_code = ""\nsurvey_anonymous = "no"'
            )
        )


def run_cli(data: DataSet, tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """`python -m bot report ...` as a real process."""
    series_file = tmp_path / "series.toml"
    series_file.write_text((ROOT / "series.example.toml").read_text(), encoding="utf-8")
    env = {
        **os.environ,
        "DATABASE_PATH": str(data.path),
        "SERIES_FILE": str(series_file),
        "BOT_TOKEN": "",
    }
    done = subprocess.run(
        [sys.executable, "-m", "bot", "report", *args, "--env-file", os.devnull],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )
    return subprocess.CompletedProcess(
        done.args, done.returncode, done.stdout.decode(), done.stderr.decode()
    )


@pytest.mark.slow
async def test_cli(data: DataSet, tmp_path: Path) -> None:
    done = await asyncio.to_thread(
        run_cli, data, tmp_path, "--format", "md", "--as-of", "2027-05-31"
    )
    assert done.returncode == 0, done.stderr
    day_end = datetime(2027, 5, 31, 23, 59, 59, tzinfo=data.series.timezone)
    assert done.stdout == make_report(data.path, data.series, None, "md", day_end)
    assert "As of Monday 31 May 2027, 23:59 (" in done.stdout
    out = tmp_path / "out" / "report.html"
    webinar = data.series.webinars[1].id
    done = await asyncio.to_thread(
        run_cli,
        data,
        tmp_path,
        "--webinar",
        webinar,
        "--as-of",
        "2027-06-01T00:00:00+00:00",
        "--format",
        "html",
        "--out",
        str(out),
    )
    assert done.returncode == 0, done.stderr
    assert out.read_text(encoding="utf-8") == make_report(
        data.path, data.series, webinar, "html", AFTER
    )
    bad = await asyncio.to_thread(run_cli, data, tmp_path, "--webinar", "nope")
    assert bad.returncode == 2 and bad.stdout == ""
    assert bad.stderr.count("\n") == 1 and "unknown webinar id 'nope'" in bad.stderr
    assert io.StringIO(bad.stderr).readline().startswith("webinar-bot: ")
    bad = await asyncio.to_thread(run_cli, data, tmp_path, "--as-of", "2027-05-31T10:00")
    assert bad.returncode == 2 and bad.stdout == ""
    assert "--as-of: '2027-05-31T10:00' is neither a date" in bad.stderr


def at(day: int, month: int, hour: int = 12) -> datetime:
    """A moment in 2027 (UTC)."""
    return datetime(2027, month, day, hour, tzinfo=UTC)


PAST_TENSE = re.compile(
    r"hosted|took part|discussed were|was recorded|completed the survey|rated|went to|"
    r"(?<!have )registered for it\.|Nobody registered"
)


@pytest.mark.parametrize(
    ("moment", "phases"),
    [
        (at(5, 1), ("upcoming", "upcoming", "upcoming")),
        (at(20, 1, 15), ("under_way", "upcoming", "upcoming")),
        (at(1, 2), ("held", "upcoming", "upcoming")),
        (at(17, 3, 15), ("held", "under_way", "upcoming")),
        (at(1, 4), ("held", "held", "upcoming")),
        (at(19, 5, 15), ("held", "held", "under_way")),
        (at(19, 5, 16), ("held", "held", "held")),
    ],
)
def test_the_report_knows_the_date(
    data: DataSet, moment: datetime, phases: tuple[str, ...]
) -> None:
    report = make_report(data.path, data.series, None, "md", moment)
    local = moment.astimezone(data.series.timezone)
    assert f"As of {local:%A} {local.day} {local:%B %Y}, {local:%H:%M} (UTC" in report
    by_section = sections(report)
    ahead = []
    for webinar, phase in zip(data.series.webinars, phases, strict=True):
        text = by_section[webinar.title.replace("[", "\\[").replace("]", "\\]")]
        got = figures(text)
        assert int(got["Registered"]) > 0 and int(got["States"]) > 0
        if phase == "held":
            assert "hosted the webinar" in text and "The topics discussed were" in text
            assert "Attended" in got and "Survey: invited" in got
            continue
        ahead.append(webinar.title)
        assert PAST_TENSE.search(text) is None, PAST_TENSE.search(text)
        assert not any(k.startswith(("Attended", "Survey", "Average")) for k in got)
        assert "So far, " in text and " have registered for it." in text
        assert "will be reported once the webinar has taken place" in text
        if phase == "under_way":
            assert "is hosting the webinar" in text and "under way as of this report" in text
            assert "The topics on the agenda are" in text
        else:
            assert "will host the webinar" in text and "The topics to be discussed are" in text
    totals = by_section["The series in total"]
    held = phases.count("held")
    if ahead:
        assert f"{held} of them held so far" in report
        assert "Still ahead: " in totals
        for title in ahead:
            assert f'"{md_escape(title)}"' in totals.split("Still ahead: ")[1]
        assert "Across the series" not in totals
    else:
        assert "Still ahead" not in totals and "held so far" not in report
    if held == 0:
        assert "took part in at least one webinar" not in totals
        assert figures(totals)["Surveys completed"] == "0"
        assert "Across the" not in totals
    elif ahead:
        assert "Across the webinars held so far" in totals
    if held == 1:
        first = figures(by_section[data.series.webinars[0].title])
        assert figures(totals)["Attended at least one webinar (unique people)"] == first["Attended"]


def test_one_webinar_before_it_takes_place(data: DataSet) -> None:
    webinar = data.series.webinars[1]
    before = make_report(data.path, data.series, webinar.id, "html", at(1, 2))
    assert "will host the webinar" in before and "As of Monday 1 February 2027" in before
    assert "<th>Attended</th>" not in before and "Survey:" not in before
    after = make_report(data.path, data.series, webinar.id, "html", at(1, 4))
    assert "hosted the webinar" in after and "<th>Attended</th>" in after


def test_docx_has_the_narrative_the_figures_and_the_charts(data: DataSet) -> None:
    word = docx.Document(
        io.BytesIO(make_report_file(data.path, data.series, None, "docx", at(1, 4)))
    )
    markdown = sections(make_report(data.path, data.series, None, "md", at(1, 4)))
    headings = [
        (p.style.name, p.text) for p in word.paragraphs if p.style.name.startswith("Heading")
    ]
    titles = [w.title for w in data.series.webinars]
    assert headings[0] == ("Heading 1", data.series.title)
    assert [t for s, t in headings if s == "Heading 2"] == [
        *titles,
        "The series in total",
        "Charts",
    ]
    assert word.core_properties.title == data.series.title
    tables = [{r.cells[0].text: r.cells[1].text for r in t.rows} for t in word.tables]
    for table, title in zip(tables, titles, strict=False):
        expected = figures(markdown[title.replace("[", "\\[").replace("]", "\\]")])
        assert table == {k: v for k, v in expected.items() if k not in ("Figure", "---")}
    assert "Attended" not in tables[2] and "Survey: invited" not in tables[2]
    text = "\n".join(p.text for p in word.paragraphs)
    assert "will host the webinar" in text and "As of Thursday 1 April 2027" in text
    assert len(word.inline_shapes) == 5
    assert {p.style.name for p in word.paragraphs} <= {
        "Heading 1",
        "Heading 2",
        "Heading 3",
        "Normal",
        "List Bullet",
        "Quote",
        "Caption",
    }


async def test_cli_docx(data: DataSet, tmp_path: Path) -> None:
    out = tmp_path / "report.docx"
    done = await asyncio.to_thread(
        run_cli, data, tmp_path, "--format", "docx", "--as-of", "2027-04-01", "--out", str(out)
    )
    assert done.returncode == 0, done.stderr
    assert "hosted the webinar" in "\n".join(p.text for p in docx.Document(str(out)).paragraphs)
    bad = await asyncio.to_thread(run_cli, data, tmp_path, "--format", "docx")
    assert bad.returncode == 2 and bad.stdout == ""
    assert "a Word document needs --out FILE" in bad.stderr

"""Materials in the series file, their keys, and what a later row still has to bring."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.delivery.materials import new_items
from bot.domain.materials import item_keys, keys_of, purpose_for, recording_key
from bot.domain.series import SeriesError, load_series, parse_series

ROOT = Path(__file__).resolve().parent.parent
MARKER = 'join_url = "https://example.org/join/crime-gun-strategy"\n'


def series_text(lines: str, tables: str = "") -> str:
    """The example series with lines in its first webinar and tables at its end."""
    text = (ROOT / "series.example.toml").read_text(encoding="utf-8")
    text = text.replace(MARKER, MARKER + lines + "\n", 1)
    second = text.index("\n[[webinars]]", text.index("\n[[webinars]]") + 1) + 1
    return text[:second] + tables + "\n" + text[second:]


TWO = """
[[webinars.materials]]
title = "  Slides  "
url = "https://example.org/slides"
file = "slides.pdf"

[[webinars.materials]]
title = "Roadmap"
url = "https://example.org/roadmap"
"""


def test_materials_and_recording_are_read() -> None:
    series = parse_series(series_text('recording_url = "https://example.org/rec"', TWO))
    webinar = series.webinars[0]
    assert [m.title for m in webinar.materials] == ["Slides", "Roadmap"]
    assert webinar.materials[0].file == Path("slides.pdf")
    assert webinar.recording_url == "https://example.org/rec"
    assert series.webinars[1].materials == () and series.webinars[1].recording_url is None


@pytest.mark.parametrize(
    ("lines", "tables", "message"),
    [
        ('recording_url = "ftp://x.org/r"', "", r"webinars\[1\]\.recording_url: .* not an http"),
        ("", '[[webinars.materials]]\ntitle = "T"\nurl = "nope"', r"materials\[1\]\.url: 'nope'"),
        ("", '[[webinars.materials]]\nurl = "https://x.org/a"', r"materials\[1\]\.title: must be"),
        (
            "",
            '[[webinars.materials]]\ntitle = "T"\nurl = "https://x.org/a"\nfile = "a.docx"',
            r"materials\[1\]\.file: must be the path of a \.pdf",
        ),
        (
            "",
            '[[webinars.materials]]\ntitle = "T"\nurl = "https://x.org/a"\nlink = "x"',
            r"materials\[1\]\.link: unknown key",
        ),
    ],
)
def test_bad_materials_are_named(lines: str, tables: str, message: str) -> None:
    with pytest.raises(SeriesError, match=message):
        parse_series(series_text(lines, tables))


def test_a_material_file_must_exist_beside_the_series_file(tmp_path: Path) -> None:
    path = tmp_path / "series.toml"
    path.write_text(series_text("", TWO), encoding="utf-8")
    with pytest.raises(SeriesError, match=r"materials\[1\]\.file: .*slides\.pdf is not a file"):
        load_series(path)
    (tmp_path / "slides.pdf").write_bytes(b"%PDF-1.4\n")
    assert load_series(path).webinars[0].materials[0].file == tmp_path / "slides.pdf"


def test_a_later_row_brings_only_what_is_new() -> None:
    series = parse_series(series_text('recording_url = "https://example.org/rec"', TWO))
    webinar = series.webinars[0]
    keys = item_keys(webinar.materials, webinar.recording_url)
    assert keys[-1] == recording_key("https://example.org/rec") and len(set(keys)) == 3
    assert recording_key("https://example.org/rec2") != keys[-1]
    first = purpose_for(keys[:1])
    assert keys_of(first) == {keys[0]} and keys_of("v2") == set()
    everything = new_items(webinar, purpose_for(keys), [])
    assert len(everything.materials) == 2 and everything.recording_url
    rest = new_items(webinar, purpose_for(keys), [first])
    assert [m.title for m in rest.materials] == ["Roadmap"] and rest.recording_url
    assert not new_items(webinar, purpose_for(keys), [purpose_for(keys)])

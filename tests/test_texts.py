"""Templates: one set for every language, escaped, valid Telegram HTML; dates and zones by Babel."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.domain.catalogue import COUNTRIES, INSTITUTIONS, LANGUAGES, SEXES
from bot.domain.registration import EDITABLE_FIELDS, Step
from bot.domain.series import load_series
from bot.render.texts import TEMPLATES_DIR, Texts, utc_offset_label, zone_name
from bot.render.views import profile_view, webinar_rows
from handlers.flows import COMMANDS
from sandbox.html import parse_html

ROOT = Path(__file__).resolve().parent.parent
SERIES = load_series(ROOT / "series.example.toml")
NOW = datetime(2027, 1, 10, 12, 0, tzinfo=UTC)


def flat_keys(table: dict, prefix: str = "") -> set[str]:
    """Every dotted key of a labels table."""
    keys = set()
    for key, value in table.items():
        if isinstance(value, dict):
            keys |= flat_keys(value, f"{prefix}{key}.")
        else:
            keys.add(prefix + key)
    return keys


def sample_context(texts: Texts, lang: str) -> dict:
    """A context that fills every variable any template uses."""
    data = {
        "language": lang,
        "full_name": "Ana <b>&</b>",
        "country": "other",
        "country_other": "Panamá <i>",
        "timezone": "America/Belize",
        "institution": "police",
        "position": "Inspector",
        "sex": "undisclosed",
        "email": None,
        "webinars": [w.id for w in SERIES.webinars],
        "requests": [
            (SERIES.webinars[0].id, "awaiting_approval"),
            (SERIES.webinars[-1].id, "declined"),
        ],
    }
    return {
        "series_title": SERIES.title,
        "current": "America/Belize (UTC−6)",
        "version": "1",
        "organizer": SERIES.organizer,
        "webinars": [
            dict(row, topics=["A & B"], registered=True, join_url="https://x.org")
            for row in webinar_rows(SERIES, lang, selected=[])
        ],
        "timezone": "America/Belize",
        "p": profile_view(texts, SERIES, data, NOW),
        "question": "Q?",
        "answer": "<A&B>",
        "name": "Ana <b>",
        "sex": "woman",
        "min": 2,
        "max": 100,
        "got": 5000,
        "telegram_id": 1,
        "registered_at": NOW,
        "consent_at": NOW,
        "consent_version": "1",
        "updated_at": NOW,
        "draft": "name",
        "stored": {
            "profile": {"reminders_enabled": 1},
            "organizer": {"added_at": "2027-01-01T00:00:00Z"},
            "attendance": [{"webinar_id": "w<1>", "attended": 1, "minutes": 40}],
            "survey_answers": [{"webinar_id": "w", "question_key": "q", "value": "<b>&"}],
            "deliveries": [{"kind": "reminder", "status": "sent", "messages": 2}],
        },
        "title": "Crime <gun> & strategy",
        "starts_at": NOW,
        "zone": "America/Belize",
        "join_url": "https://example.org/j?a=1&b=2",
        "left": "in 1 day",
        "live": False,
        "minutes": 30,
        "organizer_zone": "America/Port_of_Spain",
        "starting_now": False,
        "reminders": True,
        "is_participant": True,
        "sections": [
            {
                "heading": "1. Crime <b> & guns",
                "lines": [{"title": "reminder 1 day before", "outcomes": "sent 3, failed 1"}],
            }
        ],
        "failures": [{"what": "broadcast of 12 Jan", "reason": "Message <too> long", "n": 1}],
        "subscription": "webcal://bot.example.org/calendar/abc.ics",
        "unreachable_total": 1,
        "nudge": True,
        "attended": None,
        "count": 11,
        "closes": NOW,
        "number": 3,
        "total": 11,
        "kind": "rating",
        "required": False,
        "max_length": 1000,
        "previous": "4",
        "surveys": [{"title": "T <&>", "state": "answered", "closes": NOW}],
        "unreachable": [{"name": "A <b>", "country": "GY", "when": NOW, "reason": "x & y"}],
        "audience": "By state: <Belize>",
        "due_at": NOW,
        "spanish": True,
        "n_sent": 5,
        "n_failed": 1,
        "n_unreachable": 1,
        "n_cancelled": 2,
        "n_pending": 3,
        "n_total": 12,
        "entry": {
            "name": "Ana <b>",
            "state": "Belize <x>",
            "institution": "Police & co",
            "sex": "Woman",
            "webinars": 2,
        },
        # approval of registrations
        "action": "approved",
        "who": "Ana <b>",
        "at": NOW,
        "titles": ["T <&>"],
        "shown": 10,
        "asked": NOW,
        # the organizers' daily digest
        "since": datetime(2027, 1, 4, 22, 0, tzinfo=UTC),
        "until": datetime(2027, 1, 5, 22, 0, tzinfo=UTC),
        "entries": [
            {
                "name": None,
                "state": "Belize <x>",
                "institution": "Police",
                "sex": "Man",
                "webinars": 1,
            }
        ],
        "more": 2,
        "left_min": 1,
        "left_s": 5,
        "scheduled": False,
        "stopped": False,
        # the organizer console (/organizers, /webinar)
        "org_outcome": "add",
        "org_id": 123,
        "org_admins": [1000],
        "org_action": "add",
        "org_name": "Ana <b>",
        "org_added": [{"id": 123, "name": "Ana <b>", "added_by": 1000}],
        "wb_webinars": [{"title": "T <&>", "starts_at": NOW, "join_url": "https://x.org?a&b"}],
        "wb_field": "start",
        "wb_example": "2027-01-22 10:00",
        "wb_problem": "past",
        "wb_old_start": NOW,
        "wb_new_start": NOW,
        "wb_old_link": "https://x.org/a?b&c",
        "wb_new_link": "https://x.org/<n>",
        "wb_notified": 2,
        # export captions
        "fmt": "XLSX",
        "webinar": "w <&>",
        "counts": {"participants": 3, "registrations": 8},
        # certificates (/certificate, /verify)
        "code": "0000-4G3K-9XQ2-ABCD",
        "min_minutes": 45,
        "needs_survey": True,
        "problem": True,
        "given": "<12 & 34>",
        "known": True,
        # materials
        "materials": [{"title": "Slides <&>", "url": "https://x.org/s?a=1&b=2"}],
        "recording_url": "https://x.org/rec?a&b",
        "later": True,
        "mine": ["Why <b>?", "How & when?"],
        "anonymous": True,
        "groups": [{"topic": "T <&>", "questions": [{"text": "Q <i>", "author": "A & B"}]}],
        "qs_webinars": [{"id": "w-1", "title": "T <&>"}],
        "mt_line": 2,
        "mt_problem": "link",
        "mt_due": True,
        "mt_webinars": [
            {
                "title": "T <&>",
                "materials": [{"title": "S <b>", "url": "https://x.org/?a&b"}],
                "recording_url": "https://x.org/r",
            }
        ],
        # waiting lists
        "waiting": [{"title": "T <&>", "starts_at": NOW, "waiting": 3}],
        # /stats
        "stat_webinars": [
            {
                "number": 1,
                "title": "T <&>",
                "registered": 5,
                "attended": 3,
                "attendance_rate": "60.0%",
                "from_platform": 2,
                "self_reported": 1,
                "corrected": 0,
                "invited": 4,
                "expected": 3,
                "completed": 2,
                "response_rate": "66.7%",
                "certificates": 2,
                "ratings": [{"text": "A & <b>", "average": "4.50", "answers": 2}],
                "held": True,
                "capacity": 5,
                "waiting": 2,
            },
            {
                "number": 2,
                "title": "U <&>",
                "held": False,
                "registered": 7,
                "capacity": None,
                "waiting": 0,
                "attended": 0,
                "attendance_rate": "0.0%",
                "invited": 0,
                "expected": 0,
                "completed": 0,
                "response_rate": "—",
                "ratings": [],
            },
        ],
        "per_webinar": "1 / 2",
        "unique_registered": 7,
        "unique_attended": 4,
        "certificates_total": 2,
        "by_state": [{"name": "Belize <x>", "total": 3, "per": "1 / 2"}],
        "by_sex": [{"name": "Woman", "total": 3, "per": "1 / 2"}],
        "by_institution": [{"name": "Police & co", "total": 3, "per": "1 / 2"}],
    }


def test_one_set_of_templates_serves_every_language() -> None:
    assert len(list((TEMPLATES_DIR / "messages").glob("*.html"))) > 30
    for lang in LANGUAGES:
        assert not (TEMPLATES_DIR / lang).exists(), f"templates/{lang}/ is the old layout"


def test_every_label_exists_in_every_language() -> None:
    texts = Texts()
    for lang in LANGUAGES:
        assert flat_keys(texts.labels[lang]) == flat_keys(texts.labels["en"])


def test_labels_cover_every_choice() -> None:
    texts = Texts()
    for lang in LANGUAGES:
        for code in COUNTRIES:
            assert texts.label(lang, f"countries.{code}")
        for code in INSTITUTIONS:
            assert texts.label(lang, f"institutions.{code}")
        for code in SEXES:
            assert texts.label(lang, f"sexes.{code}")
        for field in EDITABLE_FIELDS:
            assert texts.label(lang, f"fields.{field}")
        for command in COMMANDS:
            assert 3 <= len(texts.label(lang, f"commands.{command.name}")) <= 256


def test_every_question_has_a_template() -> None:
    for step in Step:
        if step in (Step.CONFIRM, Step.EDIT_MENU):
            continue
        assert (TEMPLATES_DIR / "messages" / f"ask_{step.name.lower()}.html").exists(), step


@pytest.mark.parametrize("lang", LANGUAGES)
def test_every_template_renders_as_valid_telegram_html(lang: str) -> None:
    texts = Texts()
    for path in sorted((TEMPLATES_DIR / "messages").glob("*.html")):
        if path.name.startswith("_"):
            continue
        rendered = texts.render(lang, path.stem, **sample_context(texts, lang))
        text, _ = parse_html(rendered)  # raises on anything Telegram would refuse
        assert text.strip(), path.name
        assert len(text) <= 4096


def test_user_text_is_escaped() -> None:
    texts = Texts()
    rendered = texts.render("en", "summary", **sample_context(texts, "en"))
    assert "Ana &lt;b&gt;&amp;&lt;/b&gt;" in rendered
    assert "Panamá &lt;i&gt;" in rendered
    assert "<b>&</b>" not in rendered


def test_missing_variable_fails_loudly() -> None:
    with pytest.raises(Exception, match="undefined"):
        Texts().render("en", "registered")


def test_dates_are_shown_in_the_readers_language_and_zone() -> None:
    texts = Texts()
    first = SERIES.webinars[0]
    en = texts.env.filters["localtime"](first.starts_at, "America/Belize", "en")
    es = texts.env.filters["localtime"](first.starts_at, "America/Guyana", "es")
    fr = texts.env.filters["localtime"](first.starts_at, "America/Port_of_Spain", "fr")
    assert en == "Wednesday, 20 January 2027, 08:00 (UTC−6)"
    assert es == "miércoles, 20 de enero de 2027, 10:00 (UTC−4)"
    assert fr == "mercredi 20 janvier 2027, 10:00 (UTC−4)"


def test_zones_are_named_in_the_readers_language_never_by_their_id_alone() -> None:
    assert zone_name("America/Belize", NOW, "es") == "hora de Belice (UTC−6)"
    assert zone_name("America/Port_of_Spain", NOW, "en") == "Trinidad & Tobago Time (UTC−4)"
    assert zone_name("America/St_Lucia", NOW, "fr") == "Sainte-Lucie (UTC−4)"
    assert zone_name("Etc/GMT+5", NOW, "es") == "UTC−5"
    assert zone_name("UTC", NOW, "fr") == "UTC"


def test_the_series_and_webinar_titles_follow_the_readers_language() -> None:
    texts = Texts()
    first = SERIES.webinars[0]
    assert "armas de fuego utilizadas en delitos" in first.title_for("es")
    assert "armes à feu utilisées dans la commission de crimes" in first.title_for("fr")
    assert first.title_for("pt") == first.title
    welcome = texts.render("es", "ask_language", series_title=SERIES.title_for("es"))
    assert "Le damos la bienvenida: Serie de webinarios" in welcome
    every = (
        "Please choose your language. / Elija su idioma, por favor."
        " / Veuillez choisir votre langue."
    )
    assert welcome.endswith(every)


def test_registration_speaks_to_the_participant_by_the_sex_they_gave() -> None:
    texts = Texts()
    said = {
        sex: texts.render("es", "registered", name="Ana", sex=sex, timezone="hora de Belice")
        for sex in ("woman", "man", "undisclosed")
    }
    assert "Ya está inscrita, Ana." in said["woman"]
    assert "Ya está inscrito, Ana." in said["man"]
    assert "Su inscripción está completa, Ana." in said["undisclosed"]
    assert "/a" not in "".join(said.values())


def test_offset_labels() -> None:
    from zoneinfo import ZoneInfo

    assert utc_offset_label(NOW, ZoneInfo("Asia/Kolkata")) == "UTC+5:30"
    assert utc_offset_label(NOW, ZoneInfo("UTC")) == "UTC"


def test_no_text_is_hard_coded_in_handlers() -> None:
    for path in (ROOT / "handlers").glob("*.py"):
        source = path.read_text()
        pattern = (
            r"(?:send_message|reply_text|answer|edit_text)\(\s*(?:[\w.]+,\s*)?"
            r"[fr]?\"([^\"]+)\""
        )
        for literal in re.findall(pattern, source):
            pytest.fail(f"{path.name} sends a literal text: {literal}")


@pytest.mark.parametrize("lang", LANGUAGES)
def test_sentences_are_separated_by_a_space_or_a_line(lang: str) -> None:
    texts = Texts()
    for path in sorted((TEMPLATES_DIR / "messages").glob("*.html")):
        if path.name.startswith("_"):
            continue
        text, _ = parse_html(texts.render(lang, path.stem, **sample_context(texts, lang)))
        glued = re.findall(r".{0,20}[\w)»”][.?!;](?=[A-ZÀ-Ý¿¡«]).{0,20}", text)
        assert not glued, f"{lang}/{path.name}: {glued}"


@pytest.mark.parametrize("lang", LANGUAGES)
def test_schedule_is_a_short_block_per_webinar_with_the_organizers_time_only_if_different(
    lang: str,
) -> None:
    texts = Texts()
    context = sample_context(texts, lang)
    here = texts.render(lang, "schedule", **dict(context, zone="America/Port_of_Spain"))
    away = texts.render(lang, "schedule", **dict(context, zone="America/Belize"))
    assert "UTC−4" in here and "UTC−6" not in here
    assert here.count("\n\n") >= len(SERIES.webinars)
    assert "America/" not in here + away
    assert away.count("UTC−4") == len(SERIES.webinars)  # the organizers' time, once each
    assert len(here) < 600


@pytest.mark.parametrize("lang", LANGUAGES)
def test_settings_show_language_zone_and_reminders_with_their_values(lang: str) -> None:
    texts = Texts()
    shown = texts.render(lang, "settings", reminders=False, zone="Z (UTC−6)", unreachable=False)
    assert texts.label(lang, f"languages.{lang}") in shown
    assert "Z (UTC−6)" in shown
    assert texts.label(lang, "fields.timezone") in shown


def test_the_consent_is_short_with_the_full_notice_folded() -> None:
    texts = Texts()
    shown = texts.render("es", "ask_consent", version="2", organizer="Centro")
    head, folded = shown.split("<blockquote expandable>")
    assert len(head) < 300 and "Aviso de privacidad" in folded
    _, entities = parse_html(shown)
    assert any(e["type"] == "expandable_blockquote" for e in entities)


def test_counts_are_written_as_each_language_writes_numbers() -> None:
    texts = Texts()
    context = sample_context(texts, "en")
    context.update(n_total=12345, n_pending=0, n_sent=12000, n_failed=345)
    assert "12,345 recipients" in texts.render("en", "broadcast_report", **context)
    assert "12.345 destinatarios" in texts.render("es", "broadcast_report", **context)
    assert "12\u202f345 destinataires" in texts.render("fr", "broadcast_report", **context)
    assert "<code>123</code>" in texts.render("fr", "organizers_confirm", **context)

"""Template contexts built from stored data: how a profile or a webinar list reads to a person."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bot.render.texts import Texts, zone_name

if TYPE_CHECKING:
    from collections.abc import Mapping
    from datetime import datetime

    from bot.domain.series import Series


def webinar_rows(
    series: Series,
    lang: str,
    webinar_ids: list[str] | None = None,
    selected: list[str] | None = None,
    waiting: Mapping[str, int] | None = None,
) -> list[dict[str, Any]]:
    """List webinars (all, or those in webinar_ids) with title, start and whether selected.

    `waiting`: the place on the waiting list of webinars chosen without a seat yet.
    """
    rows = []
    for webinar in series.webinars:
        if webinar_ids is not None and webinar.id not in webinar_ids:
            continue
        rows.append(
            {
                "id": webinar.id,
                "title": webinar.title_for(lang),
                "starts_at": webinar.starts_at,
                "selected": selected is not None and webinar.id in selected,
                "waiting": (waiting or {}).get(webinar.id),
            }
        )
    return rows


def zone_label(zone: str, moment: datetime, lang: str) -> str:
    """Name a time zone in a language with its offset at a moment: 'hora de Belice (UTC−6)'."""
    return zone_name(zone, moment, lang)


def profile_view(texts: Texts, series: Series, data: dict[str, Any], now: datetime) -> dict:
    """Turn a draft or stored profile into the readable card the templates show."""
    lang = data.get("language") or "en"
    none = texts.label(lang, "none")
    country = data.get("country")
    if country == "other":
        country_text = data.get("country_other") or none
    else:
        country_text = texts.label(lang, f"countries.{country}") if country else none
    institution = data.get("institution")
    if institution == "other":
        institution_text = data.get("institution_other") or none
    else:
        institution_text = texts.label(lang, f"institutions.{institution}") if institution else none
    zone = data.get("timezone") or series.timezone.key
    requests = dict(data.get("requests") or [])
    return {
        "name": data.get("full_name") or none,
        "country": country_text,
        "institution": institution_text,
        "position": data.get("position") or none,
        "sex": texts.label(lang, f"sexes.{data['sex']}") if data.get("sex") else none,
        "email": data.get("email") or none,
        "language": texts.label(lang, f"languages.{lang}"),
        "timezone": zone_label(zone, now, lang),
        "zone": zone,
        "webinars": webinar_rows(
            series,
            lang,
            [w for w in data.get("webinars") or [] if w not in requests],
            waiting=data.get("waiting_list"),
        ),
        "requests": [
            {**row, "state": requests[row["id"]]}
            for row in webinar_rows(series, lang, list(requests))
        ],
    }

"""The organiser's statistics page across events (``/arrangor/statistik``, issue 14): what the meetings led
to, filtered by year, municipality, buyer and CPV division, with charts per year, the outcome chain from
meetings to awards, the feedback answers, the support given and a table per event; and the downloads.

The figures are the matcher's ``GET /statistics`` document (its model, services/matcher/statistics/model.py,
defines each one); the page only lays them out. The filter form is a plain GET form whose choices are the
document's own ``choices``, so it works without JavaScript and a filtered page is a link to share. The
CSV, the spreadsheet and the yearly PDF come from the matcher with the organiser's token and the same
filters, passed through as they came (:meth:`.backend.Backend.download`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from aiohttp import web

from shared.auth import Role

from . import statistics_charts as charts
from .i18n import N_
from .i18n import gettext as _
from .pages_common import money, num, page_language
from .render import backend, render, require_user

PAGE = "/arrangor/statistik"
FILTERS = ("year", "municipality", "buyer", "cpv_division")
_PATTERNS = {"year": re.compile(r"^20[0-9]{2}$|^2100$"), "municipality": re.compile(r"^[0-9]{4}$"),
             "cpv_division": re.compile(r"^[0-9]{2}$")}  # fmt: skip
RATINGS = {
    "will_bid_or_buy": N_("Lämnar anbud eller köper"),
    "will_follow_up": N_("Följer upp"),
    "no_further_interest": N_("Inget fortsatt intresse"),
    "did_not_take_place": N_("Mötet blev inte av"),
}
# The outcome chain, from a meeting to an award: each step counts part of the one before.
CHAIN = {
    "needs_discussed": N_("Behov som diskuterades"),
    "tenders_followed": N_("Upphandlingar som följde"),
    "tenders_with_met_bidders": N_("med anbud från mötta företag"),
    "awards_to_met_firms": N_("Tilldelningar till mötta företag"),
}


def chosen_filters(query: Mapping[str, str]) -> dict[str, str]:
    """The filters of the address that are well formed (anything else is left out, never sent on).

    Examples
    --------
    >>> chosen_filters({"year": "2026", "municipality": "20800", "buyer": "x", "cpv_division": "45", "q": "1"})
    {'year': '2026', 'cpv_division': '45'}
    >>> chosen_filters({"buyer": "00000000-0000-0000-0000-000000000001"})
    {'buyer': '00000000-0000-0000-0000-000000000001'}
    """
    chosen = {}
    for name in FILTERS:
        value = (query.get(name) or "").strip()
        if name == "buyer" and value:
            try:
                chosen[name] = str(UUID(value))
            except ValueError:
                continue
        elif value and _PATTERNS[name].match(value):
            chosen[name] = value
    return chosen


def rate(value: float | None) -> str:
    """A share for people, ``8 %`` (``–`` when it is not known).

    Examples
    --------
    >>> rate(0.083), rate(None)
    ('8 %', '–')
    """
    return "–" if value is None else f"{num(100 * value, 0)} %"


def key_figures(figures: Mapping[str, Any]) -> list[dict[str, str]]:
    """The page's key figures (id, label, value shown), numbers in the page language.

    Examples
    --------
    >>> counts = dict.fromkeys(("firms_reached", "first_time_firms", "events", "buyers", "meetings_planned",
    ...                         "no_shows", "awards_to_met_firms"), 1)
    >>> shown = key_figures({**counts, "meetings_held": 1104, "no_show_rate": None, "feedback_response_rate": 0.525,
    ...                      "awarded_value_sek": 1450000})
    >>> [(f["id"], f["value"].replace("\xa0", " ")) for f in shown if f["id"] in ("meetings-held", "awarded-value")]
    [('meetings-held', '1 104'), ('awarded-value', '1 450 000 kr')]
    """
    shown = [
        ("firms-reached", N_("Företag nådda"), num(figures["firms_reached"], 0)),
        ("first-time-firms", N_("varav för första gången"), num(figures["first_time_firms"], 0)),
        ("events", N_("Affärsträffar"), num(figures["events"], 0)),
        ("buyers", N_("Köpare"), num(figures["buyers"], 0)),
        ("meetings-held", N_("Hållna möten"), num(figures["meetings_held"], 0)),
        ("meetings-planned", N_("Planerade möten"), num(figures["meetings_planned"], 0)),
        ("no-shows", N_("Uteblivna möten"), num(figures["no_shows"], 0)),
        ("no-show-rate", N_("Andel uteblivna"), rate(figures["no_show_rate"])),
        ("feedback-rate", N_("Svarsfrekvens i utvärderingen"), rate(figures["feedback_response_rate"])),
        ("awards", N_("Tilldelningar till mötta företag"), num(figures["awards_to_met_firms"], 0)),
        ("awarded-value", N_("Tilldelat värde"), money(figures["awarded_value_sek"])),
    ]
    return [{"id": key, "label": _(label), "value": value} for key, label, value in shown]


def chain_rows(figures: Mapping[str, Any]) -> list[tuple[str, int]]:
    """The outcome chain as (label, count) rows, starting from the meetings held.

    Examples
    --------
    >>> chain_rows({"meetings_held": 9, "needs_discussed": 5, "tenders_followed": 2,
    ...             "tenders_with_met_bidders": 1, "awards_to_met_firms": 1})[:2]
    [('Möten som hölls', 9), ('Behov som diskuterades', 5)]
    """
    rows = [(_("Möten som hölls"), int(figures["meetings_held"]))]
    return rows + [(_(label), int(figures[key])) for key, label in CHAIN.items()]


def rating_rows(figures: Mapping[str, Any]) -> list[tuple[str, int]]:
    """The meeting answers per rating, the most hopeful first."""
    return [(_(label), int(figures["ratings"].get(key, 0))) for key, label in RATINGS.items()]


def event_rows(report: Mapping[str, Any]) -> list[dict[str, Any]]:
    """A row per event, newest first (the document lists the oldest first).

    Examples
    --------
    >>> figures = {"firms_reached": 3, "first_time_firms": 1, "meetings_held": 9, "no_show_rate": 0.1,
    ...            "feedback_response_rate": None, "awards_to_met_firms": 0, "awarded_value_sek": 0}
    >>> events = [{"event_id": str(n), "name": name, "date": "2026-03-12", "figures": figures}
    ...           for n, name in enumerate(("Falun", "Borlänge"))]
    >>> [(row["name"], row["no_show_rate"], row["feedback_rate"]) for row in event_rows({"per_event": events})]
    [('Borlänge', '10 %', '–'), ('Falun', '10 %', '–')]
    """
    rows = []
    for entry in reversed(report["per_event"]):
        f = entry["figures"]
        rows.append({
            "id": entry["event_id"], "name": entry["name"], "date": entry["date"],
            "firms": num(f["firms_reached"], 0), "first_time": num(f["first_time_firms"], 0),
            "held": num(f["meetings_held"], 0), "no_show_rate": rate(f["no_show_rate"]),
            "feedback_rate": rate(f["feedback_response_rate"]), "awards": num(f["awards_to_met_firms"], 0),
            "value": money(f["awarded_value_sek"]),
        })  # fmt: skip
    return rows


def download_links(filters: Mapping[str, str], years: list[int]) -> dict[str, str | None]:
    """The downloads under the page's filters; the PDF is the chosen year's, else the latest year's.

    Examples
    --------
    >>> download_links({"year": "2025", "cpv_division": "45"}, [2025, 2026])["pdf"]
    '/arrangor/statistik/arsrapport-2025.pdf?cpv_division=45'
    >>> download_links({}, [])["csv"], download_links({}, [])["pdf"]
    ('/arrangor/statistik/statistik.csv', None)
    """
    query = urlencode(filters)
    suffix = f"?{query}" if query else ""
    year = filters.get("year") or (str(max(years)) if years else None)
    rest = urlencode({k: v for k, v in filters.items() if k != "year"})
    return {
        "csv": f"{PAGE}/statistik.csv{suffix}",
        "xlsx": f"{PAGE}/statistik.xlsx{suffix}",
        "pdf": f"{PAGE}/arsrapport-{year}.pdf" + (f"?{rest}" if rest else "") if year else None,
        "pdf_year": year,
    }


def choice_options(choices: Mapping[str, Any]) -> dict[str, list[tuple[str, str]]]:
    """The filter form's options (value, text) from the document's choices; the years newest first.

    Examples
    --------
    >>> choice_options({"years": [2025, 2026], "municipalities": [{"value": "2080", "label": "Falun"}],
    ...                 "buyers": [], "cpv_divisions": []})["years"]
    [('2026', '2026'), ('2025', '2025')]
    """
    options = {"years": [(str(year), str(year)) for year in sorted(choices["years"], reverse=True)]}
    for name in ("municipalities", "buyers", "cpv_divisions"):
        options[name] = [(choice["value"], choice["label"]) for choice in choices[name]]
    return options


def page_context(report: Mapping[str, Any], filters: Mapping[str, str]) -> dict[str, Any]:
    """Everything the template shows, from the matcher's document."""
    totals, years = report["totals"], report["per_year"]
    per_year = [(str(y["year"]), y["figures"]) for y in years]
    return {
        "filters": filters,
        "choices": report["choices"],
        "figures": key_figures(totals),
        "totals": totals,
        "choice_options": choice_options(report["choices"]),
        "awarded_value": money(totals["awarded_value_sek"]),
        "support_hours": num(totals["support_hours"], 1),
        "firms_chart": charts.pair_chart([(y, f["firms_reached"], f["first_time_firms"]) for y, f in per_year]),
        "meetings_chart": charts.pair_chart([(y, f["meetings_held"], f["no_shows"]) for y, f in per_year]),
        "chain_chart": charts.row_chart(chain_rows(totals)),
        "ratings_chart": charts.row_chart(rating_rows(totals)),
        "events": event_rows(report),
        "downloads": download_links(filters, list(report["choices"]["years"])),
        "number": lambda value: num(value, 0),
    }


async def statistics_page(request: web.Request) -> web.Response:
    """GET /arrangor/statistik: the figures across events under the filters of the address."""
    require_user(request, Role.ORGANISER)
    filters = chosen_filters(request.query)
    report = await backend(request).get("matcher", "/statistics", params=filters)
    return render(request, "organiser/statistics.html", page_context(report, filters))


async def _download(request: web.Request, path: str, params: Mapping[str, str]) -> web.Response:
    require_user(request, Role.ORGANISER)
    return await backend(request).download("matcher", path, params=params)


async def download_csv(request: web.Request) -> web.Response:
    """The figures per event and the totals under the filters, as the matcher's CSV (both languages' headers)."""
    return await _download(request, "/statistics.csv", chosen_filters(request.query))


async def download_xlsx(request: web.Request) -> web.Response:
    """The same as a spreadsheet."""
    return await _download(request, "/statistics.xlsx", chosen_filters(request.query))


async def download_report(request: web.Request) -> web.Response:
    """The yearly report for the steering group, as the matcher's PDF in the page language."""
    year = request.match_info["year"]
    filters = {k: v for k, v in chosen_filters(request.query).items() if k != "year"}
    return await _download(request, f"/statistics/report/{year}.pdf", {**filters, "lang": page_language()})


def add_routes(app: web.Application) -> None:
    app.router.add_get(PAGE, statistics_page)
    app.router.add_get(PAGE + "/statistik.csv", download_csv)
    app.router.add_get(PAGE + "/statistik.xlsx", download_xlsx)
    app.router.add_get(PAGE + r"/arsrapport-{year:20[0-9]{2}}.pdf", download_report)

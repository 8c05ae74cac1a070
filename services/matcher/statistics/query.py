"""The statistics report from the database: filters in, :class:`~.model.StatisticsReport` out.

The queries (:mod:`..sql.statistics`) read the facts migration 0019 keeps per published version
(``stat_meetings``: each pair with its need, division, firm's municipality, day mark and ratings), with
feedback requests, follow-up answers, the mirrored awards and support hours. Each answers per event, per
year and in total at once (grouping sets), so a firm met at two events is one firm in the year and the
totals. They run side by side on the pool's connections; :func:`assemble` (pure) merges their rows into
the model.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg

from shared.reference.cpv import cpv_label
from shared.reference.municipalities import municipality_name

from ..feedback.model import RATINGS
from ..sql import statistics as sql
from .model import Choice, EventFigures, Figures, FilterChoices, StatisticsFilters, StatisticsReport, YearFigures

STOCKHOLM = ZoneInfo("Europe/Stockholm")
FIGURE_QUERIES = (
    sql.SELECT_MEETING_FIGURES,
    sql.SELECT_FEEDBACK_FIGURES,
    sql.SELECT_NEED_FIGURES,
    sql.SELECT_SUPPORT_FIGURES,
)
Key = tuple[str, Any]  # ("event", id), ("year", 2026) or ("total", None)
TOTAL: Key = ("total", None)


def key_of(row: Mapping[str, Any]) -> Key:
    """Which grouping a figure row is: one event, one year, or the totals.

    Examples
    --------
    >>> key_of({"by_event": False, "by_year": True, "event_id": None, "year": 2026})
    ('year', 2026)
    >>> key_of({"by_event": False, "by_year": False, "event_id": None, "year": None})
    ('total', None)
    """
    if row["by_event"]:
        return ("event", row["event_id"])
    if row["by_year"]:
        return ("year", row["year"])
    return TOTAL


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


def credited_awards(rows: Iterable[Mapping[str, Any]]) -> dict[Key, tuple[int, int]]:
    """Per grouping: the awards (need, firm) credited, and the sum of their awards' values, each award once.

    Examples
    --------
    >>> e = UUID(int=1)
    >>> rows = [{"event_id": e, "year": 2026, "need_id": 1, "award_id": "a", "organisation_id": 7, "value_sek": 100},
    ...         {"event_id": e, "year": 2026, "need_id": 1, "award_id": "a", "organisation_id": 8, "value_sek": 100}]
    >>> credited_awards(rows)[("total", None)]  # two firms named by one award worth 100
    (2, 100)
    """
    pairs: dict[Key, set] = defaultdict(set)
    values: dict[Key, dict] = defaultdict(dict)
    for row in rows:
        for key in (("event", row["event_id"]), ("year", row["year"]), TOTAL):
            pairs[key].add((row["need_id"], row["organisation_id"]))
            values[key][(row["need_id"], row["award_id"])] = row["value_sek"] or 0
    return {key: (len(pairs[key]), sum(values[key].values())) for key in pairs}


def merged(figure_rows: Iterable[Iterable[Mapping[str, Any]]]) -> dict[Key, dict[str, Any]]:
    """The figure queries' rows merged per grouping (each query gives some of a grouping's figures).

    Examples
    --------
    >>> rows = [[{"by_event": False, "by_year": False, "event_id": None, "year": None, "events": 2}],
    ...         [{"by_event": False, "by_year": False, "event_id": None, "year": None, "buyers": 5}]]
    >>> merged(rows)[TOTAL]["events"], merged(rows)[TOTAL]["buyers"]
    (2, 5)
    """
    groups: dict[Key, dict[str, Any]] = defaultdict(dict)
    for rows in figure_rows:
        for row in rows:
            groups[key_of(row)].update((name, value) for name, value in row.items() if value is not None)
    return groups


def figures_of(key: Key, groups: Mapping[Key, Mapping[str, Any]], awards: Mapping[Key, tuple]) -> Figures:
    """The figures of one grouping from the merged rows of the figure queries (a missing figure is 0)."""
    row = groups.get(key, {})
    count = lambda name: int(row.get(name) or 0)  # noqa: E731 - a short reader
    asked, answered = count("feedback_asked"), count("feedback_answered")
    credited, value = awards.get(key, (0, 0))
    return Figures(
        events=count("events"),
        firms_reached=count("firms_reached"),
        first_time_firms=count("first_time_firms"),
        buyers=count("buyers"),
        meetings_planned=count("meetings_planned"),
        meetings_held=count("meetings_held"),
        no_shows=count("no_shows"),
        no_show_rate=_ratio(count("no_shows"), count("planned_past")),
        feedback_asked=asked,
        feedback_answered=answered,
        feedback_response_rate=_ratio(answered, asked),
        ratings={rating: count(rating) for rating in RATINGS},
        needs_discussed=count("needs_discussed"),
        tenders_followed=count("tenders_followed"),
        tenders_with_met_bidders=count("tenders_with_met_bidders"),
        awards_to_met_firms=credited,
        awarded_value_sek=value,
        support_requests=count("support_requests"),
        support_hours=float(row.get("support_hours") or 0.0),
        firms_helped=count("firms_helped"),
    )


def assemble(
    filters: StatisticsFilters,
    now: dt.datetime,
    figure_rows: Sequence[Iterable[Mapping[str, Any]]],
    award_rows: Iterable[Mapping[str, Any]],
    events: Iterable[Mapping[str, Any]],
    choices: FilterChoices,
) -> StatisticsReport:
    """The report from the queries' rows (pure): per event oldest first, per year, and the totals."""
    parts = merged(figure_rows)
    awards = credited_awards(award_rows)
    per_event = sorted(
        (
            EventFigures(event_id=e["event_id"], name=e["name"], date=e["event_date"],
                         figures=figures_of(("event", e["event_id"]), parts, awards))
            for e in events
        ),
        key=lambda item: (item.date, str(item.event_id)),
    )  # fmt: skip
    years = sorted(key[1] for key in parts if key[0] == "year")
    return StatisticsReport(
        generated_at=now,
        filters=filters,
        totals=figures_of(TOTAL, parts, awards),
        per_year=[YearFigures(year=year, figures=figures_of(("year", year), parts, awards)) for year in years],
        per_event=per_event,
        choices=choices,
    )


def division_label(division: str) -> str:
    """A CPV division's Swedish label, after its two digits.

    Examples
    --------
    >>> division_label("90")
    '90 Avlopps- och avfallshantering, sanering och miljötjänster'
    """
    try:
        return f"{division} {cpv_label(division + '000000')}"
    except (KeyError, ValueError):
        return division


async def filter_choices(conn: asyncpg.Connection) -> FilterChoices:
    """Every value the filters can take among the published events."""
    years = [r["year"] for r in await conn.fetch(sql.SELECT_YEARS)]
    codes = [r["municipality_code"] for r in await conn.fetch(sql.SELECT_MUNICIPALITIES)]
    buyers = sorted(
        (Choice(value=str(r["organisation_id"]), label=r["name"] or "") for r in await conn.fetch(sql.SELECT_BUYERS)),
        key=lambda choice: (choice.label.casefold(), choice.value),
    )
    divisions = [r["cpv_division"] for r in await conn.fetch(sql.SELECT_DIVISIONS)]
    return FilterChoices(
        years=years,
        municipalities=[Choice(value=code, label=municipality_name(code)) for code in codes],
        buyers=buyers,
        cpv_divisions=[Choice(value=d, label=division_label(d)) for d in divisions],
    )


async def statistics_report(pool: asyncpg.Pool, filters: StatisticsFilters, now: dt.datetime) -> StatisticsReport:
    """The statistics across the published events under ``filters``, as of ``now``."""
    today = now.astimezone(STOCKHOLM).date()
    args = (filters.year, filters.municipality, filters.buyer, filters.cpv_division, today)

    async def fetch(query: str, *extra: Any) -> list[asyncpg.Record]:
        async with pool.acquire() as conn, conn.transaction(readonly=True):
            # A plan for these very filters (a generic one cannot drop the unused ones and use the indexes),
            # and room to hash the history's meetings in memory.
            await conn.execute(sql.SET_QUERY_SETTINGS)
            return await conn.fetch(query, *extra)

    async def choices() -> FilterChoices:
        async with pool.acquire() as conn:
            return await filter_choices(conn)

    # All the queries at once; the figure queries gathered apart, as one flat starred gather is typed list[object].
    figure_rows, award_rows, chosen = await asyncio.gather(
        asyncio.gather(*(fetch(query, *args) for query in FIGURE_QUERIES)),
        fetch(sql.SELECT_CREDITED_AWARDS, *args),
        choices(),
    )
    event_ids: list[UUID] = list({r["event_id"]: None for r in figure_rows[0] if r["by_event"]})
    events = await fetch(sql.SELECT_EVENTS, event_ids)
    return assemble(filters, now, figure_rows, award_rows, events, chosen)

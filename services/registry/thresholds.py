"""Procurement thresholds: the LOU direct-award limit and the EU thresholds in SEK, as dated data.

Which rules a need falls under depends on its estimated value against the limits in force on the day the
procurement starts (we use ``planned_tender_date``, or today when it is unknown). The rows live in
``registry.procurement_thresholds`` (seeded in the migration, organisers add new ones when the EU
publishes new values or the law changes), so nothing here holds an amount.

Which EU threshold applies (simplified, documented):

- CPV division 45 (construction work) → ``eu_works``;
- buyers that are central government (``state_agency``, ``county_board``: länsstyrelser are state
  authorities) → ``eu_supplies_services_central``;
- everyone else (municipalities, regions, municipal companies) → ``eu_supplies_services_other``.

Social and other specific services (LOU bilaga 2) are defined by CPV lists in the directive's annex;
they are seeded as ``eu_social_services`` but not yet chosen automatically.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Annotated
from zoneinfo import ZoneInfo

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from shared.auth import Role, require
from shared.db import POOL_KEY
from shared.errors import Conflict, FieldError
from shared.integers import Int64
from shared.openapi import operation
from shared.text import single_line
from shared.web import json_response, read_json, read_query

from .need_models import NeedWarning, ValueBand
from .sql import thresholds as sql
from .unit_of_work import Audited, Outcome, write

DIRECT_AWARD = "direct_award_lou"
EU_WORKS = "eu_works"
EU_CENTRAL = "eu_supplies_services_central"
EU_OTHER = "eu_supplies_services_other"
CENTRAL_GOVERNMENT_CATEGORIES = frozenset({"state_agency", "county_board"})
STOCKHOLM = ZoneInfo("Europe/Stockholm")


def today_in_stockholm() -> date:
    """Today's date in Sweden (a need without a planned tender date is judged by today's limits)."""
    return datetime.now(STOCKHOLM).date()


class ThresholdTable:
    """All threshold rows, answering "what was in force on this day?" without a query per need.

    Examples
    --------
    >>> table = ThresholdTable([("direct_award_lou", date(2022, 2, 1), 700_000),
    ...                         ("direct_award_lou", date(2014, 7, 1), 505_800)])
    >>> table.on(date(2020, 1, 1)), table.on(date(2024, 1, 1)), table.on(date(2000, 1, 1))
    ({'direct_award_lou': 505800}, {'direct_award_lou': 700000}, {})
    """

    def __init__(self, rows: Iterable[tuple[str, date, int]]) -> None:
        by_kind: dict[str, list[tuple[date, int]]] = {}
        for kind, valid_from, amount in rows:
            by_kind.setdefault(kind, []).append((valid_from, amount))
        self._by_kind = {kind: sorted(values) for kind, values in by_kind.items()}

    def on(self, day: date) -> dict[str, int]:
        """The amount of each kind in force on ``day`` (kinds not yet valid are left out)."""
        result = {}
        for kind, values in self._by_kind.items():
            index = bisect.bisect_right(values, (day, float("inf"))) - 1
            if index >= 0:
                result[kind] = values[index][1]
        return result


def eu_threshold_kind(cpv_main: str, buyer_category: str | None) -> str:
    """The kind of EU threshold that applies to a need.

    Examples
    --------
    >>> eu_threshold_kind("45233141", "municipality")
    'eu_works'
    >>> eu_threshold_kind("90620000", "county_board"), eu_threshold_kind("90620000", "municipality")
    ('eu_supplies_services_central', 'eu_supplies_services_other')
    """
    if cpv_main.startswith("45"):
        return EU_WORKS
    return EU_CENTRAL if buyer_category in CENTRAL_GOVERNMENT_CATEGORIES else EU_OTHER


def value_band(value_sek: int | None, direct_award_limit: int | None, eu_threshold: int | None) -> ValueBand | None:
    """Where a value falls: up to the direct-award limit, below the EU threshold, or at/above it.

    Direct award is allowed when the value is at most the limit ("uppgår till högst"); the directive
    rules apply from the EU threshold up. Unknown limits are skipped; no value gives None.

    Examples
    --------
    >>> value_band(700_000, 700_000, 2_389_585), value_band(700_001, 700_000, 2_389_585)
    ('below_direct_award', 'below_eu_threshold')
    >>> value_band(2_389_585, 700_000, 2_389_585), value_band(None, 700_000, 2_389_585)
    ('above_eu_threshold', None)
    """
    if value_sek is None:
        return None
    if direct_award_limit is not None and value_sek <= direct_award_limit:
        return "below_direct_award"
    if eu_threshold is not None and value_sek >= eu_threshold:
        return "above_eu_threshold"
    if eu_threshold is None and direct_award_limit is None:
        return None
    return "below_eu_threshold"


def assess_need(
    value_sek: int | None, procedure: str, cpv_main: str, buyer_category: str | None, in_force: Mapping[str, int]
) -> tuple[ValueBand | None, list[NeedWarning]]:
    """The value band of a need and warnings about a procedure that does not fit its value.

    Examples
    --------
    >>> band, warnings = assess_need(900_000, "direct_award", "90620000", "municipality",
    ...                              {"direct_award_lou": 700_000, "eu_supplies_services_other": 2_389_585})
    >>> band, [w.code for w in warnings]
    ('below_eu_threshold', ['direct_award_above_limit'])
    """
    limit = in_force.get(DIRECT_AWARD)
    eu = in_force.get(eu_threshold_kind(cpv_main, buyer_category))
    band = value_band(value_sek, limit, eu)
    warnings = []
    if procedure == "direct_award" and band not in (None, "below_direct_award"):
        warnings.append(
            NeedWarning(
                code="direct_award_above_limit",
                message=f"Värdet {value_sek} kr överstiger direktupphandlingsgränsen {limit} kr.",
            )
        )
    if procedure == "simplified" and band == "above_eu_threshold":
        warnings.append(
            NeedWarning(
                code="simplified_above_eu_threshold",
                message=f"Förenklat förfarande får inte användas över EU:s tröskelvärde ({eu} kr).",
            )
        )
    return band, warnings


async def load_thresholds(conn: asyncpg.Connection | asyncpg.Pool) -> ThresholdTable:
    rows = await conn.fetch(sql.LIST_THRESHOLDS)
    return ThresholdTable((row["kind"], row["valid_from"], row["amount_sek"]) for row in rows)


ThresholdSource = Annotated[str, *single_line(500)]


class Threshold(BaseModel):
    """A threshold amount valid from a day until the next row of the same kind."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(pattern=r"^[a-z_]{1,60}$", description="e.g. direct_award_lou, eu_works")
    valid_from: date
    amount_sek: Int64 = Field(gt=0)
    source: ThresholdSource = Field(default="", description="Where the value comes from")


class ThresholdList(BaseModel):
    items: list[Threshold]


class ThresholdQuery(BaseModel):
    on: date | None = Field(default=None, description="Only the values in force on this day")


@operation(
    "List procurement thresholds (all rows, or those in force ?on=YYYY-MM-DD)",
    tags=("thresholds",),
    query=ThresholdQuery,
    response=ThresholdList,
)
@require()
async def list_thresholds(request: web.Request) -> web.Response:
    """List thresholds."""
    query = read_query(request, ThresholdQuery)
    pool = request.app[POOL_KEY]
    rows = await (pool.fetch(sql.THRESHOLDS_IN_FORCE, query.on) if query.on else pool.fetch(sql.LIST_THRESHOLDS))
    return json_response(ThresholdList(items=[Threshold(**dict(row)) for row in rows]))


@operation(
    "Add a threshold value from a date (organisers)",
    tags=("thresholds",),
    body=Threshold,
    response=Threshold,
    status=201,
    errors=(409,),
)
@require(Role.ORGANISER)
async def create_threshold(request: web.Request) -> web.Response:
    """Add a threshold row."""
    body = await read_json(request, Threshold)

    async def insert(conn: asyncpg.Connection) -> Outcome:
        row = await conn.fetchrow(sql.INSERT_THRESHOLD, body.kind, body.valid_from, body.amount_sek, body.source)
        entry = Audited("procurement_threshold", f"{body.kind}@{body.valid_from}", changes=body.model_dump(mode="json"))
        return Outcome(json_response(Threshold(**dict(row)), status=201), entry)

    def taken() -> Conflict:
        return Conflict(
            f"There is already a {body.kind} value from {body.valid_from}.",
            errors=[FieldError(pointer="/valid_from", code="duplicate", detail="Kind and date already exist.")],
        )

    return await write(request, insert, action="threshold.create", violations={sql.THRESHOLD_KEY: taken})

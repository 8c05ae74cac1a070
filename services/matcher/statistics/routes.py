"""The statistics routes: the report as JSON, CSV and spreadsheet, for organisers (and the web, as service).

Each takes the same query (year, municipality, buyer, cpv_division), validated field by field into
:class:`~.model.StatisticsFilters` (a bad value is a 422 naming the parameter).
"""

from __future__ import annotations

from collections.abc import Callable

from aiohttp import web

from shared.auth import Role, require
from shared.clock import CLOCK_KEY
from shared.db import POOL_KEY
from shared.openapi import operation
from shared.web import json_response, read_query

from .exports import CSV_TYPE, XLSX_TYPE, file_name, to_csv, to_xlsx
from .model import StatisticsFilters, StatisticsReport
from .query import statistics_report

STATISTICS_PATH = "/statistics"
CSV_PATH = "/statistics.csv"
XLSX_PATH = "/statistics.xlsx"
_FILTERS = (
    "Filters: year (the event's calendar year), municipality (the firms' home municipality, four digits), "
    "buyer (meetings with that buyer, its id) and cpv_division (the driving need's CPV division, two digits)."
)
_NO_STORE = {"Cache-Control": "no-store"}


async def _report(request: web.Request) -> StatisticsReport:
    filters = read_query(request, StatisticsFilters)
    return await statistics_report(request.app[POOL_KEY], filters, request.app[CLOCK_KEY].now())


@operation(
    "Statistics across the published events: totals, per year and per event, under the filters",
    tags=("statistics",),
    query=StatisticsFilters,
    response=StatisticsReport,
    errors=(422,),
    description=_FILTERS + " Every figure's definition is its field's description. Organisers (and the web).",
)
@require(Role.ORGANISER, Role.SERVICE)
async def get_statistics(request: web.Request) -> web.Response:
    """The statistics report as JSON."""
    return json_response(await _report(request), headers=_NO_STORE)


def _export(summary: str, content_type: str, description: str) -> Callable[[Callable], Callable]:
    """An export's OpenAPI operation and roles (the same filters, errors and callers as the JSON)."""

    def decorate(handler: Callable) -> Callable:
        allowed = require(Role.ORGANISER, Role.SERVICE)(handler)
        return operation(
            summary, tags=("statistics",), query=StatisticsFilters, errors=(422,),
            response_content_type=content_type, description=_FILTERS + " " + description,
        )(allowed)  # fmt: skip

    return decorate


async def _file(request: web.Request, render: Callable[[StatisticsReport], bytes], kind: str, suffix: str):
    report = await _report(request)
    headers = {
        **_NO_STORE,
        "Content-Type": kind,
        "Content-Disposition": f'attachment; filename="{file_name(report, suffix)}"',
    }
    return web.Response(body=render(report), headers=headers)


@_export(
    "The statistics as CSV: one row per event and the totals",
    CSV_TYPE,
    "Headers are the Swedish label with the English key in brackets; UTF-8 with a BOM.",
)
async def get_statistics_csv(request: web.Request) -> web.Response:
    """The statistics report as a CSV file."""
    return await _file(request, to_csv, CSV_TYPE, "csv")


@_export(
    "The statistics as a spreadsheet (.xlsx): per event with the totals, per year, and the selection",
    XLSX_TYPE,
    "Numbers are number cells and dates date cells.",
)
async def get_statistics_xlsx(request: web.Request) -> web.Response:
    """The statistics report as a spreadsheet."""
    return await _file(request, to_xlsx, XLSX_TYPE, "xlsx")


def add_statistics_routes(app: web.Application) -> None:
    app.router.add_get(STATISTICS_PATH, get_statistics)
    app.router.add_get(CSV_PATH, get_statistics_csv)
    app.router.add_get(XLSX_PATH, get_statistics_xlsx)

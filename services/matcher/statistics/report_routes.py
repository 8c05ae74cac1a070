"""``GET /statistics/report/{year}.pdf``: the yearly report for the steering group (issue 14).

The figures are the statistics query's (:mod:`.query`), asked without a year filter so that the document
holds the year before for the comparison; :func:`.report_pdf.report_pdf` keeps the year's own figures and
events. The other filters (municipality, buyer, CPV division) narrow it as they narrow ``GET /statistics``.
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from shared.auth import Role, require
from shared.clock import CLOCK_KEY
from shared.db import POOL_KEY
from shared.errors import NotFound
from shared.openapi import operation
from shared.web import read_query

from .model import BuyerFilter, CpvDivisionFilter, MunicipalityFilter, StatisticsFilters
from .query import statistics_report
from .report_pdf import report_pdf

REPORT_PATH = "/statistics/report/{year}.pdf"


class ReportQuery(BaseModel):
    """The report's language and the filters other than the year (the path's)."""

    lang: Literal["sv", "en"] = Field(default="sv", description="Language of the PDF: sv or en")
    municipality: MunicipalityFilter = None
    buyer: BuyerFilter = None
    cpv_division: CpvDivisionFilter = None


def path_year(request: web.Request) -> int:
    """The path's year, 2000–2100; anything else is a report that does not exist."""
    text = request.match_info["year"]
    if not (text.isascii() and text.isdigit() and len(text) == 4 and 2000 <= int(text) <= 2100):
        raise NotFound("Ingen årsrapport för det året. / No yearly report for that year.")
    return int(text)


@operation(
    "The yearly report for the steering group (PDF)",
    tags=("statistics",),
    query=ReportQuery,
    errors=(404, 422),
    description="One calendar year's figures across published events for the steering group: a title page, "
    "the key figures in sentences, the year compared with the year before (when it had events), a table per "
    "event, what each figure means and what the figures cannot say. The filters narrow it as they narrow GET "
    "/statistics. 404 for a year without published events (or not 2000–2100). application/pdf.",
)
@require(Role.ORGANISER, Role.SERVICE)
async def get_report_pdf(request: web.Request) -> web.Response:
    """The year's report as a PDF."""
    year = path_year(request)
    query = read_query(request, ReportQuery)
    filters = StatisticsFilters(municipality=query.municipality, buyer=query.buyer, cpv_division=query.cpv_division)
    report = await statistics_report(request.app[POOL_KEY], filters, request.app[CLOCK_KEY].now())
    try:
        body = report_pdf(report, year, lang=query.lang)
    except LookupError:
        raise NotFound(f"Inga publicerade affärsträffar {year}. / No published events in {year}.") from None
    name = f"arsrapport-{year}.pdf" if query.lang == "sv" else f"yearly-report-{year}.pdf"
    headers = {"Content-Disposition": f'inline; filename="{name}"', "Cache-Control": "private, no-store"}
    return web.Response(body=body, content_type="application/pdf", headers=headers)

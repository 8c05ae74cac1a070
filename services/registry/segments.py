"""The segment of firms an organiser invites to an event: ``GET /segments/firms``.

An organiser running a series invites earlier participants, or the firms of a municipality or a CPV
division, by e-mail (the matcher's ``POST /events/{id}/invitations`` reads this list with its service token).
Every criterion given must hold (AND):

- ``municipality``: the firm's home municipality (kommunkod);
- ``cpv_division``: one of its CPV codes lies in that division (first two digits);
- ``took_part_before=true``: it was registered, not cancelled, at an event before ``event``'s day (before
  today without ``event``); ``false`` is no criterion;
- ``event``: firms already signed up to that event (not cancelled) are left out, and counted in ``signed_up``.

Only SMEs that are not erased; each with its first contact's name and e-mail (personal data, so only
organisers and the service may ask) and the latest earlier event it took part in, paged like every list,
with the ``count`` of all matching firms on the first page (counting again for every page would cost a reader
of all pages, the matcher, as much again per page).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated
from uuid import UUID
from zoneinfo import ZoneInfo

import asyncpg
from aiohttp import web
from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from shared.auth import Role, require
from shared.clock import CLOCK_KEY
from shared.db import POOL_KEY
from shared.errors import FieldError, ValidationProblem
from shared.openapi import operation
from shared.reference.municipalities import MunicipalityCode
from shared.web import json_response, read_query

from .follows import CpvDivision, division_label
from .pagination import Page, PageQuery, cursor_text, link_headers, page_of, typed_cursor
from .sql import segments as sql

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def known_division(division: str) -> str:
    """A CPV division CPV 2008 has (for the query model); ValueError otherwise.

    Examples
    --------
    >>> known_division("45")
    '45'
    """
    if division_label(division) is None:
        raise ValueError("CPV 2008 has no such division")
    return division


class SegmentQuery(PageQuery):
    """The segment's criteria (all optional, combined with AND) and the page."""

    model_config = ConfigDict(extra="forbid")

    municipality: MunicipalityCode | None = Field(default=None, description="The firm's home kommunkod")
    cpv_division: Annotated[CpvDivision, AfterValidator(known_division)] | None = Field(
        default=None, description="A CPV division (two digits): firms with a CPV code in it"
    )
    took_part_before: bool = Field(
        default=False, description="true: registered (not cancelled) at an earlier event; false: no criterion"
    )
    event: UUID | None = Field(default=None, description="Leave out firms already signed up to this event")


class EarlierEvent(BaseModel):
    id: UUID
    name: str
    event_date: dt.date


class SegmentFirm(BaseModel):
    organisation_id: UUID
    name: str
    municipality_code: str
    cpv_codes: list[str]
    contact_name: str | None = Field(description="The firm's first contact person (personal data)")
    contact_email: str | None
    earlier_event: EarlierEvent | None = Field(description="The latest earlier event the firm took part in")


class SegmentPage(Page[SegmentFirm]):
    """A page of the segment, and how many firms it holds in all."""

    # Counted on the first page only: a client reading every page (the matcher) does not pay for it each time.
    count: int | None = Field(default=None, description="Firms matching every criterion (all pages); on the first page")
    signed_up: int | None = Field(
        default=None,
        description="With `event`: matching firms left out because they are signed up to it; on the first page",
    )


def segment_filters(query: SegmentQuery, before: dt.date) -> list[tuple[str, list[object]]]:
    """The criteria as SQL fragments with their arguments (without the event's and the cursor's).

    Examples
    --------
    >>> query = SegmentQuery(municipality="2080", took_part_before=True)
    >>> [(fragment[:8], values) for fragment, values in segment_filters(query, dt.date(2030, 10, 7))]
    [('o.munici', ['2080']), ('EXISTS (', [datetime.date(2030, 10, 7)])]
    """
    filters: list[tuple[str, list[object]]] = []
    if query.municipality is not None:
        filters.append((sql.FILTER_MUNICIPALITY, [query.municipality]))
    if query.cpv_division is not None:
        filters.append((sql.FILTER_CPV_DIVISION, [query.cpv_division]))
    if query.took_part_before:
        filters.append((sql.FILTER_TOOK_PART, [before]))
    return filters


async def _before(conn: asyncpg.Connection, request: web.Request, query: SegmentQuery) -> dt.date:
    """The day earlier events lie before: the event's, or today's (Swedish time) without one."""
    if query.event is None:
        return request.app[CLOCK_KEY].now().astimezone(STOCKHOLM).date()
    event_date = await conn.fetchval(sql.SELECT_EVENT_DATE, query.event)
    if event_date is None:
        raise ValidationProblem([FieldError(parameter="event", code="unknown_event", detail="No event with that id.")])
    return event_date


def _firm(row: asyncpg.Record) -> SegmentFirm:
    earlier = None
    if row["earlier_event_id"] is not None:
        earlier = EarlierEvent(
            id=row["earlier_event_id"], name=row["earlier_event_name"], event_date=row["earlier_event_date"]
        )
    fields = ("name", "municipality_code", "cpv_codes", "contact_name", "contact_email")
    return SegmentFirm(organisation_id=row["id"], earlier_event=earlier, **{name: row[name] for name in fields})


@operation(
    "The firms of a segment (municipality, CPV division, took part before), for invitations to an event",
    tags=("organisations",),
    query=SegmentQuery,
    response=SegmentPage,
    description="SMEs matching every criterion given, with their first contact (personal data) and the latest "
    "earlier event they took part in, ordered by name, with the `count` of all on the first page. With `event`, "
    "firms signed up to it are left out (`signed_up` counts them) and earlier events are those before its day.",
)
@require(Role.SERVICE)
async def list_segment_firms(request: web.Request) -> web.Response:
    """List the firms of a segment."""
    query = read_query(request, SegmentQuery)
    after = typed_cursor(query.cursor, cursor_text, UUID)
    async with request.app[POOL_KEY].acquire() as conn:
        before = await _before(conn, request, query)
        criteria = segment_filters(query, before)
        first_page, count, signed_up = query.cursor is None, None, None
        if query.event is not None:
            if first_page:
                statement, args = sql.count_query(before, [*criteria, (sql.FILTER_SIGNED_UP, [query.event])])
                signed_up = await conn.fetchval(statement, *args)
            criteria.append((sql.FILTER_NOT_SIGNED_UP, [query.event]))
        if first_page:
            statement, args = sql.count_query(before, criteria)
            count = await conn.fetchval(statement, *args)
        paged = [*criteria, (sql.FILTER_AFTER, list(after))] if query.cursor is not None else criteria
        statement, args = sql.segment_query(before, paged, query.limit + 1)
        rows = await conn.fetch(statement, *args)
    kept, next_cursor = page_of(rows, query.limit, lambda row: (row["sort_name"], str(row["id"])))
    page = SegmentPage(items=[_firm(row) for row in kept], next_cursor=next_cursor, count=count, signed_up=signed_up)
    return json_response(page, headers=link_headers(request, next_cursor))

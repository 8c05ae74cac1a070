"""Reading the audit log: organisers see all of it, an organisation the entries about itself."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from aiohttp import web
from pydantic import AwareDatetime, ConfigDict, Field, StringConstraints

from shared.audit import AuditEntry
from shared.auth import Role, require
from shared.db import POOL_KEY
from shared.errors import FieldError, ValidationProblem
from shared.openapi import operation
from shared.web import json_response, read_query

from .organisations import own_organisation, require_path_organisation
from .pagination import Page, PageQuery, decode_cursor, link_headers, page_of
from .sql import audit_routes as sql
from .sql.organisations import compose_query


class OrganisationAuditQuery(PageQuery):
    """Filters of an organisation's audit entries."""

    model_config = ConfigDict(extra="forbid")

    entity: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")] | None = Field(
        default=None, description="e.g. organisation, need, registration"
    )
    event_id: UUID | None = None
    since: AwareDatetime | None = Field(default=None, description="Entries at or after this time (with offset)")


class AuditQuery(OrganisationAuditQuery):
    """Filters of the whole audit log."""

    entity_id: Annotated[str, StringConstraints(min_length=1, max_length=200)] | None = None
    organisation_id: UUID | None = None


class AuditPage(Page[AuditEntry]):
    """A page of audit entries, newest first."""


def _filters(query: OrganisationAuditQuery) -> list[tuple[str, list[object]]]:
    filters: list[tuple[str, list[object]]] = []
    if query.entity is not None:
        filters.append((sql.FILTER_ENTITY, [query.entity]))
    if isinstance(query, AuditQuery):
        if query.entity_id is not None:
            filters.append((sql.FILTER_ENTITY_ID, [query.entity_id]))
        if query.organisation_id is not None:
            filters.append((sql.FILTER_ORGANISATION, [query.organisation_id]))
    if query.event_id is not None:
        filters.append((sql.FILTER_EVENT, [query.event_id]))
    if query.since is not None:
        filters.append((sql.FILTER_SINCE, [query.since]))
    if query.cursor is not None:
        (last_id,) = decode_cursor(query.cursor, 1)
        if not isinstance(last_id, int) or isinstance(last_id, bool):
            raise ValidationProblem(
                [FieldError(parameter="cursor", code="invalid_cursor", detail="Not a cursor this list gave out.")]
            )
        filters.append((sql.FILTER_BEFORE, [last_id]))
    return filters


async def _page(request: web.Request, query: OrganisationAuditQuery, extra: list[tuple[str, list[object]]]):
    statement, args = compose_query(sql.AUDIT_BASE, extra + _filters(query), sql.AUDIT_ORDER, query.limit + 1)
    rows = await request.app[POOL_KEY].fetch(statement, *args)
    kept, next_cursor = page_of(rows, query.limit, lambda row: (row["id"],))
    page = AuditPage(items=[AuditEntry(**dict(row)) for row in kept], next_cursor=next_cursor)
    return json_response(page, headers=link_headers(request, next_cursor))


@operation("Read the audit log (newest first)", tags=("audit",), query=AuditQuery, response=AuditPage)
@require(Role.ORGANISER)
async def list_audit(request: web.Request) -> web.Response:
    """The whole audit log, filtered."""
    return await _page(request, read_query(request, AuditQuery), [])


@operation(
    "Read the audit entries about an organisation (newest first)",
    tags=("audit", "organisations"),
    query=OrganisationAuditQuery,
    response=AuditPage,
    errors=(404,),
)
@require(Role.SME, Role.BUYER, owner=own_organisation)
async def list_organisation_audit(request: web.Request) -> web.Response:
    """Audit entries about one organisation."""
    organisation_id = require_path_organisation(request)
    query = read_query(request, OrganisationAuditQuery)
    return await _page(request, query, [(sql.FILTER_ABOUT_ORGANISATION, [organisation_id])])

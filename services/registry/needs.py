"""Needs (kommande upphandlingar): create, list, read, edit, change status, delete.

Who may do what: buyers manage their own organisation's needs, organisers everyone's; the service role
reads. A need still in ``planning`` is invisible (404) to everyone but its buyer, organisers and the
service; contact people are shown only to the same three. Status changes go through
``POST /needs/{id}/status`` (planning → planned → published; planning|planned → cancelled), never PATCH.
OCDS import and export are in :mod:`services.registry.needs_ocds`.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from aiohttp import web
from pydantic import BaseModel, Field, ValidationError

from shared.auth import PRINCIPAL_KEY, Principal, Role, require
from shared.db import POOL_KEY
from shared.errors import Conflict, FieldError, Forbidden, NotFound, ProblemError, ValidationProblem
from shared.errors import field_errors_from_validation as field_errors
from shared.integers import Int64
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.reference.cpv import cpv_label
from shared.text import single_line
from shared.web import json_response, read_json, read_query

from .need_models import (
    STATUS_TRANSITIONS,
    BuyerRef,
    NeedCreate,
    NeedFields,
    NeedList,
    NeedPatch,
    NeedRead,
    NeedStatus,
    ProcurementRead,
    StatusChange,
    need_row,
)
from .pagination import PageQuery, link_headers, page_of, typed_cursor
from .sql import escape_like
from .sql import needs as sql
from .thresholds import ThresholdTable, assess_need, load_thresholds, today_in_stockholm
from .unit_of_work import Audited, Outcome, write
from .versioning import etag_headers, if_match_version, not_modified, not_modified_response, raise_missing_or_stale

_FIELD_NAMES = tuple(NeedFields.model_fields)

CpvPrefix = Annotated[str, Field(pattern=r"^[0-9]{2,8}$")]
SearchText = Annotated[str, *single_line(200, min_length=1, strip=False)]


class NeedFilters(BaseModel):
    """Filters shared by the list and the OCDS export."""

    cpv: list[CpvPrefix] = Field(default_factory=list, description="CPV digit prefix (2–8); repeatable")
    municipality: str | None = Field(default=None, pattern=r"^[0-9]{4}$", description="Delivery kommunkod")
    buyer_id: UUID | None = None
    status: list[NeedStatus] = Field(default_factory=list, description="Repeatable")
    q: SearchText | None = Field(default=None, description="Swedish text search")
    suitable_for_smes: bool | None = None
    tender_from: date | None = Field(default=None, description="planned_tender_date on or after")
    tender_to: date | None = Field(default=None, description="planned_tender_date on or before")
    value_min: Int64 | None = Field(default=None, ge=0)
    value_max: Int64 | None = Field(default=None, ge=0)


class NeedQuery(NeedFilters, PageQuery):
    """List parameters."""


def _privileged(principal: Principal) -> bool:
    return principal.role in (Role.ORGANISER, Role.SERVICE)


def _visible(row: asyncpg.Record, principal: Principal) -> bool:
    return row["status"] != "planning" or _privileged(principal) or row["buyer_id"] == principal.organisation_id


def may_see_contact(row: asyncpg.Record, principal: Principal) -> bool:
    return _privileged(principal) or row["buyer_id"] == principal.organisation_id


def _need_id(request: web.Request) -> UUID:
    return path_uuid_or_404(request, "need_id", "need")


def fields_of(row: asyncpg.Record) -> dict[str, Any]:
    """The editable fields of a stored need (contact included, whoever asks)."""
    return {name: row[name] for name in _FIELD_NAMES}


def visible_fields(row: asyncpg.Record, principal: Principal) -> dict[str, Any]:
    """The editable fields of a stored need as this caller may see them (contact only for those allowed)."""
    fields = fields_of(row)
    fields["contact"] = row["contact"] if may_see_contact(row, principal) else None
    return fields


def read_model(row: asyncpg.Record, principal: Principal, thresholds: ThresholdTable) -> NeedRead:
    """A stored need as this caller may see it, with labels, value band and warnings."""
    in_force = thresholds.on(row["planned_tender_date"] or today_in_stockholm())
    band, warnings = assess_need(
        row["estimated_value_sek"], row["procedure"], row["cpv_main"], row["buyer_category"], in_force
    )
    return NeedRead(
        **visible_fields(row, principal),
        id=row["id"],
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        buyer=BuyerRef(id=row["buyer_id"], name=row["buyer_name"]),
        cpv_main_label=cpv_label(row["cpv_main"]),
        cpv_additional_labels=[cpv_label(code) for code in row["cpv_additional"]],
        value_band=band,
        warnings=warnings,
        procurement=ProcurementRead.model_validate(row["procurement"] or {}),
    )


async def _respond(conn: asyncpg.Connection, request: web.Request, need_id: UUID, status: int = 200) -> web.Response:
    row = await conn.fetchrow(sql.SELECT_NEED, need_id)
    model = read_model(row, request[PRINCIPAL_KEY], await load_thresholds(conn))
    headers = etag_headers(row["version"])
    if status == 201:
        headers["Location"] = f"/needs/{need_id}"
    return json_response(model, status=status, headers=headers)


async def _editable(conn: asyncpg.Connection, request: web.Request, need_id: UUID) -> asyncpg.Record:
    """The need locked for change: 404 when the caller cannot see it, 403 when not theirs, 412 when stale."""
    principal = request[PRINCIPAL_KEY]
    expected = if_match_version(request)
    row = await conn.fetchrow(sql.SELECT_NEED_FOR_UPDATE, need_id)
    if row is None or not _visible(row, principal):
        raise NotFound("No need with that id.")
    if principal.role != Role.ORGANISER and row["buyer_id"] != principal.organisation_id:
        raise Forbidden("Only the need's own buyer (or an organiser) may change it.")
    if expected is not None and expected != row["version"]:
        await raise_missing_or_stale(conn, sql.SELECT_NEED_VERSION, need_id, what="need")
    return row


async def _check_buyer(conn: asyncpg.Connection, buyer_id: UUID) -> None:
    org = await conn.fetchrow(sql.SELECT_ORGANISATION, buyer_id)
    if org is None or org["kind"] != "buyer":
        raise ValidationProblem(
            [FieldError(pointer="/buyer_id", code="not_a_buyer", detail="No buyer organisation with that id.")]
        )


def _ocid_taken(pointer: str = "/ocid") -> ProblemError:
    return Conflict(
        "Another need already has this ocid.",
        errors=[FieldError(pointer=pointer, code="duplicate", detail="The ocid is already in use.")],
    )


OCID_TAKEN = {sql.NEED_OCID_UNIQUE: _ocid_taken}


@operation(
    "Create a need (buyers for their own organisation, organisers for any buyer); Idempotency-Key",
    tags=("needs",),
    body=NeedCreate,
    response=NeedRead,
    status=201,
    errors=(409,),
)
@require(Role.BUYER)
async def create_need(request: web.Request) -> web.Response:
    """Create a need."""
    body = await read_json(request, NeedCreate)
    principal = request[PRINCIPAL_KEY]
    if principal.role == Role.BUYER:
        if body.buyer_id is not None and body.buyer_id != principal.organisation_id:
            raise Forbidden("A buyer creates needs only for its own organisation.")
        assert principal.organisation_id is not None  # a buyer's token always names its organisation
        buyer_id = principal.organisation_id
    elif body.buyer_id is None:
        raise ValidationProblem([FieldError(pointer="/buyer_id", code="missing", detail="Name the buyer.")])
    else:
        buyer_id = body.buyer_id

    async def insert(conn: asyncpg.Connection) -> Outcome:
        await _check_buyer(conn, buyer_id)
        need_id = await conn.fetchval(sql.INSERT_NEED, *need_row(body, buyer_id).values())
        changes = body.model_dump(mode="json", exclude={"buyer_id"})
        audited = Audited("need", need_id, organisation_id=buyer_id, changes=changes)
        return Outcome(await _respond(conn, request, need_id, status=201), audited)

    return await write(request, insert, action="need.create", idempotent=True, violations=OCID_TAKEN)


def filter_args(query: NeedFilters, principal: Principal) -> list[Any]:
    """The arguments of the filter part of ``LIST_NEEDS`` and ``EXPORT_NEEDS`` ($1 … $13)."""
    pattern = f"%{escape_like(query.q.lower())}%" if query.q else None
    return [
        _privileged(principal),
        principal.organisation_id,
        query.cpv or None,
        query.municipality,
        query.buyer_id,
        query.status or None,
        query.q,
        pattern,
        query.suitable_for_smes,
        query.tender_from,
        query.tender_to,
        query.value_min,
        query.value_max,
    ]


@operation(
    "List needs (filters, Swedish text search, cursor paging)", tags=("needs",), query=NeedQuery, response=NeedList
)
@require()
async def list_needs(request: web.Request) -> web.Response:
    """List the needs the caller may see."""
    query = read_query(request, NeedQuery)
    principal = request[PRINCIPAL_KEY]
    after_at, after_id = typed_cursor(query.cursor, datetime.fromisoformat, UUID)
    pool = request.app[POOL_KEY]
    rows = await pool.fetch(sql.LIST_NEEDS, *filter_args(query, principal), after_at, after_id, query.limit + 1)
    kept, next_cursor = page_of(rows, query.limit, key=lambda row: [row["created_at"].isoformat(), str(row["id"])])
    thresholds = await load_thresholds(pool)
    items = [read_model(row, principal, thresholds) for row in kept]
    return json_response(NeedList(items=items, next_cursor=next_cursor), headers=link_headers(request, next_cursor))


@operation("Read a need (ETag; If-None-Match → 304)", tags=("needs",), response=NeedRead, errors=(404,))
@require()
async def get_need(request: web.Request) -> web.Response:
    """Read one need."""
    need_id = _need_id(request)
    pool = request.app[POOL_KEY]
    row = await pool.fetchrow(sql.SELECT_NEED, need_id)
    if row is None or not _visible(row, request[PRINCIPAL_KEY]):
        raise NotFound("No need with that id.")
    if not_modified(request, row["version"]):
        return not_modified_response(row["version"])
    model = read_model(row, request[PRINCIPAL_KEY], await load_thresholds(pool))
    return json_response(model, headers=etag_headers(row["version"]))


@operation(
    "Change a need's fields (not its status: use POST /needs/{need_id}/status); If-Match",
    tags=("needs",),
    body=NeedPatch,
    response=NeedRead,
    errors=(404, 409, 412),
)
@require(Role.BUYER)
async def patch_need(request: web.Request) -> web.Response:
    """Edit a need."""
    need_id = _need_id(request)
    patch = await read_json(request, NeedPatch)
    changes = patch.model_dump(mode="json", exclude_unset=True)

    async def update(conn: asyncpg.Connection) -> Outcome:
        row = await _editable(conn, request, need_id)
        if row["status"] == "cancelled":
            raise Conflict("A cancelled need cannot be changed.")
        try:
            need = NeedFields.model_validate({**fields_of(row), **changes})
        except ValidationError as error:
            raise ValidationProblem(field_errors(error)) from None
        values = need_row(need, row["buyer_id"])
        await conn.execute(sql.UPDATE_NEED, need_id, *(values[column] for column in sql.UPDATABLE_COLUMNS))
        audited = Audited("need", need_id, organisation_id=row["buyer_id"], changes=changes)
        return Outcome(await _respond(conn, request, need_id), audited)

    return await write(request, update, action="need.update", violations=OCID_TAKEN)


@operation(
    "Change a need's status: planning → planned → published, planning|planned → cancelled; If-Match",
    tags=("needs",),
    body=StatusChange,
    response=NeedRead,
    errors=(404, 409, 412),
)
@require(Role.BUYER)
async def change_status(request: web.Request) -> web.Response:
    """Move a need to another status."""
    need_id = _need_id(request)
    body = await read_json(request, StatusChange)

    async def move(conn: asyncpg.Connection) -> Outcome:
        row = await _editable(conn, request, need_id)
        current = row["status"]
        if body.status == current:
            return Outcome(await _respond(conn, request, need_id))
        allowed = STATUS_TRANSITIONS[current]
        if body.status not in allowed:
            raise Conflict(
                f"A need in status {current} cannot become {body.status}; "
                + (f"allowed: {', '.join(sorted(allowed))}." if allowed else f"{current} is final."),
                current_status=current,
            )
        await conn.execute(sql.UPDATE_STATUS, need_id, body.status)
        changes = {"status": body.status, "from_status": current, "reason": body.reason}
        return Outcome(
            await _respond(conn, request, need_id),
            Audited("need", need_id, organisation_id=row["buyer_id"], changes=changes),
        )

    return await write(request, move, action="need.status")


@operation(
    "Delete a need (409 while a scheduled or published event uses it: cancel it instead)",
    tags=("needs",),
    status=204,
    errors=(404, 409, 412),
)
@require(Role.BUYER)
async def delete_need(request: web.Request) -> web.Response:
    """Delete a need."""
    need_id = _need_id(request)

    async def delete(conn: asyncpg.Connection) -> Outcome:
        row = await _editable(conn, request, need_id)
        events = await conn.fetch(sql.EVENTS_USING_NEED, need_id)
        if events:
            raise Conflict(
                "Registrations of scheduled or published events refer to this need; cancel it instead "
                f"(POST /needs/{need_id}/status with status cancelled).",
                events=[{"id": str(e["id"]), "name": e["name"], "status": e["status"]} for e in events],
            )
        await conn.execute(sql.DELETE_NEED, need_id)
        return Outcome(web.Response(status=204), Audited("need", need_id, organisation_id=row["buyer_id"]))

    return await write(request, delete, action="need.delete")

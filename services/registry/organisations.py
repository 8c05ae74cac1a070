"""Organisations (SMEs and buyers): create (incl. anonymous SME self-registration), list, read, change.

Erasure and export (GDPR) are in :mod:`services.registry.privacy`, the audit log's routes in
:mod:`services.registry.audit_routes`.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from aiohttp import web
from pydantic import ConfigDict, Field, StringConstraints, ValidationError

from shared.auth import PRINCIPAL_KEY, Principal, Role, authenticate, require
from shared.db import POOL_KEY
from shared.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    PreconditionFailed,
    ValidationProblem,
    field_errors_from_validation,
)
from shared.openapi import operation
from shared.reference import cpv as cpv_reference
from shared.reference.orgnr import is_personal_number
from shared.web import SETTINGS_KEY, json_response, read_json, read_query

from . import audit, idempotency, ratelimit
from .organisation_models import (
    ContactIn,
    CountyCode,
    CreatedOrganisation,
    Kind,
    MunicipalityCode,
    Organisation,
    OrganisationCreate,
    OrganisationUpdate,
    create_fields_of_row,
    organisation_of_row,
    organisation_row,
)
from .pagination import Page, PageQuery, decode_cursor, link_headers, page_of
from .sql import organisations as sql
from .tokens import issue_token
from .versioning import etag_headers, if_match_version, not_modified

SIGNUP_WINDOW_SECONDS = 3600
# A cpv filter covering more codes than this is matched by prefix (LIKE) instead of `&&` on the GIN index.
# Measured on 50 000 rows: up to ~50 codes the index answers in 0.3–1.5 ms; a division such as 45
# (822 codes) matches a quarter of the rows, the planner then scans the table, and `&&` against the long
# array costs 2.5 s where the LIKE form costs 0.1 s.
MAX_EXPANDED_CPV_CODES = 64
# Audit entries outlive erasure: a sole trader's identifying values are never copied into them.
REDACTED = "<personal data>"
IDENTIFYING_FIELDS = ("orgnr", "name", "description", "website")
# Roles that see personal data of every organisation (contacts, a sole trader's personnummer).
PRIVILEGED_ROLES = frozenset({Role.ORGANISER, Role.SERVICE})


# --- helpers shared with privacy.py and audit_routes.py ---------------------------------------------


def path_organisation_id(request: web.Request) -> UUID | None:
    """The ``{organisation_id}`` of the path, None when it is not a UUID (then: 404)."""
    try:
        return UUID(request.match_info["organisation_id"])
    except ValueError:
        return None


async def own_organisation(request: web.Request) -> UUID | None:
    """Owner resolver for :func:`require`: the organisation named in the path."""
    return path_organisation_id(request)


def may_see_private(principal: Principal | None, organisation_id: UUID) -> bool:
    """Personal data (contacts, a sole trader's personnummer): the organisation itself, organisers, the matcher."""
    if principal is None:
        return False
    return principal.role in PRIVILEGED_ROLES or principal.organisation_id == organisation_id


def require_path_organisation(request: web.Request) -> UUID:
    organisation_id = path_organisation_id(request)
    if organisation_id is None:
        raise NotFound("No organisation with that id.")
    return organisation_id


def audit_values(values: dict[str, Any], *orgnrs: str | None) -> dict[str, Any]:
    """Field → value for an audit entry; a sole trader's identifying values are replaced by a marker.

    Examples
    --------
    >>> audit_values({"name": "Anna Svensson Städ", "turnover_sek": 1}, "880320-0016")
    {'name': '<personal data>', 'turnover_sek': 1}
    """
    if not any(orgnr is not None and is_personal_number(orgnr) for orgnr in orgnrs):
        return values
    return {name: REDACTED if name in IDENTIFYING_FIELDS else value for name, value in values.items()}


async def insert_contacts(conn: asyncpg.Connection, organisation_id: UUID, contacts: Iterable[ContactIn]) -> None:
    contacts = list(contacts)
    if contacts:
        await conn.execute(
            sql.INSERT_CONTACTS,
            organisation_id,
            [c.name for c in contacts],
            [c.title for c in contacts],
            [str(c.email) for c in contacts],
            [c.phone for c in contacts],
        )


def orgnr_conflict() -> Conflict:
    return Conflict(
        "An organisation with this organisation number is already registered.",
        errors=[
            FieldError(pointer="/orgnr", code="duplicate", detail="This organisation number is already registered.")
        ],
    )


def _headers(row: asyncpg.Record) -> dict[str, str]:
    return {"Location": f"/organisations/{row['id']}", **etag_headers(row["version"])}


# --- create -------------------------------------------------------------------------------------------


async def _optional_principal(request: web.Request) -> Principal | None:
    """The caller, or None for an anonymous request (a bad token is still a 401)."""
    if "Authorization" not in request.headers:
        return None
    return await authenticate(request)


@operation(
    "Register an organisation (organisers: any kind; without a token: an SME registers itself)",
    tags=("organisations",),
    body=OrganisationCreate,
    response=CreatedOrganisation,
    status=201,
    errors=(403, 409, 429),
    description=(
        "Without a token only `kind: sme` is accepted; the answer then holds the SME's API token, shown once. "
        "Self-registrations are limited per client address per hour (REGISTRY_SIGNUP_LIMIT_PER_HOUR). "
        "Send `Idempotency-Key` to make retries safe."
    ),
)
async def create_organisation(request: web.Request) -> web.Response:
    """Create an organisation, or let an SME register itself."""
    principal = await _optional_principal(request)
    if principal is not None and principal.role != Role.ORGANISER:
        raise Forbidden("Only organisers register organisations; SMEs register themselves without a token.")
    body = await read_json(request, OrganisationCreate)
    pool = request.app[POOL_KEY]
    if principal is None:
        if body.kind != "sme":
            raise Forbidden("Only SMEs register themselves; buyers are registered by the organisers.")
        settings = request.app[SETTINGS_KEY]
        await ratelimit.hit(
            pool,
            f"signup:{request.remote}",
            limit=settings.signup_limit_per_hour,
            window_seconds=SIGNUP_WINDOW_SECONDS,
        )
    try:
        async with pool.acquire() as conn, conn.transaction():
            replay = await idempotency.claim(conn, request)
            if replay is not None:
                return replay
            row = await conn.fetchrow(sql.INSERT_ORGANISATION, *organisation_row(body).values())
            await insert_contacts(conn, row["id"], body.contacts)
            contacts = await conn.fetch(sql.SELECT_CONTACTS, row["id"])
            created = organisation_of_row(row, contacts, private=True)
            token = None
            if principal is None:
                token, _ = await issue_token(
                    conn, Role.SME, organisation_id=row["id"], label=f"{body.name[:170]} (self-registration)"
                )
            values = body.model_dump(mode="json", exclude={"contacts"})
            values["contacts"] = len(body.contacts)
            await audit.record(
                conn,
                request,
                "organisation.created",
                "organisation",
                row["id"],
                organisation_id=row["id"],
                changes=audit_values(values, body.orgnr),
            )
            result = created if token is None else CreatedOrganisation(**created.model_dump(), token=token)
            response = json_response(result, status=201, headers=_headers(row))
            return await idempotency.remember(conn, request, response)
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name == sql.ORGANISATION_ORGNR_UNIQUE:
            raise orgnr_conflict() from None
        raise


# --- list -----------------------------------------------------------------------------------------------

CpvPrefix = Annotated[str, StringConstraints(pattern=r"^[0-9]{2,8}$")]


class OrganisationQuery(PageQuery):
    """Filters of the organisation list (all optional, combined with AND)."""

    model_config = ConfigDict(extra="forbid")

    kind: Kind | None = None
    municipality: list[MunicipalityCode] = Field(default_factory=list, description="Seat kommunkod; repeatable")
    county: CountyCode | None = Field(default=None, description="County code, e.g. 20 (Dalarna)")
    cpv: list[CpvPrefix] = Field(
        default_factory=list, description="CPV code or its leading 2–8 digits (a branch of the tree); repeatable"
    )
    q: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)] | None = Field(
        default=None, description="Swedish text search in name, keywords and description (parts of words match)"
    )
    certificate: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)] | None = None
    serves: MunicipalityCode | None = Field(default=None, description="Organisations that deliver in this kommunkod")


@functools.cache
def _all_cpv_codes() -> tuple[str, ...]:
    # The reference module keeps its table private; the codes are its keys.
    return tuple(cpv_reference._table())


def cpv_codes_under(prefixes: Iterable[str]) -> list[str]:
    """Every CPV 2008 code that starts with one of the prefixes (so the GIN index can serve ``&&``).

    Examples
    --------
    >>> "90910000" in cpv_codes_under(["9091"]) and "90600000" not in cpv_codes_under(["9091"])
    True
    """
    prefixes = tuple(prefixes)
    return [code for code in _all_cpv_codes() if code.startswith(prefixes)]


def escape_like(text: str) -> str:
    r"""Escape LIKE's wildcards (backslash is PostgreSQL's default escape character).

    Examples
    --------
    >>> escape_like("100%_a\\b")
    '100\\%\\_a\\\\b'
    """
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_filters(query: OrganisationQuery) -> list[tuple[str, list[object]]]:
    filters: list[tuple[str, list[object]]] = []
    if query.kind is not None:
        filters.append((sql.FILTER_KIND, [query.kind]))
    if query.municipality:
        filters.append((sql.FILTER_MUNICIPALITIES, [query.municipality]))
    if query.county is not None:
        filters.append((sql.FILTER_COUNTY, [query.county]))
    if query.cpv:
        codes = cpv_codes_under(query.cpv)
        if len(codes) <= MAX_EXPANDED_CPV_CODES:
            filters.append((sql.FILTER_CPV_CODES, [codes]))
        else:
            filters.append((sql.FILTER_CPV_PREFIXES, [[f"{prefix}%" for prefix in query.cpv]]))
    if query.q is not None:
        filters.append((sql.FILTER_TEXT, [query.q, escape_like(query.q.lower())]))
    if query.certificate is not None:
        filters.append((sql.FILTER_CERTIFICATE, [query.certificate]))
    if query.serves is not None:
        filters.append((sql.FILTER_SERVES, [query.serves]))
    if query.cursor is not None:
        name, last_id = decode_cursor(query.cursor, 2)
        try:
            filters.append((sql.FILTER_AFTER, [str(name), UUID(str(last_id))]))
        except ValueError:
            raise ValidationProblem(
                [FieldError(parameter="cursor", code="invalid_cursor", detail="Not a cursor this list gave out.")]
            ) from None
    return filters


class OrganisationPage(Page[Organisation]):
    """A page of organisations (never with contacts)."""


@operation(
    "List organisations (filters: kind, municipality, county, cpv, q, certificate, serves)",
    tags=("organisations",),
    query=OrganisationQuery,
    response=OrganisationPage,
)
@require()
async def list_organisations(request: web.Request) -> web.Response:
    """List organisations, ordered by name."""
    query = read_query(request, OrganisationQuery)
    principal = request[PRINCIPAL_KEY]
    statement, args = sql.list_organisations_query(list_filters(query), query.limit + 1)
    rows = await request.app[POOL_KEY].fetch(statement, *args)
    kept, next_cursor = page_of(rows, query.limit, lambda row: (row["name"], str(row["id"])))
    items = [organisation_of_row(row, None, private=may_see_private(principal, row["id"])) for row in kept]
    return json_response(
        OrganisationPage(items=items, next_cursor=next_cursor), headers=link_headers(request, next_cursor)
    )


# --- read -----------------------------------------------------------------------------------------------


@operation("Read an organisation", tags=("organisations",), response=Organisation, errors=(404,))
@require()
async def get_organisation(request: web.Request) -> web.Response:
    """Read one organisation (contacts only for itself, organisers and the matcher)."""
    organisation_id = require_path_organisation(request)
    private = may_see_private(request[PRINCIPAL_KEY], organisation_id)
    async with request.app[POOL_KEY].acquire() as conn:
        row = await conn.fetchrow(sql.SELECT_ORGANISATION, organisation_id)
        if row is None:
            raise NotFound("No organisation with that id.")
        if not_modified(request, row["version"]):
            return web.Response(status=304, headers=etag_headers(row["version"]))
        contacts = await conn.fetch(sql.SELECT_CONTACTS, organisation_id) if private else None
    return json_response(organisation_of_row(row, contacts, private=private), headers=etag_headers(row["version"]))


# --- change ---------------------------------------------------------------------------------------------


def _changed_fields(current: asyncpg.Record, new_row: dict[str, object]) -> dict[str, Any]:
    """Model field names whose stored value changes (the three area columns count as areas_served)."""
    changed: dict[str, Any] = {}
    for column, value in new_row.items():
        if column == "kind" or current[column] == value:
            continue
        if column.startswith("serve"):
            changed["areas_served"] = {
                "whole_country": new_row["serves_whole_country"],
                "counties": new_row["served_counties"],
                "municipalities": new_row["served_municipalities"],
            }
        else:
            changed[column] = value
    return changed


def _merge(current: asyncpg.Record, update: OrganisationUpdate, principal: Principal) -> OrganisationCreate:
    """The organisation after the update, validated as a whole (cross-field rules included)."""
    sent = update.changes()
    if "kind" in sent and sent["kind"] != current["kind"]:
        raise ValidationProblem(
            [FieldError(pointer="/kind", code="immutable", detail="The kind of an organisation cannot change.")]
        )
    if "orgnr" in sent and sent["orgnr"] != current["orgnr"] and principal.role != Role.ORGANISER:
        raise Forbidden("Only organisers change an organisation number.")
    merged = create_fields_of_row(current)
    merged.update(update.model_dump(mode="json", include=set(sent) - {"contacts", "kind"}))
    try:
        return OrganisationCreate.model_validate(merged)
    except ValidationError as error:
        raise ValidationProblem(field_errors_from_validation(error, source="body")) from None


@operation(
    "Change an organisation (partial; contacts, when sent, replace the list)",
    tags=("organisations",),
    body=OrganisationUpdate,
    response=Organisation,
    errors=(404, 409, 412),
)
@require(Role.SME, Role.BUYER, owner=own_organisation)
async def update_organisation(request: web.Request) -> web.Response:
    """Change an organisation's profile or contacts."""
    organisation_id = require_path_organisation(request)
    update = await read_json(request, OrganisationUpdate)
    expected = if_match_version(request)
    principal = request[PRINCIPAL_KEY]
    try:
        async with request.app[POOL_KEY].acquire() as conn, conn.transaction():
            current = await conn.fetchrow(sql.SELECT_ORGANISATION_FOR_UPDATE, organisation_id)
            if current is None:
                raise NotFound("No organisation with that id.")
            if expected is not None and current["version"] != expected:
                raise PreconditionFailed(
                    f"The organisation was changed by someone else (now version {current['version']}); "
                    "read it again and re-apply your change.",
                    headers=etag_headers(current["version"]),
                    current_version=current["version"],
                )
            if current["erased_at"] is not None:
                raise Conflict("This organisation was erased; it cannot be changed.")
            merged = _merge(current, update, principal)
            new_row = organisation_row(merged)
            changed = _changed_fields(current, new_row)
            if update.contacts is not None:
                changed["contacts"] = len(update.contacts)
            if not changed:
                row = current
            else:
                row = await conn.fetchrow(sql.UPDATE_ORGANISATION, organisation_id, *list(new_row.values())[1:])
                if update.contacts is not None:
                    await conn.execute(sql.DELETE_CONTACTS, organisation_id)
                    await insert_contacts(conn, organisation_id, update.contacts)
                await audit.record(
                    conn,
                    request,
                    "organisation.updated",
                    "organisation",
                    organisation_id,
                    organisation_id=organisation_id,
                    changes=audit_values(changed, current["orgnr"], merged.orgnr),
                )
            contacts = await conn.fetch(sql.SELECT_CONTACTS, organisation_id)
    except asyncpg.UniqueViolationError as error:
        if error.constraint_name == sql.ORGANISATION_ORGNR_UNIQUE:
            raise orgnr_conflict() from None
        raise
    return json_response(organisation_of_row(row, contacts, private=True), headers=etag_headers(row["version"]))

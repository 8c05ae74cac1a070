"""Organisations (SMEs and buyers): create (incl. anonymous SME self-registration), read, change.

The list and its filters are in :mod:`services.registry.organisation_search`, erasure and export (GDPR)
in :mod:`services.registry.privacy`, the audit log's routes in :mod:`services.registry.audit_routes`.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import asyncpg
from aiohttp import web
from pydantic import ValidationError

from shared.auth import PRINCIPAL_KEY, Principal, Role, authenticate, require
from shared.db import POOL_KEY
from shared.errors import (
    Conflict,
    FieldError,
    Forbidden,
    NotFound,
    ValidationProblem,
    field_errors_from_validation,
)
from shared.openapi import operation
from shared.organisation_profile import FIELD_OF_COLUMN, FIELDS
from shared.paths import path_uuid, path_uuid_or_404
from shared.reference.orgnr import is_personal_number
from shared.web import json_response, read_json

from . import ratelimit
from .keys import SETTINGS_KEY
from .organisation_models import (
    ContactIn,
    CreatedOrganisation,
    Organisation,
    OrganisationCreate,
    OrganisationUpdate,
    create_fields_of_row,
    organisation_of_row,
    organisation_row,
)
from .sql import organisations as sql
from .tokens import issue_token
from .unit_of_work import Audited, Outcome, write
from .versioning import etag_headers, if_match_version, not_modified, not_modified_response, stale

SIGNUP_WINDOW_SECONDS = 3600
# Audit entries outlive erasure: a sole trader's identifying values are never copied into them.
REDACTED = "<personal data>"
IDENTIFYING_FIELDS = ("orgnr", "name", "description", "website")
# Roles that see personal data of every organisation (contacts, a sole trader's personnummer).
PRIVILEGED_ROLES = frozenset({Role.ORGANISER, Role.SERVICE})


# --- helpers shared with privacy.py and audit_routes.py ---------------------------------------------


async def own_organisation(request: web.Request) -> UUID | None:
    """Owner resolver for :func:`require`: the organisation named in the path."""
    return path_uuid(request, "organisation_id")


def may_see_private(principal: Principal | None, organisation_id: UUID) -> bool:
    """Personal data (contacts, a sole trader's personnummer): the organisation itself, organisers, the matcher."""
    if principal is None:
        return False
    return principal.role in PRIVILEGED_ROLES or principal.organisation_id == organisation_id


def require_path_organisation(request: web.Request) -> UUID:
    """The ``{organisation_id}`` of the path; 404 when it is not a UUID."""
    return path_uuid_or_404(request, "organisation_id", "organisation")


async def locked_organisation(conn: asyncpg.Connection, organisation_id: UUID, expected: int | None) -> asyncpg.Record:
    """The organisation row locked for a change; 404 when absent, 412 when ``If-Match`` is stale."""
    row = await conn.fetchrow(sql.SELECT_ORGANISATION_FOR_UPDATE, organisation_id)
    if row is None:
        raise NotFound("No organisation with that id.")
    if expected is not None and row["version"] != expected:
        raise stale("organisation", row["version"])
    return row


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


# A second organisation with the same organisation number (a race past any check) is this 409.
ORGNR_TAKEN = {sql.ORGANISATION_ORGNR_UNIQUE: orgnr_conflict}


def _headers(row: asyncpg.Record) -> dict[str, str]:
    return {"Location": f"/organisations/{row['id']}", **etag_headers(row["version"])}


# --- create -------------------------------------------------------------------------------------------


async def _issue_signup_token(conn: asyncpg.Connection, organisation_id: UUID, name: str) -> str:
    """The SME token of a self-registration (the only tokens issued without ``created_by``)."""
    token, _ = await issue_token(
        conn, Role.SME, organisation_id=organisation_id, label=f"{name[:170]} (self-registration)"
    )
    return token


def _without_token(body: dict[str, Any]) -> dict[str, Any]:
    """A self-registration's answer as it may be stored for replay: tokens are kept only as hashes.

    A replay (same visitor, key and body) gets this answer, ``token: null``, and changes nothing: the
    first token keeps working and no new one is issued, because a replay does not prove that its
    sender is the one who registered. A firm that lost its first answer signs in by e-mailed link.
    """
    return {**body, "token": None}


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
        "Send `Idempotency-Key` to make retries safe; anonymous keys are per visitor, and a replayed "
        "self-registration answers `token: null` and changes nothing (sign in by e-mailed link instead)."
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
            f"signup:{await ratelimit.client_address(request)}",
            limit=settings.signup_limit_per_hour,
            window_seconds=SIGNUP_WINDOW_SECONDS,
        )
    # A self-registration's answer holds the SME token: it is stored (and replayed) without it.
    redact = _without_token if principal is None else None

    async def insert(conn: asyncpg.Connection) -> Outcome:
        row = await conn.fetchrow(sql.INSERT_ORGANISATION, *organisation_row(body).values())
        await insert_contacts(conn, row["id"], body.contacts)
        contacts = await conn.fetch(sql.SELECT_CONTACTS, row["id"])
        created = organisation_of_row(row, contacts, private=True)
        token = None
        if principal is None:
            token = await _issue_signup_token(conn, row["id"], body.name)
        values = body.model_dump(mode="json", exclude={"contacts"})
        values["contacts"] = len(body.contacts)
        entry = Audited("organisation", row["id"], organisation_id=row["id"], changes=audit_values(values, body.orgnr))
        result = created if token is None else CreatedOrganisation(**created.model_dump(), token=token)
        return Outcome(json_response(result, status=201, headers=_headers(row)), entry)

    return await write(
        request, insert, action="organisation.created", idempotent=True, redact=redact, violations=ORGNR_TAKEN
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
            return not_modified_response(row["version"])
        contacts = await conn.fetch(sql.SELECT_CONTACTS, organisation_id) if private else None
    return json_response(organisation_of_row(row, contacts, private=private), headers=etag_headers(row["version"]))


# --- change ---------------------------------------------------------------------------------------------


def _changed_fields(current: asyncpg.Record, new_row: dict[str, object]) -> dict[str, Any]:
    """Model field names whose stored value changes (the three area columns count as areas_served)."""
    changed: dict[str, Any] = {}
    for column, value in new_row.items():
        field = FIELDS[FIELD_OF_COLUMN[column]]
        if not field.changeable or current[column] == value:
            continue
        if field.parts:
            changed[field.name] = {key: new_row[part] for key, part in field.parts}
        else:
            changed[field.name] = value
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

    async def change(conn: asyncpg.Connection) -> Outcome:
        current = await locked_organisation(conn, organisation_id, expected)
        if current["erased_at"] is not None:
            raise Conflict("This organisation was erased; it cannot be changed.")
        merged = _merge(current, update, principal)
        new_row = organisation_row(merged)
        changed = _changed_fields(current, new_row)
        if update.contacts is not None:
            changed["contacts"] = len(update.contacts)
        row, entry = current, None
        if changed:
            row = await conn.fetchrow(
                sql.UPDATE_ORGANISATION, organisation_id, *(new_row[column] for column in sql.UPDATED_COLUMNS)
            )
            if update.contacts is not None:
                await conn.execute(sql.DELETE_CONTACTS, organisation_id)
                await insert_contacts(conn, organisation_id, update.contacts)
            changes = audit_values(changed, current["orgnr"], merged.orgnr)
            entry = Audited("organisation", organisation_id, organisation_id=organisation_id, changes=changes)
        contacts = await conn.fetch(sql.SELECT_CONTACTS, organisation_id)
        organisation = organisation_of_row(row, contacts, private=True)
        return Outcome(json_response(organisation, headers=etag_headers(row["version"])), entry)

    return await write(request, change, action="organisation.updated", violations=ORGNR_TAKEN)

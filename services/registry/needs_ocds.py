"""Needs ⇄ OCDS 1.1 over HTTP: import a release package (all or nothing), export the visible needs.

The mapping itself is pure and lives in :mod:`services.registry.ocds` (import) and
:mod:`services.registry.ocds_export`; this module adds who may do it, the database and the audit.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aiohttp import web

from shared.auth import PRINCIPAL_KEY, Role, require
from shared.db import POOL_KEY
from shared.errors import FieldError, ProblemError, ValidationProblem
from shared.json_body import load_json
from shared.openapi import operation
from shared.web import json_response, read_query

from . import audit
from .need_models import FINAL_STATUSES, NeedFields, OcdsDocument, OcdsImportResult, need_row
from .needs import NeedFilters, filter_args, visible_fields
from .ocds import OcdsInvalid, release_to_fields, releases_in, validate_release
from .ocds_export import need_to_release, release_package
from .sql import needs as sql

# Not a registered OCDS prefix (those are assigned by the Open Contracting Partnership): used only for
# needs typed in here, which have no ocid of their own, so that an export is still valid OCDS in shape.
OCID_PREFIX = "ocds-affarstraff"
EXPORT_LIMIT = 10_000


async def _read_document(request: web.Request) -> Any:
    if request.content_type != "application/json":
        raise ProblemError("Send the body as application/json.", status=415, slug="unsupported-media-type")
    return load_json(await request.read())  # the shared rules: 400 malformed or too deep, 422 NUL


def _when(value: str | None) -> datetime:
    try:
        parsed = datetime.fromisoformat(value or "")
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@operation(
    "Import needs from an OCDS 1.1 release package or release (tags planning, planningUpdate, tender, "
    "tenderUpdate); all or nothing; re-import of an ocid updates its need",
    tags=("needs", "ocds"),
    body=OcdsDocument,
    response=OcdsImportResult,
)
@require(Role.BUYER)
async def import_ocds(request: web.Request) -> web.Response:
    """Import needs from OCDS."""
    document = await _read_document(request)
    principal = request[PRINCIPAL_KEY]
    errors: list[FieldError] = []
    latest: dict[str, tuple[datetime, int, Any, NeedFields]] = {}
    try:
        for index, (pointer, release) in enumerate(releases_in(document)):
            try:
                imported = release_to_fields(release, pointer)
                need = validate_release(imported)
            except OcdsInvalid as invalid:
                errors.extend(invalid.errors)
                continue
            # Several releases of one process: the newest (by date, then position) describes it.
            candidate = (_when(imported.date), index, imported, need)
            if imported.ocid not in latest or candidate[:2] >= latest[imported.ocid][:2]:
                latest[imported.ocid] = candidate
    except OcdsInvalid as invalid:
        errors.extend(invalid.errors)
    if errors:
        raise ValidationProblem(errors)
    created, updated, ids = 0, 0, []
    async with request.app[POOL_KEY].acquire() as conn, conn.transaction():
        own = (
            await conn.fetchrow(sql.SELECT_ORGANISATION, principal.organisation_id)
            if principal.organisation_id
            else None
        )
        plan = []
        for _, _, imported, need in latest.values():
            org = await conn.fetchrow(sql.SELECT_BUYER_BY_ORGNR, imported.buyer_orgnr)
            if principal.role == Role.BUYER and (own is None or own["orgnr"] != imported.buyer_orgnr):
                errors.append(FieldError(pointer=imported.buyer_pointer, code="not_your_organisation",
                                         detail="The buyer party must be your own organisation."))  # fmt: skip
                continue
            if org is None or org["kind"] != "buyer":
                errors.append(FieldError(pointer=imported.buyer_pointer, code="unknown_buyer",
                                         detail="No buyer organisation with that organisationsnummer."))  # fmt: skip
                continue
            existing = await conn.fetchrow(sql.SELECT_NEED_BY_OCID, imported.ocid)
            if existing is not None and existing["buyer_id"] != org["id"]:
                errors.append(FieldError(pointer=imported.pointer + "/ocid", code="ocid_of_another_buyer",
                                         detail="This ocid belongs to another buyer's need."))  # fmt: skip
                continue
            if existing is not None and existing["status"] in FINAL_STATUSES and existing["status"] != need.status:
                final = f"The need is already {existing['status']}, which is final."
                errors.append(FieldError(pointer=imported.sources["/status"], code="status_final", detail=final))
                continue
            plan.append((need, org["id"], existing))
        if errors:
            raise ValidationProblem(errors)
        for need, buyer_id, existing in plan:
            values = need_row(need, buyer_id)
            if existing is None:
                need_id = await conn.fetchval(sql.INSERT_NEED, *values.values())
                created += 1
            else:
                need_id = existing["id"]
                await conn.execute(sql.UPDATE_NEED, need_id, *(values[column] for column in sql.UPDATABLE_COLUMNS))
                updated += 1
            await audit.record(
                conn, request, "need.import_ocds", "need", need_id, organisation_id=buyer_id,
                changes=need.model_dump(mode="json"),
            )  # fmt: skip
            ids.append(need_id)
    return json_response(OcdsImportResult(created=created, updated=updated, needs=ids))


@operation(
    "Export the needs visible to the caller as an OCDS 1.1 release package (same filters as the list)",
    tags=("needs", "ocds"),
    query=NeedFilters,
    response=OcdsDocument,
)
@require()
async def export_ocds(request: web.Request) -> web.Response:
    """Export needs as OCDS."""
    query = read_query(request, NeedFilters)
    principal = request[PRINCIPAL_KEY]
    rows = await request.app[POOL_KEY].fetch(sql.EXPORT_NEEDS, *filter_args(query, principal), EXPORT_LIMIT)
    releases = []
    for row in rows:
        need = NeedFields.model_validate(visible_fields(row, principal))
        ocid = row["ocid"] or f"{OCID_PREFIX}-{row['id']}"
        releases.append(
            need_to_release(
                need,
                ocid=ocid,
                release_id=f"{ocid}-v{row['version']}",
                released_at=row["updated_at"],
                buyer_name=row["buyer_name"],
                buyer_orgnr=row["buyer_orgnr"] or "",
            )
        )
    package = release_package(
        releases, uri=str(request.url), published=datetime.now(UTC), publisher="Affärsträff registry"
    )
    return web.json_response(package)

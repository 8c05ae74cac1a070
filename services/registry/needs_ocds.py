"""Needs ⇄ OCDS 1.1 over HTTP: import a release package (all or nothing), export the visible needs.

The mapping itself is pure and lives in :mod:`services.registry.ocds` (the need's fields),
:mod:`services.registry.procurement` (tender, awards, contracts and the stage) and
:mod:`services.registry.ocds_export`; this module adds who may do it, the database and the audit.
A stage that moves is written to the change feed in the import's transaction (``need.stage``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg
from aiohttp import web

from shared.auth import PRINCIPAL_KEY, Role, require
from shared.db import POOL_KEY
from shared.errors import FieldError, ProblemError, ValidationProblem
from shared.json_body import load_json
from shared.openapi import operation
from shared.web import json_response, read_query

from .changes import record_stage_change
from .need_models import FINAL_STATUSES, Contact, NeedFields, OcdsDocument, OcdsImportResult, ProcurementRead, need_row
from .needs import NeedFilters, filter_args, visible_fields
from .ocds import ACCEPTED_TAGS, ImportedRelease, OcdsInvalid, release_to_fields, releases_in, validate_release
from .ocds_export import need_to_release, release_package
from .procurement import LIFECYCLE_TAGS, TENDER_TAGS, ReleaseFacts, release_facts, release_identity
from .procurement_store import apply_releases
from .sql import needs as sql
from .unit_of_work import Audited, Outcome, write

# Not a registered OCDS prefix (those are assigned by the Open Contracting Partnership): used only for
# needs typed in here, which have no ocid of their own, so that an export is still valid OCDS in shape.
OCID_PREFIX = "ocds-affarstraff"
EXPORT_LIMIT = 10_000


async def _read_document(request: web.Request) -> Any:
    if request.content_type != "application/json":
        raise ProblemError("Send the body as application/json.", status=415, slug="unsupported-media-type")
    return load_json(await request.read())  # the shared rules: 400 malformed or too deep, 422 NUL


def stored_need(fields: dict[str, Any]) -> NeedFields:
    """A stored need's fields as the model, its contact person taken as stored.

    The address and number were checked when the need was written; checking every one again (e-mail
    syntax and domain, phone parsing) took most of a large export's time.

    Examples
    --------
    >>> need = stored_need({"title": "Snöröjning", "cpv_main": "90620000",
    ...                     "contact": {"name": "Anna", "email": "anna@falun.se", "phone": "+4623123456"}})
    >>> need.contact.email, need.title
    ('anna@falun.se', 'Snöröjning')
    """
    contact = fields.get("contact")
    need = NeedFields.model_validate({**fields, "contact": None})
    return need if contact is None else need.model_copy(update={"contact": Contact.model_construct(**contact)})


def _when(value: str | None) -> datetime:
    try:
        parsed = datetime.fromisoformat(value or "")
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


@dataclass
class _Parsed:
    """What an import read from its document, before it touches the database."""

    # ocid → (date, position, mapped release, need) of the newest release with need fields.
    latest: dict[str, tuple[datetime, int, ImportedRelease, NeedFields]] = field(default_factory=dict)
    # ocid → (date, position, facts) of every release, for the procurement.
    facts: dict[str, list[tuple[datetime, int, ReleaseFacts]]] = field(default_factory=dict)
    # Releases with no need fields (award, contract): (ocid, buyer org.nr, buyer pointer, release pointer).
    lifecycle_only: list[tuple[str, str, str, str]] = field(default_factory=list)
    tender_tagged: set[str] = field(default_factory=set)


def _tags(release: dict[str, Any]) -> set[str]:
    tags = release.get("tag")
    return {tag for tag in tags if isinstance(tag, str)} if isinstance(tags, list) else set()


def _parse(document: Any) -> _Parsed:
    """Map every release, collecting all errors (raised as one 422)."""
    parsed, errors = _Parsed(), []
    try:
        releases = releases_in(document)
    except OcdsInvalid as invalid:
        raise ValidationProblem(invalid.errors) from None
    for index, (pointer, release) in enumerate(releases):
        tags = _tags(release)
        try:
            if tags & ACCEPTED_TAGS or not tags & LIFECYCLE_TAGS:  # the need's fields (or the tag error)
                imported = release_to_fields(release, pointer)
                need = validate_release(imported)
                # Several releases of one process: the newest (by date, then position) describes it.
                candidate = (_when(imported.date), index, imported, need)
                latest = parsed.latest.get(imported.ocid)
                if latest is None or candidate[:2] >= latest[:2]:
                    parsed.latest[imported.ocid] = candidate
                if tags & TENDER_TAGS:
                    parsed.tender_tagged.add(imported.ocid)
            else:
                parsed.lifecycle_only.append((*release_identity(release, pointer), pointer))
        except OcdsInvalid as invalid:
            errors.extend(invalid.errors)
        try:
            facts = release_facts(release, pointer)
            parsed.facts.setdefault(facts.ocid, []).append((facts.date, index, facts))
        except OcdsInvalid as invalid:
            errors.extend(invalid.errors)
    if errors:
        raise ValidationProblem(errors)
    return parsed


@operation(
    "Import needs from an OCDS 1.1 release package or release (tags planning, planningUpdate, tender, "
    "tenderUpdate; award, awardUpdate, contract, contractUpdate for a known ocid); all or nothing; "
    "re-import of an ocid updates its need, and its procurement stage moves with the releases",
    tags=("needs", "ocds"),
    body=OcdsDocument,
    response=OcdsImportResult,
)
@require(Role.BUYER)
async def import_ocds(request: web.Request) -> web.Response:
    """Import needs from OCDS."""
    parsed = _parse(await _read_document(request))
    principal = request[PRINCIPAL_KEY]

    async def import_needs(conn: asyncpg.Connection) -> Outcome:
        errors: list[FieldError] = []
        created, updated, ids = 0, 0, []
        audited: list[Audited] = []  # the needs written, then the procurements that moved
        own = (
            await conn.fetchrow(sql.SELECT_ORGANISATION, principal.organisation_id)
            if principal.organisation_id
            else None
        )

        async def buyer_of(orgnr: str, pointer: str) -> asyncpg.Record | None:
            org = await conn.fetchrow(sql.SELECT_BUYER_BY_ORGNR, orgnr)
            if principal.role == Role.BUYER and (own is None or own["orgnr"] != orgnr):
                errors.append(FieldError(pointer=pointer, code="not_your_organisation",
                                         detail="The buyer party must be your own organisation."))  # fmt: skip
                return None
            if org is None or org["kind"] != "buyer":
                errors.append(FieldError(pointer=pointer, code="unknown_buyer",
                                         detail="No buyer organisation with that organisationsnummer."))  # fmt: skip
                return None
            return org

        plan = []
        for _, _, imported, need in parsed.latest.values():
            org = await buyer_of(imported.buyer_orgnr, imported.buyer_pointer)
            if org is None:
                continue
            existing = await conn.fetchrow(sql.SELECT_NEED_BY_OCID, imported.ocid)
            if existing is not None and existing["buyer_id"] != org["id"]:
                errors.append(FieldError(pointer=imported.pointer + "/ocid", code="ocid_of_another_buyer",
                                         detail="This ocid belongs to another buyer's need."))  # fmt: skip
                continue
            if existing is not None and existing["status"] in FINAL_STATUSES and existing["status"] != need.status:
                if imported.ocid in parsed.tender_tagged:
                    # A tender cancelled or unsuccessful after it was advertised: the need stays as it is
                    # (its status says who sees it); the procurement stage tells what happened.
                    need = need.model_copy(update={"status": existing["status"]})
                else:
                    final = f"The need is already {existing['status']}, which is final."
                    errors.append(FieldError(pointer=imported.sources["/status"], code="status_final", detail=final))
                    continue
            plan.append((need, org["id"], existing))
        # Award and contract releases move a need that exists, or that this package creates.
        known: dict[str, UUID] = {}
        for ocid, orgnr, buyer_pointer, pointer in parsed.lifecycle_only:
            org = await buyer_of(orgnr, buyer_pointer)
            if org is None:
                continue
            if ocid in parsed.latest:  # the package itself describes the need: the same buyer's, or refused
                if parsed.latest[ocid][2].buyer_orgnr != orgnr:
                    errors.append(FieldError(pointer=pointer + "/ocid", code="ocid_of_another_buyer",
                                             detail="This ocid belongs to another buyer's need."))  # fmt: skip
                continue
            existing = await conn.fetchrow(sql.SELECT_NEED_BY_OCID, ocid)
            if existing is None:
                unknown = "No need with this ocid: import its planning or tender release first."
                errors.append(FieldError(pointer=pointer + "/ocid", code="unknown_ocid", detail=unknown))
            elif existing["buyer_id"] != org["id"]:
                errors.append(FieldError(pointer=pointer + "/ocid", code="ocid_of_another_buyer",
                                         detail="This ocid belongs to another buyer's need."))  # fmt: skip
            else:
                known[ocid] = existing["id"]
        if errors:
            raise ValidationProblem(errors)
        written: dict[str, tuple[UUID, UUID]] = {}
        for need, buyer_id, existing in plan:
            values = need_row(need, buyer_id)
            if existing is None:
                need_id = await conn.fetchval(sql.INSERT_NEED, *values.values())
                created += 1
            else:
                need_id = existing["id"]
                await conn.execute(sql.UPDATE_NEED, need_id, *(values[column] for column in sql.UPDATABLE_COLUMNS))
                updated += 1
            audited.append(Audited("need", need_id, organisation_id=buyer_id, changes=need.model_dump(mode="json")))
            ids.append(need_id)
            written[need.ocid or ""] = (need_id, buyer_id)
        moved = []
        for ocid, entries in parsed.facts.items():
            if ocid in written:
                (need_id, buyer_id), bump = written[ocid], False
            elif ocid in known:
                row = await conn.fetchrow(sql.SELECT_NEED_BY_OCID, ocid)
                (need_id, buyer_id), bump = (row["id"], row["buyer_id"]), True
            else:
                continue
            releases = [facts for _, _, facts in sorted(entries, key=lambda entry: entry[:2])]
            applied = await apply_releases(conn, need_id, buyer_id, releases, bump_version=bump)
            if bump and need_id not in ids:
                ids.append(need_id)
            if applied.audited is not None:
                audited.append(applied.audited)
            if applied.stage is not None:
                moved.append((buyer_id, need_id, applied.stage))
        # Late in the transaction: the feed's lock is held to commit. (write appends the audit entries after
        # this, as it does for every write that records a change.)
        for buyer_id, need_id, stage in moved:
            await record_stage_change(conn, buyer_id, need_id, stage)
        return Outcome(json_response(OcdsImportResult(created=created, updated=updated, needs=ids)), audited)

    return await write(request, import_needs, action="need.import_ocds")


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
        need = stored_need(visible_fields(row, principal))
        ocid = row["ocid"] or f"{OCID_PREFIX}-{row['id']}"
        releases.append(
            need_to_release(
                need,
                ocid=ocid,
                release_id=f"{ocid}-v{row['version']}",
                released_at=row["updated_at"],
                buyer_name=row["buyer_name"],
                buyer_orgnr=row["buyer_orgnr"] or "",
                procurement=ProcurementRead.model_validate(row["procurement"] or {}),
            )
        )
    package = release_package(
        releases, uri=str(request.url), published=datetime.now(UTC), publisher="Affärsträff registry"
    )
    return web.json_response(package)

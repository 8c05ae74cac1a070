"""Walk-ins: a firm that turns up unannounced is registered at the reception on the event's day.

The organiser or the event's host (värd) sends the short form (org.nr, name, one contact person, what
it sells as CPV codes). One transaction creates the organisation (or finds it by org.nr when the firm
is already in the registry), its contact and its registration for the event, however the event's
sign-up stands: only the event's day counts, in the event's time zone, by the application's clock
(:mod:`shared.clock`). The matcher then records the arrival and puts the firm on the stand-by list.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg
from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from shared.auth import PRINCIPAL_KEY, Role, path_event, require
from shared.clock import CLOCK_KEY
from shared.errors import Conflict, FieldError, Forbidden, NotFound, ValidationProblem
from shared.event_day import is_event_day
from shared.openapi import operation
from shared.reference.municipalities import MunicipalityCode
from shared.reference.orgnr import OrgNr
from shared.web import json_response, read_json

from .event_models import EventStatus
from .events import event_id_of
from .organisation_models import (
    ContactIn,
    CpvCodes,
    Description,
    OrganisationCreate,
    OrganisationName,
    organisation_row,
)
from .organisations import audit_values, insert_contacts, orgnr_conflict
from .sql import events as event_sql
from .sql import organisations as org_sql
from .sql import registrations as registration_sql
from .sql import walk_ins as sql
from .unit_of_work import Audited, Outcome, write

WALK_IN_NOTE = "Walk-in"
DAY_STATUSES = frozenset({EventStatus.OPEN, EventStatus.CLOSED, EventStatus.SCHEDULED, EventStatus.PUBLISHED})
# A concurrent registration of the same org.nr won the race.
ORGNR_TAKEN = {org_sql.ORGANISATION_ORGNR_UNIQUE: orgnr_conflict}


class WalkInCreate(BaseModel):
    """The reception's short form for a firm that came unannounced."""

    model_config = ConfigDict(extra="forbid")

    orgnr: OrgNr = Field(description="Organisationsnummer, NNNNNN-NNNN (sole traders: the personnummer)")
    name: OrganisationName = Field(description="The firm's name (ignored if the org.nr is known)")
    contact: ContactIn = Field(description="The person at the reception")
    cpv_codes: CpvCodes = Field(min_length=1, description="What the firm sells (CPV 2008)")
    municipality_code: MunicipalityCode | None = Field(
        default=None, description="Kommunkod of the seat; absent: the event's municipality"
    )
    description: Description = ""


class WalkIn(BaseModel):
    """The registered walk-in."""

    organisation_id: UUID
    registration_id: UUID
    name: str
    new_organisation: bool = Field(description="false: the org.nr was already registered and that firm was used")


def _event_day_check(request: web.Request, event: asyncpg.Record) -> None:
    if event["status"] not in DAY_STATUSES:
        raise NotFound("No event with that id.")
    if not is_event_day(request.app[CLOCK_KEY].now(), event["event_date"], event["time_zone"]):
        raise Conflict(
            f"Walk-ins are registered on the event's day ({event['event_date'].isoformat()}) only.",
            errors=[FieldError(pointer="", code="not_event_day", detail="Not the event's day.")],
        )


async def _organisation(
    conn: asyncpg.Connection, body: WalkInCreate, event: asyncpg.Record
) -> tuple[asyncpg.Record, bool]:
    """The firm by org.nr, or a new one from the form (with its contact)."""
    existing = await conn.fetchrow(sql.SELECT_ORGANISATION_BY_ORGNR, body.orgnr)
    if existing is not None:
        if existing["erased_at"] is not None or existing["kind"] != "sme":
            raise ValidationProblem(
                [FieldError(pointer="/orgnr", code="not_an_sme", detail="This org.nr is not a firm that can sign up.")]
            )
        return existing, False
    create = OrganisationCreate(
        kind="sme",
        orgnr=body.orgnr,
        name=body.name,
        municipality_code=body.municipality_code or event["municipality_code"],
        cpv_codes=body.cpv_codes,
        description=body.description,
        contacts=[body.contact],
    )
    row = await conn.fetchrow(org_sql.INSERT_ORGANISATION, *organisation_row(create).values())
    await insert_contacts(conn, row["id"], create.contacts)
    return row, True


@operation(
    "Register a walk-in firm for an event on its day",
    tags=("registrations",),
    body=WalkInCreate,
    response=WalkIn,
    status=201,
    errors=(404, 409),
    description="The organiser or the event's host registers a firm that came unannounced: the organisation "
    "(found by org.nr when already registered), its contact and an SME registration, in one transaction, "
    "whether or not sign-up is still open. Only on the event's day (its time zone); another day is 409, "
    "an org.nr already signed up for the event is 409 with its registration. Send `Idempotency-Key` for safe retries.",
)
@require(Role.HOST, event=path_event)
async def create_walk_in(request: web.Request) -> web.Response:
    """Register a walk-in."""
    event_id = event_id_of(request)
    principal = request[PRINCIPAL_KEY]
    if not principal.serves_event(event_id):
        raise Forbidden("Your token serves another event's reception.")
    body = await read_json(request, WalkInCreate)

    async def register(conn: asyncpg.Connection) -> Outcome:
        event = await conn.fetchrow(event_sql.LOCK_EVENT_FOR_SHARE, event_id)
        if event is None:
            raise NotFound("No event with that id.")
        _event_day_check(request, event)
        organisation, created = await _organisation(conn, body, event)
        existing = await conn.fetchrow(registration_sql.LOCK_EXISTING_REGISTRATION, event_id, organisation["id"])
        if existing is not None and existing["status"] == "active":
            raise Conflict(
                "The firm is already signed up for this event: check it in instead.",
                registration_id=str(existing["id"]),
                organisation_id=str(organisation["id"]),
                errors=[FieldError(pointer="/orgnr", code="already_registered", detail="Already signed up.")],
            )
        meetings, languages = event["default_meetings_per_sme"], list(organisation["languages"])
        if existing is None:
            registration_id = await conn.fetchval(
                sql.INSERT_WALK_IN_REGISTRATION, event_id, organisation["id"], meetings, languages, WALK_IN_NOTE
            )
        else:
            registration_id = existing["id"]
            await conn.execute(sql.REACTIVATE_WALK_IN_REGISTRATION, registration_id, meetings, languages, WALK_IN_NOTE)
        entries = []
        if created:  # a new firm has its own entry, as one made by POST /organisations has
            values = audit_values({"name": body.name, "cpv_codes": body.cpv_codes, "contacts": 1}, body.orgnr)
            entries.append(
                Audited(
                    "organisation",
                    organisation["id"],
                    organisation_id=organisation["id"],
                    changes=values,
                    action="organisation.created",
                )
            )
        entries.append(
            Audited(
                "registration",
                registration_id,
                organisation_id=organisation["id"],
                event_id=event_id,
                changes={"new_organisation": created},
            )
        )
        answer = WalkIn(
            organisation_id=organisation["id"],
            registration_id=registration_id,
            name=organisation["name"],
            new_organisation=created,
        )
        response = json_response(answer, status=201, headers={"Location": f"/registrations/{registration_id}"})
        return Outcome(response, entries)

    return await write(request, register, action="registration.walk_in", idempotent=True, violations=ORGNR_TAKEN)

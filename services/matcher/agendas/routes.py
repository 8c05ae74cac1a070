"""Agendas for participants and organisers: an SME's agenda, a buyer's table sheets, the organiser's grid, and
personal agenda links (``/a/{token}``) for people without an account.

The format is the path's suffix: none or ``.json``, ``.ics``, ``.html``, ``.pdf``; ``?lang=en`` switches
the .ics, HTML and PDF to English (Swedish by default); ``?version=N`` reads an earlier published version
(organisers also drafts). Every agenda response has an ETag and answers ``If-None-Match`` with 304.
"""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from shared.auth import PRINCIPAL_KEY, Role, path_event, require
from shared.db import POOL_KEY
from shared.errors import NotFound, ProblemError
from shared.openapi import operation
from shared.paths import path_uuid, path_uuid_or_404
from shared.web import json_response

from ..audit import actor_of, record
from ..keys import SETTINGS_KEY
from ..links import LinkSecretMissing, agenda_link_url, link_key
from ..sql import audit as audit_sql
from . import link_reads, reading, serving
from .documents import AgendaLinkList, BuyerAgenda, GridDocument, SmeAgendaDocument
from .link_store import configured_key, ensure_links, event_links, revoke_link

# Paths: the format is an optional suffix, so ids and tokens stop at a dot (none of them contains one).
_DAY = "{ext:" + reading.DAY_EXTENSIONS + "}"
SME_AGENDA_PATH = "/events/{event_id}/agendas/smes/{organisation_id:" + reading.SEGMENT + "}" + _DAY
BUYER_AGENDA_PATH = "/events/{event_id}/agendas/buyers/{organisation_id:" + reading.SEGMENT + "}" + _DAY
GRID_PATH = "/events/{event_id}/agendas/grid{ext:" + reading.GRID_EXTENSIONS + "}"
LINKED_AGENDA_PATH = "/a/{token:" + reading.SEGMENT + "}" + _DAY

FORMATS = (
    " The path suffix chooses the format: none or .json (JSON), .ics (text/calendar), .html (printable page), "
    ".pdf. ?lang=en for English files, ?version=N for an earlier published version."
)
NOT_MODIFIED = {304: "Not modified: If-None-Match names the current ETag"}
LINK_NOT_FOUND = "Länken finns inte eller har återkallats. / The link does not exist or has been revoked."


async def path_organisation(request: web.Request) -> UUID | None:
    """Whose agenda the path names (the ownership check of SME and buyer tokens)."""
    return path_uuid(request, "organisation_id")


def _is_organiser(request: web.Request, event_id: UUID) -> bool:
    """Organisers, and a supporter granted the event, read any version (drafts too)."""
    return request[PRINCIPAL_KEY].may_read_event(event_id)


@operation(
    "An SME's agenda (JSON, .ics, .html, .pdf)",
    tags=("agendas",),
    query=reading.ParticipantAgendaQuery,
    response=SmeAgendaDocument,
    errors=(404,),
    extra_responses=NOT_MODIFIED,
    description="Organisers, or the SME itself. The SME's own JSON reads include `changes` since the version "
    "it last opened and record this one." + FORMATS,
)
@require(Role.SME, owner=path_organisation, event=path_event, access="read")
async def get_sme_agenda(request: web.Request) -> web.StreamResponse:
    """One SME's agenda of the published (or a requested) version."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    organisation_id = path_uuid_or_404(request, "organisation_id", "organisation")
    return await serving.participant_agenda(
        request, event_id, organisation_id, kind="sme", organiser=_is_organiser(request, event_id)
    )


@operation(
    "A buyer's table sheets (JSON, .ics, .html, .pdf)",
    tags=("agendas",),
    query=reading.ParticipantAgendaQuery,
    response=BuyerAgenda,
    errors=(404,),
    extra_responses=NOT_MODIFIED,
    description="Organisers, or the buyer itself: a sheet per table it staffs; the .ics holds all its "
    "meetings. The buyer's own JSON reads include `changes` since the version it last opened." + FORMATS,
)
@require(Role.BUYER, owner=path_organisation, event=path_event, access="read")
async def get_buyer_agenda(request: web.Request) -> web.StreamResponse:
    """One buyer's table sheets of the published (or a requested) version."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    organisation_id = path_uuid_or_404(request, "organisation_id", "organisation")
    return await serving.participant_agenda(
        request, event_id, organisation_id, kind="buyer", organiser=_is_organiser(request, event_id)
    )


@operation(
    "The organiser's grid (JSON, .html) or the venue's table sheets (.pdf)",
    tags=("agendas",),
    query=reading.AgendaQuery,
    response=GridDocument,
    errors=(404,),
    extra_responses=NOT_MODIFIED,
    description="Slots × tables of the published version, or ?version=N (drafts too). The PDF has one page "
    "per table for the venue.",
)
@require(Role.ORGANISER, event=path_event, access="read")
async def get_grid(request: web.Request) -> web.StreamResponse:
    """The whole event's schedule at a glance."""
    return await serving.grid(request, path_uuid_or_404(request, "event_id", "event"))


@operation(
    "Make an agenda link for every participant of the published version",
    tags=("agendas",),
    response=AgendaLinkList,
    errors=(404, 503),
    extra_responses={201: "Links were made for participants who had none; the full list"},
    description="Idempotent: participants with an active link keep it (200 when nothing was new). "
    "404 before a version is published; 503 when the matcher has no link secret.",
)
@require(Role.ORGANISER, event=path_event)
async def create_agenda_links(request: web.Request) -> web.Response:
    """Ensure one active link per participant and list them."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    key = configured_key(request.app[SETTINGS_KEY])
    participants = await link_reads.link_participants(request, event_id)
    created = await ensure_links(request.app[POOL_KEY], key, event_id, participants)
    links = await event_links(request.app[POOL_KEY], event_id)
    return json_response(await link_reads.link_list(request, event_id, links), status=201 if created else 200)


@operation("The event's active agenda links", tags=("agendas",), response=AgendaLinkList, errors=(404, 503))
@require(Role.ORGANISER, event=path_event, access="read")
async def list_agenda_links(request: web.Request) -> web.Response:
    """Every active link of the event, with its URL."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    links = await event_links(request.app[POOL_KEY], event_id)
    return json_response(await link_reads.link_list(request, event_id, links))


@operation("Revoke an agenda link", tags=("agendas",), status=204, errors=(404,))
@require(Role.ORGANISER, event=path_event)
async def delete_agenda_link(request: web.Request) -> web.Response:
    """End a link at once; a later POST makes the participant a new one."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    link_id = path_uuid_or_404(request, "link_id", "agenda link")
    async with request.app[POOL_KEY].acquire() as conn, conn.transaction():
        if not await revoke_link(conn, event_id, link_id):
            raise NotFound("No agenda link with that id for this event.")
        subject = await conn.fetchrow(audit_sql.SELECT_LINK_SUBJECT, link_id)
        await record(
            conn,
            actor_of(request),
            "agenda_link.revoke",
            "agenda_link",
            link_id,
            event_id=event_id,
            organisation_id=subject["organisation_id"],
            details={"table_index": subject["table_index"]},
        )
    return json_response(None, status=204)


@operation(
    "A participant's agenda by its personal link (no token)",
    tags=("agendas",),
    query=reading.ParticipantAgendaQuery,
    response=SmeAgendaDocument,
    errors=(404, 410, 422),
    extra_responses=NOT_MODIFIED,
    description="The SME's agenda or the buyer's table sheets (then shaped as BuyerAgenda) of the published "
    "version. JSON includes `changes` since the version this participant last opened. An unknown, revoked "
    "or forged link is one and the same 404. Not cached anywhere (no-store), no referrer. A participant that "
    "cancelled after publication gets 410 (the .html a page saying so) and an .ics that cancels its "
    "meetings." + FORMATS,
)
async def get_linked_agenda(request: web.Request) -> web.StreamResponse:
    """The agenda an agenda link stands for."""
    try:
        try:
            key = link_key(request.app[SETTINGS_KEY])
        except LinkSecretMissing:
            raise NotFound(LINK_NOT_FOUND) from None  # no link can be valid without a key
        found = await link_reads.read_link(request, key, request.match_info["token"])
        if found is None:
            raise NotFound(LINK_NOT_FOUND)
        link, published = found
        return await serving.participant_agenda(
            request,
            link.event_id,
            link.organisation_id,
            kind=None,
            organiser=False,
            table_index=link.table_index,
            headers=reading.LINK_HEADERS,
            cancelled_notice=True,
            qr_url=agenda_link_url(request.app[SETTINGS_KEY], link.id),  # the reader's own link
            published=published,  # read with the link, in the same query
        )
    except ProblemError as error:
        error.headers = {**reading.LINK_HEADERS, **error.headers}  # errors are as private as the agenda
        raise

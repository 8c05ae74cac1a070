"""The reception desk's file and its scanner: every firm's agenda of the published version in one PDF, one
firm per page, in Swedish alphabetical order, each page with the QR code of that firm's agenda link (when
it has one); and what a scanned code stands for.

The reception hands a printed agenda to a firm that forgot its own, and the code on it is the firm's
own (:func:`.agendas.qr.check_in_url`: with ``MATCHER_WEB_URL`` the web's check-in address of its link,
else the link). The file is rendered once per published version, language and set of links, and kept in
the agenda cache.

``POST /reception/scans`` answers the web's check-in page, opened by a host's phone camera: which event and
participant the token is, and whether it has arrived (and when), so the page offers one tap or says it is
done. It is a POST because the token is the participant's secret: a body is never in an access log.
"""

from __future__ import annotations

import datetime as dt
from typing import Literal
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from shared.auth import PRINCIPAL_KEY, Role, path_event, require
from shared.clock import CLOCK_KEY
from shared.conditional import not_modified, not_modified_response
from shared.db import POOL_KEY
from shared.errors import Forbidden, NotFound
from shared.event_day import is_event_day
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.web import json_response, read_json, read_query

from ..agendas import reading
from ..agendas.documents import filename
from ..agendas.link_store import event_links, link_for_token
from ..agendas.pdf import reception_pdf
from ..agendas.reception import reception_order
from ..keys import AGENDA_CACHE_KEY, SETTINGS_KEY
from ..links import LinkSecretMissing, agenda_link_url, link_key
from ..onsite.arrivals import event_day
from ..sql import onsite_arrivals as arrivals_sql

RECEPTION_PATH = "/events/{event_id}/agendas/smes.pdf"
SCANS_PATH = "/reception/scans"
UNKNOWN_LINK = "Agendalänken finns inte eller är återkallad. / No live agenda link with that token."


class ReceptionQuery(BaseModel):
    lang: Literal["sv", "en"] = Field(default="sv", description="Language of the PDF: sv or en")


@operation(
    "Every firm's agenda for the reception desk (PDF, one firm per page)",
    tags=("agendas",),
    query=ReceptionQuery,
    errors=(404,),
    extra_responses={304: "Not modified: If-None-Match names the current ETag"},
    description="The published version: every registered firm's agenda, one per page (a long day "
    "continues on the next), sorted by name in Swedish order (å, ä, ö after z), each with the QR code of "
    "the firm's agenda link when it has one (POST …/agenda-links makes them). 404 before anything is "
    "published. application/pdf.",
)
@require(Role.ORGANISER, event=path_event, access="read")
async def get_reception_pdf(request: web.Request) -> web.StreamResponse:
    """All firms' agendas, by name, for printing at the reception."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    query = read_query(request, ReceptionQuery)
    pool, settings = request.app[POOL_KEY], request.app[SETTINGS_KEY]
    ref = await reading.resolve_version(pool, event_id, None, organiser=True)
    urls: dict[UUID, str] = {}
    try:
        for link in await event_links(pool, event_id):
            if link.table_index is None:
                urls.setdefault(link.organisation_id, agenda_link_url(settings, link.id))
    except LinkSecretMissing:
        urls = {}  # no link can be made or read: pages without codes
    links = tuple(sorted((str(org), url) for org, url in urls.items()))
    web_url = settings.web_url  # the codes hold the web's check-in address when it is set
    tag = reading.etag(ref.cache_key, "reception", query.lang, web_url, *links)
    headers = {**reading.TOKEN_READ_HEADERS, "ETag": tag}
    if not_modified(request, tag):
        return not_modified_response(tag, headers)
    cache = request.app[AGENDA_CACHE_KEY]
    agendas = await cache.agendas(pool, ref)
    if not agendas.smes:
        raise NotFound("Inga företag i det publicerade schemat. / No companies in the published schedule.")
    key = ("reception", ref.cache_key, query.lang, web_url, links)
    smes = reception_order(agendas.smes)
    body = await cache.file(key, lambda: reception_pdf(smes, urls, lang=query.lang, web_url=web_url))
    name = filename(f"{agendas.grid.event_name} reception", ref.number, "pdf")
    headers["Content-Disposition"] = f'inline; filename="{name}"'
    return web.Response(body=body, content_type="application/pdf", headers=headers)


class ScanIn(BaseModel):
    """A scanned QR code's token."""

    model_config = ConfigDict(extra="forbid")

    link_token: str = Field(
        min_length=1,
        max_length=100,
        description="The agenda link's token, as the code's …/incheckning/{token} holds it",
    )


class ScannedLink(BaseModel):
    """Whom a scanned code names, at which event, and whether it has checked in."""

    event_id: UUID
    organisation_id: UUID
    name: str
    kind: Literal["sme", "buyer"]
    cancelled: bool = Field(description="Its sign-up was cancelled after publication (check-in refused)")
    arrived_at: dt.datetime | None = Field(description="When it checked in; null: not yet")
    event_day: bool = Field(description="Whether it is the event's day now (check-in is possible only then)")


@operation(
    "What a scanned agenda code stands for",
    tags=("onsite",),
    body=ScanIn,
    response=ScannedLink,
    errors=(403, 404, 422),
    description="The event and published participant of the agenda link whose token a QR code holds, and "
    "when it checked in (null: not yet). Changes nothing. 404 for an unknown or revoked link, before a "
    "version is published, or when the organisation is not in it; 403 for a host of another event. A POST "
    "so that the token (the participant's secret) stays out of paths and logs.",
)
# A supporter passes the role check; serves_event below holds it to the events it may edit (check-in).
@require(Role.HOST, Role.SUPPORTER)
async def read_scan(request: web.Request) -> web.Response:
    """Look up a scanned link."""
    body = await read_json(request, ScanIn)
    pool = request.app[POOL_KEY]
    try:
        key = link_key(request.app[SETTINGS_KEY])
    except LinkSecretMissing:
        raise NotFound(UNKNOWN_LINK) from None  # no link can be valid without a key
    link = await link_for_token(pool, key, body.link_token)
    if link is None:
        raise NotFound(UNKNOWN_LINK)
    if not request[PRINCIPAL_KEY].serves_event(link.event_id):
        raise Forbidden("Your token serves another event's reception.")
    day = await event_day(pool, link.event_id)
    participant = day.participant(link.organisation_id)
    if participant is None:
        raise NotFound("Organisationen är inte med i det publicerade schemat. / Not in the published schedule.")
    arrival = await pool.fetchrow(arrivals_sql.SELECT_ARRIVAL, link.event_id, link.organisation_id)
    answer = ScannedLink(
        event_id=link.event_id,
        organisation_id=participant.id,
        name=participant.name,
        kind=participant.kind,
        cancelled=participant.cancelled,
        arrived_at=arrival["arrived_at"] if arrival else None,
        event_day=is_event_day(request.app[CLOCK_KEY].now(), day.date, day.time_zone),
    )
    return json_response(answer)

"""The reception desk's file: every firm's agenda of the published version in one PDF, one firm per page,
in Swedish alphabetical order, each page with the QR code of that firm's agenda link (when it has one).

The reception hands a printed agenda to a firm that forgot its own, and the code on it is the firm's
own link (scanned, it opens the current agenda; the reception's check-in finds the firm by it). The
file is rendered once per published version, language and set of links, and kept in the agenda cache.
"""

from __future__ import annotations

from typing import Literal

from aiohttp import web
from pydantic import BaseModel, Field

from shared.auth import Role, require
from shared.db import POOL_KEY
from shared.errors import NotFound
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.web import SETTINGS_KEY, read_query

from . import agenda_serving as serving
from .agendas.documents import filename
from .agendas.link_store import event_links
from .agendas.pdf import reception_pdf
from .agendas.reception import reception_order
from .agendas.store import AGENDA_CACHE
from .links import LinkSecretMissing, agenda_link_url

RECEPTION_PATH = "/events/{event_id}/agendas/smes.pdf"


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
@require(Role.ORGANISER)
async def get_reception_pdf(request: web.Request) -> web.StreamResponse:
    """All firms' agendas, by name, for printing at the reception."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    query = read_query(request, ReceptionQuery)
    pool, settings = request.app[POOL_KEY], request.app[SETTINGS_KEY]
    ref = await serving.resolve_version(pool, event_id, None, organiser=True)
    urls = {}
    try:
        for link in await event_links(pool, event_id):
            if link.table_index is None:
                urls.setdefault(link.organisation_id, agenda_link_url(settings, link.id))
    except LinkSecretMissing:
        urls = {}  # no link can be made or read: pages without codes
    links = tuple(sorted((str(org), url) for org, url in urls.items()))
    tag = serving.etag(ref.cache_key, "reception", query.lang, *links)
    headers = {**serving.TOKEN_READ_HEADERS, "ETag": tag}
    if serving.not_modified(request, tag):
        return web.Response(status=304, headers=headers)
    agendas = await AGENDA_CACHE.agendas(pool, ref)
    if not agendas.smes:
        raise NotFound("Inga företag i det publicerade schemat. / No companies in the published schedule.")
    key = ("reception", ref.cache_key, query.lang, links)
    body = await AGENDA_CACHE.file(key, lambda: reception_pdf(reception_order(agendas.smes), urls, lang=query.lang))
    name = filename(f"{agendas.grid.event_name} reception", ref.number, "pdf")
    headers["Content-Disposition"] = f'inline; filename="{name}"'
    return web.Response(body=body, content_type="application/pdf", headers=headers)

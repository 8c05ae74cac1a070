"""Agenda links as the agenda operations read them: a link by its token (through the link cache), the
event's links with whose they are, and the participants who should have one.
"""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from shared.db import POOL_KEY

from ..keys import AGENDA_CACHE_KEY, LINK_CACHE_KEY, READS_KEY, SETTINGS_KEY
from ..link_cache import read_through
from ..links import agenda_link_url, token_hash
from .days import Kind
from .documents import AgendaLink, AgendaLinkList
from .link_store import StoredLink, configured_key, link_and_published
from .reading import resolve_version
from .versions import VersionRef, published_version


async def read_link(request: web.Request, key: bytes, token: str) -> tuple[StoredLink, VersionRef | None] | None:
    """The live link ``token`` stands for and its event's published version (:func:`link_and_published`),
    from this process's link cache while it holds them (:mod:`..link_cache`)."""

    async def load() -> tuple[StoredLink, VersionRef | None] | None:
        return await link_and_published(request.app[READS_KEY], key, token)

    # Kept by the token's hash: a hit is the token already checked (signature, row) when it was read.
    return await read_through(request.app.get(LINK_CACHE_KEY), ("link", token_hash(token)), load, _kept_under)


def _kept_under(found: tuple[StoredLink, VersionRef | None] | None) -> UUID | None:
    """The event a link read is kept under: none for an unknown link, nor before the first publication
    (readers poll for the moment that changes; those reads go to the database)."""
    return found[0].event_id if found is not None and found[1] is not None else None


async def link_list(request: web.Request, event_id: UUID, links: list[StoredLink]) -> AgendaLinkList:
    """The links with their URLs and, from the published version, whose they are."""
    settings = request.app[SETTINGS_KEY]
    configured_key(settings)  # 503 when links cannot be made or checked
    pool = request.app[POOL_KEY]
    ref = await published_version(pool, event_id)
    who: dict[UUID, tuple[str, Kind]] = {}
    if ref is not None:
        agendas = await request.app[AGENDA_CACHE_KEY].agendas(pool, ref)
        who.update((sheet.buyer_id, (sheet.buyer_name, "buyer")) for sheet in agendas.tables)
        who.update((agenda.sme_id, (agenda.sme_name, "sme")) for agenda in agendas.smes)
    items = [
        AgendaLink(
            id=link.id,
            organisation_id=link.organisation_id,
            organisation_name=who.get(link.organisation_id, (None, None))[0],
            kind=who.get(link.organisation_id, (None, None))[1],
            table=None if link.table_index is None else link.table_index + 1,
            url=agenda_link_url(settings, link.id),  # type: ignore[arg-type]
            created_at=link.created_at,
        )
        for link in links
    ]
    order = {"sme": 0, "buyer": 1, None: 2}
    items.sort(key=lambda item: (order[item.kind], item.organisation_name or "", item.table or 0, item.created_at))
    return AgendaLinkList(items=items)


async def link_participants(request: web.Request, event_id: UUID) -> list[UUID]:
    """Every participant of the published version (SMEs, then buyers); 404 before anything is published."""
    pool = request.app[POOL_KEY]
    ref = await resolve_version(pool, event_id, None, organiser=True)
    agendas = await request.app[AGENDA_CACHE_KEY].agendas(pool, ref)
    return [agenda.sme_id for agenda in agendas.smes] + list(dict.fromkeys(t.buyer_id for t in agendas.tables))

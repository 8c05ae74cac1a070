"""Adapter of the relevance lists: ``GET /events/{event_id}/relevance?sme_id=…`` (or ``?buyer_id=…``).

The web's sign-up pages order what a firm or a buyer ranks by the engine's pair score, with a short
reason each; the web never imports the engine, it asks here. The answer is computed from the registry's
snapshot, the same the schedule jobs read. Every request asks the registry whether the snapshot changed
(a conditional GET: a 304 carries no body), so a sign-up made a moment ago is in the next answer; what is
kept is the parsed snapshot per event and a few encodings by (content hash, guest), because encoding a
large event takes about a second.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any
from uuid import UUID

from aiohttp import web

from shared.auth import PRINCIPAL_KEY, Role, path_event, require
from shared.errors import Forbidden, NotFound
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.snapshot import EventSnapshot
from shared.web import json_response, read_query

from ..auth import RegistryUnavailable
from ..engine.encode import EncodedEvent, encode_snapshot
from ..keys import REGISTRY_KEY, RELEVANCE_CACHE_KEY
from ..registry_client import RegistryClient, RegistryDown, RegistryRefused
from .guest import with_guest_buyer, with_guest_sme
from .models import RelevanceItem, RelevanceList, RelevanceQuery
from .rank import rank_for_buyer, rank_for_sme

log = logging.getLogger("services.matcher.relevance")

PATH = "/events/{event_id}/relevance"
HEADERS = {"Cache-Control": "private, no-store"}
KEPT_EVENTS = 32
KEPT_ENCODINGS = 16


class RelevanceCache:
    """The last snapshot read per event (by content hash) and the last few encodings, per process."""

    def __init__(self) -> None:
        self._snapshots: OrderedDict[UUID, tuple[str, EventSnapshot]] = OrderedDict()
        self._encoded: OrderedDict[tuple[UUID, str, str], EncodedEvent] = OrderedDict()

    async def snapshot(self, client: RegistryClient, event_id: UUID) -> tuple[str, EventSnapshot]:
        """(content hash, snapshot) as the registry has it now."""
        held = self._snapshots.get(event_id)
        if held is None or not await client.snapshot_unchanged(event_id, held[0]):
            fresh = await client.snapshot(event_id)
            held = (fresh.content_hash, fresh.model)
            self._snapshots[event_id] = held
        self._snapshots.move_to_end(event_id)
        while len(self._snapshots) > KEPT_EVENTS:
            self._snapshots.popitem(last=False)
        return held

    async def encoded(self, key: tuple[UUID, str, str], build: Callable[[], EventSnapshot]) -> EncodedEvent:
        """The encoding of ``build()`` kept under ``key`` (encoded in a thread: the event loop keeps serving)."""
        found = self._encoded.get(key)
        if found is None:
            found = await asyncio.to_thread(lambda: encode_snapshot(build()))
            self._encoded[key] = found
        self._encoded.move_to_end(key)
        while len(self._encoded) > KEPT_ENCODINGS:
            self._encoded.popitem(last=False)
        return found


async def query_organisation(request: web.Request) -> UUID | None:
    """The organisation the query names (the ownership check of firm and buyer tokens; None: malformed)."""
    for name in ("sme_id", "buyer_id"):
        value = request.query.get(name)
        if value:
            try:
                return UUID(value)
            except ValueError:
                return None
    return None


def _digest(*parts: Any) -> str:
    return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()).hexdigest()


async def _from_registry(action):
    """Run a registry call, its refusals and outages as this route's answers."""
    try:
        return await action
    except RegistryRefused as error:
        if error.status == 404:
            raise NotFound("There is no such event.") from None
        log.error("the registry refused a relevance read: %s", error.reason)
        raise RegistryUnavailable("The matcher cannot read the event from the registry (configuration).") from None
    except RegistryDown:
        raise RegistryUnavailable("The registry cannot be reached; try again shortly.") from None


@operation(
    "A firm's or a buyer's counterparts at the event, best fit first",
    tags=("relevance",),
    query=RelevanceQuery,
    response=RelevanceList,
    errors=(403, 404, 422, 503),
    description="`sme_id`: every need the event's buyers bring (a buyer without needs: its profile), scored "
    "for that firm; `buyer_id`: every signed-up firm, scored against the buyer's best-fitting need. Scores are "
    "the engine's pair relevance (0–100) without the asking party's own wishes or the organiser's pair rules; "
    "each item has a short reason. A party not signed up yet is scored from its profile (a buyer with its "
    "planned and published needs) as if it were. Organisers; a firm or a buyer only its own list (a firm "
    "`sme_id`, a buyer `buyer_id`). 404 for an unknown event or organisation.",
)
@require(Role.SME, Role.BUYER, owner=query_organisation, event=path_event, access="read")
async def get_relevance(request: web.Request) -> web.Response:
    event_id = path_uuid_or_404(request, "event_id", "event")
    query = read_query(request, RelevanceQuery)
    side, organisation_id = query.party()
    principal = request[PRINCIPAL_KEY]
    if principal.role in (Role.SME, Role.BUYER) and principal.role.value != side:
        raise Forbidden(f"A {principal.role.value} token reads its own list: use {principal.role.value}_id.")
    client, cache = request.app[REGISTRY_KEY], request.app[RELEVANCE_CACHE_KEY]
    content_hash, snapshot = await _from_registry(cache.snapshot(client, event_id))
    parties = snapshot.smes if side == "sme" else snapshot.buyers
    signed_up = any(party.organisation.id == organisation_id for party in parties)
    if signed_up:
        encoded = await cache.encoded((event_id, content_hash, ""), lambda: snapshot)
    else:
        profile = await _from_registry(client.organisation(organisation_id))
        if profile is None or profile.get("kind") != side or profile.get("erased"):
            raise NotFound(f"There is no {'firm' if side == 'sme' else 'buyer'} with that id.")
        if side == "sme":
            guest, needs = with_guest_sme(snapshot, profile), []
        else:
            needs = await _from_registry(client.open_needs(organisation_id))
            guest = with_guest_buyer(snapshot, profile, needs)
        key = (event_id, content_hash, _digest(profile, needs))
        encoded = await cache.encoded(key, lambda: guest)
    if side == "sme":
        ranked = await asyncio.to_thread(rank_for_sme, encoded, encoded.sme_index(organisation_id))
    else:
        ranked = await asyncio.to_thread(rank_for_buyer, encoded, encoded.buyer_index(organisation_id))
    answer = RelevanceList(
        event_id=event_id,
        organisation_id=organisation_id,
        side=side,
        signed_up=signed_up,
        min_relevance_percent=snapshot.event.min_relevance_percent,
        items=[RelevanceItem(**vars(item)) for item in ranked[: query.limit]],
    )
    return json_response(answer, headers=HEADERS)


def setup_relevance(app: web.Application) -> None:
    """The route, and the per-process cache it keeps."""
    app[RELEVANCE_CACHE_KEY] = RelevanceCache()
    app.router.add_get(PATH, get_relevance)

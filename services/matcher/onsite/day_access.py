"""Who may act on the event's day, for the day's routes: the reception (organisers, and hosts of that event),
participants for themselves (token), and participants by their agenda link (no login, phones)."""

from __future__ import annotations

from uuid import UUID

from aiohttp import web

from shared.auth import PRINCIPAL_KEY, Role
from shared.db import POOL_KEY
from shared.errors import Forbidden, NotFound, ProblemError
from shared.paths import path_uuid
from shared.web import REQUEST_ID_KEY

from ..agendas.link_store import StoredLink, link_for_token
from ..audit import Actor
from ..keys import SETTINGS_KEY
from ..links import LinkSecretMissing, link_key

# The reception's helpers ("värd", an event-scoped token), once the registry knows the role.
HOST: Role | None = getattr(Role, "HOST", None)
# Roles that pass the ownership checks of the day's routes (a host then only for its own event).
STAFF = frozenset({Role.ORGANISER} | ({HOST} if HOST is not None else set()))
LINK_NOT_FOUND = "Länken finns inte eller har återkallats. / The link does not exist or has been revoked."
LINK_HEADERS = {"Cache-Control": "private, no-store", "Referrer-Policy": "no-referrer", "X-Robots-Tag": "noindex"}


async def path_buyer(request: web.Request) -> UUID | None:
    return path_uuid(request, "buyer_id")


async def path_organisation(request: web.Request) -> UUID | None:
    return path_uuid(request, "organisation_id")


def is_staff(request: web.Request, event_id: UUID) -> bool:
    """Organisers, or a host of this very event."""
    principal = request[PRINCIPAL_KEY]
    if principal.role == Role.ORGANISER:
        return True
    return HOST is not None and principal.role == HOST and getattr(principal, "event_id", None) == event_id


def check_event_scope(request: web.Request, event_id: UUID) -> None:
    """A host passes the role checks of every event; here it is held to its own (403 otherwise)."""
    principal = request[PRINCIPAL_KEY]
    if principal.role in STAFF and not is_staff(request, event_id):
        raise Forbidden("Your token serves another event.")


async def link_of(request: web.Request) -> StoredLink:
    """The live agenda link in the path; an unknown, revoked or forged one is one and the same 404."""
    try:
        key = link_key(request.app[SETTINGS_KEY])
    except LinkSecretMissing:
        raise NotFound(LINK_NOT_FOUND, headers=LINK_HEADERS) from None
    link = await link_for_token(request.app[POOL_KEY], key, request.match_info["token"])
    if link is None:
        raise NotFound(LINK_NOT_FOUND, headers=LINK_HEADERS)
    return link


def link_actor(request: web.Request, link: StoredLink) -> Actor:
    """The audit's "who" for a participant acting by its agenda link (no token)."""
    return Actor(None, "agenda_link", link.organisation_id, request.get(REQUEST_ID_KEY))


def private(error: ProblemError) -> ProblemError:
    """Link answers, errors too, are as private as the agenda."""
    error.headers = {**LINK_HEADERS, **error.headers}
    return error

"""Bearer tokens with a role and an organisation, stored only as hashes, and the checks handlers use.

A token is 32 random bytes (URL-safe text, prefixed ``atr_``). Only its SHA-256 hash is stored:
the token has full entropy, so a fast hash is as safe as a slow one, and lookups stay one index
probe. The registry owns the tokens (:class:`TokenVerifier` over its table); the matcher asks the
registry (:mod:`services.matcher.auth`). Handlers declare who may call them with :func:`require`.
"""

from __future__ import annotations

import functools
import hashlib
import secrets
from collections.abc import Awaitable, Callable
from enum import StrEnum
from typing import Literal, Protocol
from uuid import UUID

from aiohttp import web
from pydantic import BaseModel, ConfigDict, Field

from shared.errors import Forbidden, Unauthorized
from shared.paths import path_uuid

TOKEN_PREFIX = "atr_"


class Role(StrEnum):
    ORGANISER = "organiser"
    BUYER = "buyer"
    SME = "sme"
    SERVICE = "service"
    # "Värd": a helper the organiser grants the reception of one event on its day (an event-scoped token).
    HOST = "host"
    # "Rådgivare": an account that gives firms the individual support after the day (hours recorded against
    # the firm's allowance); sees only the support requests assigned to it.
    ADVISER = "adviser"
    # "Stödroll": an account an organiser grants access to some of its own events (e.g. a municipality's
    # business office), read-only or editing; what it may reach is the registry's event_grants.
    SUPPORTER = "supporter"


# Roles that act for one organisation and so must name it.
ORGANISATION_ROLES = frozenset({Role.BUYER, Role.SME})
# Roles that act for one event and so must name it.
EVENT_ROLES = frozenset({Role.HOST})

# What a supporter's grant lets it do with one event: read it, or also change it as its organiser would.
EventAccess = Literal["read", "edit"]


class Principal(BaseModel):
    """Who is calling: the token's id, role and (for buyers and SMEs) organisation."""

    model_config = ConfigDict(frozen=True)

    token_id: UUID
    role: Role
    organisation_id: UUID | None = Field(default=None, description="Set for buyer and SME tokens")
    event_id: UUID | None = Field(default=None, description="Set for host tokens: the one event they serve")
    account_id: UUID | None = Field(default=None, description="Set for web sessions: the signed-in account")
    label: str = ""
    event_access: dict[UUID, EventAccess] = Field(
        default_factory=dict, description="Supporter tokens: the events granted to its account, read or edit"
    )

    def may_read_event(self, event_id: UUID) -> bool:
        """Whether the caller may read this event as its organisers do: organisers any, a supporter its grants.

        Examples
        --------
        >>> from uuid import uuid4
        >>> event = uuid4()
        >>> Principal(token_id=uuid4(), role=Role.SUPPORTER, event_access={event: "read"}).may_read_event(event)
        True
        >>> Principal(token_id=uuid4(), role=Role.SUPPORTER, event_access={event: "read"}).may_read_event(uuid4())
        False
        >>> Principal(token_id=uuid4(), role=Role.ORGANISER).may_read_event(event)
        True
        """
        return self.role == Role.ORGANISER or (self.role == Role.SUPPORTER and event_id in self.event_access)

    def may_edit_event(self, event_id: UUID) -> bool:
        """Whether the caller may change this event as its organisers do: organisers any, a supporter its
        'edit' grants.

        Examples
        --------
        >>> from uuid import uuid4
        >>> event = uuid4()
        >>> Principal(token_id=uuid4(), role=Role.SUPPORTER, event_access={event: "edit"}).may_edit_event(event)
        True
        >>> Principal(token_id=uuid4(), role=Role.SUPPORTER, event_access={event: "read"}).may_edit_event(event)
        False
        >>> Principal(token_id=uuid4(), role=Role.HOST, event_id=event).may_edit_event(event)
        False
        """
        return self.role == Role.ORGANISER or (
            self.role == Role.SUPPORTER and self.event_access.get(event_id) == "edit"
        )

    def may_access_event(self, event_id: UUID, access: EventAccess) -> bool:
        """:meth:`may_edit_event` or :meth:`may_read_event`, by ``access``.

        Examples
        --------
        >>> from uuid import uuid4
        >>> event = uuid4()
        >>> reader = Principal(token_id=uuid4(), role=Role.SUPPORTER, event_access={event: "read"})
        >>> reader.may_access_event(event, "read"), reader.may_access_event(event, "edit")
        (True, False)
        """
        return self.may_edit_event(event_id) if access == "edit" else self.may_read_event(event_id)

    def serves_event(self, event_id: UUID) -> bool:
        """Whether the caller may run this event's day: organisers any, a host only its own event, a supporter
        the events it may edit.

        Examples
        --------
        >>> from uuid import uuid4
        >>> event = uuid4()
        >>> Principal(token_id=uuid4(), role=Role.HOST, event_id=event).serves_event(event)
        True
        >>> Principal(token_id=uuid4(), role=Role.HOST, event_id=uuid4()).serves_event(event)
        False
        >>> Principal(token_id=uuid4(), role=Role.ORGANISER).serves_event(event)
        True
        >>> Principal(token_id=uuid4(), role=Role.SUPPORTER, event_access={event: "read"}).serves_event(event)
        False
        """
        return (self.role == Role.HOST and self.event_id == event_id) or self.may_edit_event(event_id)


class TokenVerifier(Protocol):
    async def verify(self, token: str) -> Principal | None:
        """The principal a token stands for, or None when it is unknown, revoked or expired."""
        ...


VERIFIER_KEY = web.AppKey("token_verifier", TokenVerifier)
PRINCIPAL_KEY = web.RequestKey("principal", Principal)


def generate_token() -> str:
    """A new random token (shown to its holder once, never stored).

    Examples
    --------
    >>> token = generate_token()
    >>> token.startswith("atr_") and len(token) > 40
    True
    """
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def hash_token(token: str) -> bytes:
    """The SHA-256 digest under which a token is stored.

    Examples
    --------
    >>> hash_token("atr_x").hex()[:12]
    'a341ccb2ac50'
    """
    return hashlib.sha256(token.encode()).digest()


def bearer_token(request: web.Request) -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        return None
    return value.strip()


_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="affarstraff"'}


async def authenticate(request: web.Request) -> Principal:
    """The caller's principal, or 401."""
    if PRINCIPAL_KEY in request:
        return request[PRINCIPAL_KEY]
    token = bearer_token(request)
    if token is None:
        raise Unauthorized("Send a token: Authorization: Bearer <token>.", headers=_CHALLENGE)
    principal = await request.app[VERIFIER_KEY].verify(token)
    if principal is None:
        raise Unauthorized("The token is unknown, revoked or expired.", headers=_CHALLENGE)
    request[PRINCIPAL_KEY] = principal
    return principal


OwnerResolver = Callable[[web.Request], Awaitable[UUID | None]]
EventResolver = Callable[[web.Request], Awaitable[UUID | None]]


async def path_event(request: web.Request) -> UUID | None:
    """The path's ``{event_id}``: the :data:`EventResolver` of most event-scoped routes (None when malformed)."""
    return path_uuid(request, "event_id")


def require(
    *roles: Role,
    owner: OwnerResolver | None = None,
    superusers: frozenset[Role] = frozenset({Role.ORGANISER}),
    event: EventResolver | None = None,
    access: EventAccess = "edit",
) -> Callable[[Callable[[web.Request], Awaitable[web.StreamResponse]]], Callable]:
    """Let a handler be called only by the given roles, and (optionally) only for their own organisation.

    Parameters
    ----------
    *roles
        Roles allowed to call; none given means any authenticated caller.
    owner
        Resolves the organisation the request acts on (e.g. from the path, or the owner of a need).
        Buyers and SMEs pass only when it is their own organisation; ``superusers`` always pass.
        Returning None means "no such resource" and the handler decides (usually 404).
    superusers
        Roles that pass the ownership check (organisers see and manage everything).
    event
        Resolves the event the request acts on (usually its path's ``{event_id}``). A supporter passes when
        its grants give it ``access`` to that event, as an organiser of that event would; without ``event``
        (or for an event not granted, or None) a supporter is refused.
    access
        What the route does with the event: ``"read"`` or ``"edit"`` (the default, the safe side).

    Examples
    --------
    >>> @require(Role.ORGANISER)
    ... async def handler(request): ...
    >>> handler.__roles__
    ('organiser',)
    >>> @require(Role.ORGANISER, event=lambda request: None, access="read")
    ... async def reader(request): ...
    >>> reader.__roles__
    ('organiser', 'supporter')
    """
    allowed = frozenset(roles)

    def decorate(handler: Callable[[web.Request], Awaitable[web.StreamResponse]]) -> Callable:
        @functools.wraps(handler)
        async def guarded(request: web.Request) -> web.StreamResponse:
            principal = await authenticate(request)
            if event is not None and principal.role == Role.SUPPORTER:
                event_id = await event(request)
                if event_id is None or not principal.may_access_event(event_id, access):
                    what = "change" if access == "edit" else "read"
                    raise Forbidden(f"Your supporter grants do not let you {what} this event.")
                return await handler(request)
            if allowed and principal.role not in allowed and principal.role not in superusers:
                raise Forbidden(f"This needs the role {' or '.join(sorted(allowed))}; your token is {principal.role}.")
            if owner is not None and principal.role not in superusers:
                target = await owner(request)
                if target is not None and target != principal.organisation_id:
                    raise Forbidden("You may act only for your own organisation.")
            return await handler(request)

        documented = allowed | ({Role.SUPPORTER} if event is not None and allowed else set())
        guarded.__roles__ = tuple(sorted(role.value for role in documented))  # type: ignore[attr-defined]
        return guarded

    return decorate

"""API tokens: issue, list, revoke, introspect — and the verifier the registry's handlers use."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Self
from uuid import UUID

import asyncpg
from aiohttp import web
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from shared.auth import (
    EVENT_ROLES,
    ORGANISATION_ROLES,
    PRINCIPAL_KEY,
    Principal,
    Role,
    generate_token,
    hash_token,
    require,
)
from shared.clock import CLOCK_KEY
from shared.db import POOL_KEY
from shared.errors import FieldError, NotFound, ValidationProblem
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.text import single_line
from shared.web import json_response, read_json

from .sql import tokens as sql


class PgTokenVerifier:
    """Looks tokens up by hash in ``registry.api_tokens``."""

    def __init__(self, app: web.Application) -> None:
        self._app = app

    async def verify(self, token: str) -> Principal | None:
        row = await self._app[POOL_KEY].fetchrow(sql.SELECT_PRINCIPAL_BY_TOKEN_HASH, hash_token(token))
        if row is None:
            return None
        return Principal(
            token_id=row["id"],
            role=row["role"],
            organisation_id=row["organisation_id"],
            event_id=row["event_id"],
            account_id=row["account_id"],
            label=row["label"],
            event_access=dict(zip(row["granted_events"], row["granted_access"], strict=True)),
        )


async def issue_token(
    conn: asyncpg.Connection | asyncpg.Pool,
    role: Role,
    *,
    organisation_id: UUID | None = None,
    label: str = "",
    created_by: UUID | None = None,
    expires_at: datetime | None = None,
    account_id: UUID | None = None,
    event_id: UUID | None = None,
    now: datetime | None = None,
) -> tuple[str, asyncpg.Record]:
    """Create a token; return it (to show once) with its stored record. ``account_id``: a web session's account;
    ``event_id``: the event a host token serves (it expires at midnight after the event's day at the latest).

    Every token issued (each sign-in is one) also forgets the labels of host tokens expired by ``now``
    (the application's clock; default the wall clock, which the token check itself uses):
    :func:`forget_expired_host_labels`.
    """
    token = generate_token()
    await forget_expired_host_labels(conn, now or datetime.now(UTC))
    row = await conn.fetchrow(
        sql.INSERT_TOKEN,
        hash_token(token),
        role.value,
        organisation_id,
        label,
        created_by,
        expires_at,
        account_id,
        event_id,
    )
    return token, row


async def forget_expired_host_labels(conn: asyncpg.Connection | asyncpg.Pool, now: datetime) -> int:
    """Blank the label of every host token expired or revoked by ``now``; how many were blanked.

    A host token's label is whoever the organiser wrote on it ("Reception 1", or a helper's name), and no
    organisation's erasure reaches it; once the token can no longer be used nobody needs to know. The
    sweep runs whenever a token is issued (sign-ins are frequent), so a label outlives its token's day
    only until the next sign-in.
    """
    status = await conn.execute(sql.FORGET_EXPIRED_HOST_LABELS, now)
    return int(status.rsplit(" ", 1)[-1])


async def ensure_bootstrap_tokens(conn: asyncpg.Connection | asyncpg.Pool, tokens: dict[Role, str | None]) -> None:
    """Accept tokens given in the environment (stored by hash; idempotent across restarts)."""
    for role, token in tokens.items():
        if token:
            await conn.execute(sql.INSERT_TOKEN_IF_ABSENT, hash_token(token), role.value, f"{role.value} (bootstrap)")


TokenLabel = Annotated[str, *single_line(200)]


class TokenRequest(BaseModel):
    """A token to issue."""

    model_config = ConfigDict(extra="forbid")

    role: Role
    organisation_id: UUID | None = Field(default=None, description="Required for buyer and sme, absent otherwise")
    event_id: UUID | None = Field(
        default=None, description="Required for host (the one event whose reception it runs), absent otherwise"
    )
    label: TokenLabel = Field(
        default="",
        description="Who or what holds it, e.g. 'Falu kommun, Anna'; for a host token rather the post, e.g. "
        "'Reception 1' (its label is blanked once it has expired, at midnight after the event's day at the latest)",
    )
    expires_at: AwareDatetime | None = Field(
        default=None,
        description="With an offset, e.g. 2026-12-31T23:59:00+01:00, and in the future (else 422); absent: no expiry",
    )

    @field_validator("expires_at")
    @classmethod
    def expires_in_the_future(cls, value: datetime | None) -> datetime | None:
        # A token born expired is a mistake (a year typed wrong), not a token: say so instead of issuing it.
        if value is not None and value <= datetime.now(UTC):
            raise PydanticCustomError("expires_in_past", "must be in the future")
        return value

    @model_validator(mode="after")
    def organisation_fits_role(self) -> Self:
        if self.role in ORGANISATION_ROLES and self.organisation_id is None:
            raise ValueError(f"a {self.role} token must name its organisation_id")
        if self.role not in ORGANISATION_ROLES and self.organisation_id is not None:
            raise ValueError(f"a {self.role} token acts for no single organisation; leave organisation_id out")
        if self.role in EVENT_ROLES and self.event_id is None:
            raise ValueError(f"a {self.role} token must name its event_id")
        if self.role not in EVENT_ROLES and self.event_id is not None:
            raise ValueError(f"a {self.role} token serves no single event; leave event_id out")
        return self


class TokenInfo(BaseModel):
    """A stored token (never its value)."""

    id: UUID
    role: Role
    organisation_id: UUID | None
    event_id: UUID | None = None
    label: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None


class IssuedToken(TokenInfo):
    token: str = Field(description="The token itself. Shown only now: store it safely.")


class TokenList(BaseModel):
    items: list[TokenInfo]


class IntrospectionRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")
    token: str = Field(min_length=1, max_length=200)


class Introspection(BaseModel):
    """RFC 7662-style answer: is the token active, and for whom."""

    active: bool
    principal: Principal | None = None


@operation("Issue an API token", tags=("auth",), body=TokenRequest, response=IssuedToken, status=201)
@require(Role.ORGANISER)
async def create_token(request: web.Request) -> web.Response:
    """Issue a token."""
    body = await read_json(request, TokenRequest)
    try:
        token, row = await issue_token(
            request.app[POOL_KEY],
            body.role,
            organisation_id=body.organisation_id,
            label=body.label,
            created_by=request[PRINCIPAL_KEY].token_id,
            expires_at=body.expires_at,
            event_id=body.event_id,
            now=request.app[CLOCK_KEY].now(),
        )
    except asyncpg.ForeignKeyViolationError as error:
        if error.constraint_name == sql.TOKEN_EVENT_FKEY:
            raise ValidationProblem(
                [FieldError(pointer="/event_id", code="unknown_event", detail="No event with that id.")]
            ) from None
        raise ValidationProblem(
            [
                FieldError(
                    pointer="/organisation_id", code="unknown_organisation", detail="No organisation with that id."
                )
            ]
        ) from None
    return json_response(IssuedToken(token=token, **dict(row)), status=201)


@operation("List API tokens (without their values)", tags=("auth",), response=TokenList)
@require(Role.ORGANISER)
async def list_tokens(request: web.Request) -> web.Response:
    """List tokens."""
    rows = await request.app[POOL_KEY].fetch(sql.LIST_TOKENS)
    return json_response(TokenList(items=[TokenInfo(**dict(row)) for row in rows]))


@operation("Revoke an API token", tags=("auth",), status=204, errors=(404,))
@require(Role.ORGANISER)
async def revoke_token(request: web.Request) -> web.Response:
    """Revoke a token."""
    token_id = path_uuid_or_404(request, "token_id", "token")
    if await request.app[POOL_KEY].fetchval(sql.REVOKE_TOKEN, token_id) is None:
        raise NotFound("No token with that id.")
    return json_response(None, status=204)


@operation("Who am I? The caller's role and organisation", tags=("auth",), response=Principal)
@require()
async def whoami(request: web.Request) -> web.Response:
    """The caller's principal."""
    return json_response(request[PRINCIPAL_KEY])


@operation("Check a token for another service", tags=("auth",), body=IntrospectionRequest, response=Introspection)
@require(Role.SERVICE)
async def introspect(request: web.Request) -> web.Response:
    """Token introspection for the matcher."""
    body = await read_json(request, IntrospectionRequest)
    principal = await PgTokenVerifier(request.app).verify(body.token)
    return json_response(Introspection(active=principal is not None, principal=principal))

"""Organisers' webhooks: where an event's schedule notifications are POSTed (signed with the webhook's secret).

The secret is shown once, in the answer to the ``POST`` that made it, and never again: receivers keep it
to check ``Affarstraff-Signature`` (see :func:`services.matcher.notify.webhooks.verify_signature`).
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

import asyncpg
from aiohttp import web
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, HttpUrl, UrlConstraints
from pydantic_core import PydanticCustomError

from shared.auth import PRINCIPAL_KEY, Role, generate_token, require
from shared.db import POOL_KEY
from shared.errors import Conflict, FieldError, NotFound, ValidationProblem
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.web import json_response, read_json

from ..audit import actor_of, record, url_host
from ..keys import SETTINGS_KEY
from ..notify.addresses import WebhookUrlRefused, check_webhook_url
from ..sql import notify as sql

MAX_URL_LENGTH = 2000  # the column's limit (migration 0003)


def _no_credentials(url: HttpUrl) -> HttpUrl:
    # Webhook URLs are listed to every organiser and appear in logs; the signature is the credential.
    if url.username or url.password:
        raise ValueError("put no user name or password in the URL; receivers check the signature instead")
    return url


def _fits(url: HttpUrl) -> HttpUrl:
    # UrlConstraints measures what was typed (its UTF-8 bytes); the URL is stored normalised, non-ASCII
    # percent-encoded (one "ä" becomes six characters), and that is what must fit the column.
    if len(str(url)) > MAX_URL_LENGTH:
        raise PydanticCustomError(
            "url_too_long",
            "URL should have at most {max_length} characters once encoded",
            {"max_length": MAX_URL_LENGTH},
        )
    return url


WebhookUrl = Annotated[
    HttpUrl, UrlConstraints(max_length=MAX_URL_LENGTH), AfterValidator(_fits), AfterValidator(_no_credentials)
]


class WebhookCreate(BaseModel):
    """A webhook to register for an event."""

    model_config = ConfigDict(extra="forbid")

    url: WebhookUrl = Field(
        description="https:// address the notifications are POSTed to; its host must be public (not loopback, "
        "link-local or private) unless the operator allows it (MATCHER_WEBHOOK_ALLOW_PRIVATE, "
        "MATCHER_WEBHOOK_ALLOW_HTTP)"
    )
    secret: str | None = Field(
        default=None,
        min_length=32,
        max_length=200,
        description="Signing secret (at least 32 characters); left out: one is generated and returned once",
    )


class Webhook(BaseModel):
    """A registered webhook (without its secret)."""

    id: UUID
    event_id: UUID
    url: str = Field(description="Where notifications are POSTed")
    created_by: UUID | None = Field(description="Token of the organiser who registered it")
    created_at: datetime = Field(description="When it was registered (UTC)")


class WebhookCreated(Webhook):
    """The new webhook with its secret, shown this once."""

    secret: str = Field(description="The signing secret; shown only now, keep it where the receiver can read it")


class WebhookList(BaseModel):
    items: list[Webhook] = Field(description="The event's webhooks, oldest first")


@operation(
    "Register a webhook for an event's schedule notifications",
    tags=("webhooks",),
    body=WebhookCreate,
    response=WebhookCreated,
    status=201,
    errors=(404, 409, 422),
    description="The answer holds the signing secret, the only time it is shown. A URL whose host is or "
    "resolves to a loopback, link-local, private, multicast or reserved address is refused (422), and every "
    "delivery checks the address it connects to again. "
    "Deliveries are signed `Affarstraff-Signature: t=<unix>,v1=<HMAC-SHA256(secret, t.body)>`.",
)
@require(Role.ORGANISER)
async def create_webhook(request: web.Request) -> web.Response:
    """Register a webhook; 409 when the event already has one with this URL."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    body = await read_json(request, WebhookCreate)
    try:
        await check_webhook_url(str(body.url), request.app[SETTINGS_KEY])
    except WebhookUrlRefused as error:
        raise ValidationProblem([FieldError(pointer="/url", code=error.code, detail=str(error))]) from None
    secret = body.secret or generate_token()
    try:
        async with request.app[POOL_KEY].acquire() as conn, conn.transaction():
            row = await conn.fetchrow(
                sql.INSERT_WEBHOOK, event_id, str(body.url), secret, request[PRINCIPAL_KEY].token_id
            )
            # The host only: a receiver's path or query may hold its own token.
            details = {"host": url_host(str(body.url)), "secret_generated": body.secret is None}
            await record(
                conn, actor_of(request), "webhook.create", "webhook", row["id"], event_id=event_id, details=details
            )
    except asyncpg.UniqueViolationError:
        raise Conflict("The event already has a webhook with this URL.") from None
    created = WebhookCreated(**dict(row), secret=secret)
    return json_response(created, 201, headers={"Location": f"/events/{event_id}/webhooks/{created.id}"})


@operation("An event's webhooks (never their secrets)", tags=("webhooks",), response=WebhookList, errors=(404,))
@require(Role.ORGANISER)
async def list_webhooks(request: web.Request) -> web.Response:
    """The event's webhooks, oldest first."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    async with request.app[POOL_KEY].acquire() as conn:
        rows = await conn.fetch(sql.SELECT_EVENT_WEBHOOKS, event_id)
    return json_response(WebhookList(items=[Webhook(**dict(row)) for row in rows]))


@operation("Remove a webhook", tags=("webhooks",), status=204, errors=(404,))
@require(Role.ORGANISER)
async def delete_webhook(request: web.Request) -> web.Response:
    """Remove a webhook; notifications still queued for it are dropped (marked undeliverable)."""
    event_id = path_uuid_or_404(request, "event_id", "event")
    webhook_id = path_uuid_or_404(request, "webhook_id", "webhook")
    async with request.app[POOL_KEY].acquire() as conn, conn.transaction():
        deleted = await conn.fetchrow(sql.DELETE_WEBHOOK, event_id, webhook_id)
        if deleted is None:
            raise NotFound("No webhook with that id for this event.")
        await record(
            conn,
            actor_of(request),
            "webhook.delete",
            "webhook",
            webhook_id,
            event_id=event_id,
            details={"host": url_host(deleted["url"])},
        )
    return json_response(None, 204)

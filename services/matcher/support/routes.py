"""The support routes: organisers keep the event's allowance, record and assign requests, decline or close
them; an adviser reads the requests assigned to it and records hours on them, never on others'."""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable
from uuid import UUID

import asyncpg
from aiohttp import web

from shared.auth import PRINCIPAL_KEY, Role, require
from shared.clock import CLOCK_KEY
from shared.db import POOL_KEY
from shared.errors import FieldError, ValidationProblem
from shared.openapi import operation
from shared.paths import path_uuid_or_404
from shared.web import json_response, read_json

from ..audit import Actor, actor_of
from ..auth import RegistryUnavailable
from ..keys import REGISTRY_KEY
from ..registry_client import RegistryDown, RegistryRefused
from . import store
from .model import (
    AdviserIn,
    AssignedList,
    HoursIn,
    StatusIn,
    SupportRequestIn,
    SupportRequestList,
    SupportRequestOut,
    SupportSettingsIn,
    SupportSettingsOut,
)

PRIVATE = {"Cache-Control": "private, no-store"}
# (conn, now, actor): one change of a request, in the store's own transaction.
Change = Callable[[asyncpg.Connection, dt.datetime, Actor], Awaitable[object]]
REQUEST_PATH = "/events/{event_id}/support-requests/{organisation_id}"


def _target(request: web.Request) -> tuple[UUID, UUID]:
    return (
        path_uuid_or_404(request, "event_id", "event"),
        path_uuid_or_404(request, "organisation_id", "organisation"),
    )


async def _changed(request: web.Request, target: tuple[UUID, UUID], change: Change, status: int = 200) -> web.Response:
    """Apply ``change(conn, now, actor)`` and answer with the request as it stands afterwards."""
    async with request.app[POOL_KEY].acquire() as conn:
        await change(conn, request.app[CLOCK_KEY].now(), actor_of(request))
        found = await store.one_request(conn, *target)
    return json_response(found, status=status, headers=PRIVATE)


def _adviser_of(request: web.Request) -> UUID | None:
    """The calling adviser's account (None for an organiser, who may act on any request)."""
    principal = request[PRINCIPAL_KEY]
    return principal.account_id if principal.role == Role.ADVISER else None


@operation(
    "The event's support settings: the hours each firm that asks may get (defaults until stored)",
    tags=("support",),
    response=SupportSettingsOut,
    errors=(404,),
    description="Organisers.",
)
@require(Role.ORGANISER)
async def get_settings(request: web.Request) -> web.Response:
    event_id = path_uuid_or_404(request, "event_id", "event")
    return json_response(await store.load_settings(request.app[POOL_KEY], event_id))


@operation(
    "Change the event's support allowance (hours per firm); requests already made keep the figure they got",
    tags=("support",),
    body=SupportSettingsIn,
    response=SupportSettingsOut,
    errors=(400, 404, 415, 422),
    description="Organisers. Each change is in the audit log.",
)
@require(Role.ORGANISER)
async def put_settings(request: web.Request) -> web.Response:
    event_id = path_uuid_or_404(request, "event_id", "event")
    body = await read_json(request, SupportSettingsIn)
    async with request.app[POOL_KEY].acquire() as conn:
        saved = await store.save_settings(conn, event_id, body, request.app[CLOCK_KEY].now(), actor_of(request))
    return json_response(saved)


@operation(
    "Every support request of the event, with the hours given and left",
    tags=("support",),
    response=SupportRequestList,
    errors=(404,),
    description="Organisers. Firms that asked at sign-up (in the published version) are requests from then on.",
)
@require(Role.ORGANISER)
async def list_requests(request: web.Request) -> web.Response:
    event_id = path_uuid_or_404(request, "event_id", "event")
    async with request.app[POOL_KEY].acquire() as conn:
        items = await store.event_requests(conn, event_id, request.app[CLOCK_KEY].now())
        settings = await store.load_settings(conn, event_id)
    found = SupportRequestList(event_id=event_id, allowance_hours=settings.allowance_hours, items=items)
    return json_response(found, headers=PRIVATE)


@operation(
    "Record a firm's request for individual support (once per firm and event: asking again changes nothing)",
    tags=("support",),
    body=SupportRequestIn,
    response=SupportRequestOut,
    status=201,
    errors=(400, 404, 415, 422),
    extra_responses={200: "The firm had asked already: its request as it is"},
    description="Organisers (source 'organiser'), and services passing on a firm's own request (source "
    "'signup' or 'feedback'). 404 for an erased organisation.",
)
@require(Role.ORGANISER, Role.SERVICE)
async def create_request(request: web.Request) -> web.Response:
    event_id = path_uuid_or_404(request, "event_id", "event")
    body = await read_json(request, SupportRequestIn)
    source = "organiser" if request[PRINCIPAL_KEY].role == Role.ORGANISER else body.source or "feedback"
    async with request.app[POOL_KEY].acquire() as conn:
        async with conn.transaction():
            made = await store.request_support(
                conn, event_id, body.organisation_id, source, body.note, request.app[CLOCK_KEY].now(), actor_of(request)
            )
        found = await store.one_request(conn, event_id, body.organisation_id)
    return json_response(found, status=201 if made else 200, headers=PRIVATE)


async def _adviser_account(request: web.Request, account_id: UUID) -> tuple[UUID, str, str]:
    """The adviser's (id, name, e-mail); 422 unless the registry has an enabled adviser account of that id."""
    try:
        account = await request.app[REGISTRY_KEY].account(account_id)
    except (RegistryDown, RegistryRefused):
        raise RegistryUnavailable("The registry cannot be reached to check the adviser; try again shortly.") from None
    if account is None:
        wrong = ("unknown_account", "Inget konto med det id:t. / No account with that id.")
    elif account.get("role") != Role.ADVISER.value:
        wrong = ("not_an_adviser", "Kontot är inte en rådgivare. / The account is not an adviser.")
    elif account.get("disabled_at") is not None:
        wrong = ("disabled", "Kontot är avstängt. / The account is disabled.")
    else:
        return account_id, str(account.get("name") or ""), str(account.get("email") or "")
    raise ValidationProblem([FieldError(pointer="/adviser_account_id", code=wrong[0], detail=wrong[1])])


@operation(
    "Assign (or re-assign) the adviser who gives the firm its support",
    tags=("support",),
    body=AdviserIn,
    response=SupportRequestOut,
    errors=(400, 404, 409, 415, 422, 503),
    description="Organisers. The account must be a registry account with the role adviser (422 otherwise); "
    "409 once the request is declined or closed. A new adviser and the firm's contact are told by e-mail.",
)
@require(Role.ORGANISER)
async def put_adviser(request: web.Request) -> web.Response:
    event_id, organisation_id = _target(request)
    body = await read_json(request, AdviserIn)
    adviser = await _adviser_account(request, body.adviser_account_id)
    return await _changed(
        request,
        (event_id, organisation_id),
        lambda conn, now, actor: store.assign(conn, event_id, organisation_id, adviser, now, actor),
    )


@operation(
    "Decline a request, or close it when the support is over",
    tags=("support",),
    body=StatusIn,
    response=SupportRequestOut,
    errors=(400, 404, 409, 415, 422),
    description="Organisers. Declined from requested or assigned; closed only once an adviser has it (409 else).",
)
@require(Role.ORGANISER)
async def put_status(request: web.Request) -> web.Response:
    event_id, organisation_id = _target(request)
    body = await read_json(request, StatusIn)
    return await _changed(
        request,
        (event_id, organisation_id),
        lambda conn, now, actor: store.set_status(conn, event_id, organisation_id, body.status, now, actor),
    )


@operation(
    "The adviser's own support requests, across events, with the hours given and left",
    tags=("support",),
    response=AssignedList,
    description="Advisers see only the requests assigned to them (an organiser's own account has none).",
)
@require(Role.ADVISER)
async def list_assigned(request: web.Request) -> web.Response:
    async with request.app[POOL_KEY].acquire() as conn:
        items = await store.assigned_requests(conn, request[PRINCIPAL_KEY].account_id)
    return json_response(AssignedList(items=items), headers=PRIVATE)


@operation(
    "Record hours of support given to the firm, against its allowance",
    tags=("support",),
    body=HoursIn,
    response=SupportRequestOut,
    status=201,
    errors=(400, 403, 404, 409, 415, 422),
    description="The request's adviser (403 for another adviser) or an organiser. 409 with `hours_left` when "
    "the hours exceed what is left of the allowance (nothing is stored), or when no adviser has the request.",
)
@require(Role.ADVISER)
async def post_hours(request: web.Request) -> web.Response:
    event_id, organisation_id = _target(request)
    body = await read_json(request, HoursIn)
    adviser = _adviser_of(request)
    return await _changed(
        request,
        (event_id, organisation_id),
        lambda conn, now, actor: store.add_hours(conn, event_id, organisation_id, body, now, actor, adviser=adviser),
        status=201,
    )


@operation(
    "Take back a mistaken hours entry",
    tags=("support",),
    response=SupportRequestOut,
    errors=(403, 404),
    description="The request's adviser (403 for another adviser) or an organiser.",
)
@require(Role.ADVISER)
async def delete_hours(request: web.Request) -> web.Response:
    event_id, organisation_id = _target(request)
    hours_id = path_uuid_or_404(request, "hours_id", "hours entry")
    adviser = _adviser_of(request)
    return await _changed(
        request,
        (event_id, organisation_id),
        lambda conn, now, actor: store.delete_hours(conn, event_id, organisation_id, hours_id, actor, adviser=adviser),
    )


def setup_support(app: web.Application) -> None:
    """Register the support routes (one call from the matcher's setup_routes)."""
    app.router.add_get("/events/{event_id}/support-settings", get_settings)
    app.router.add_put("/events/{event_id}/support-settings", put_settings)
    app.router.add_get("/events/{event_id}/support-requests", list_requests)
    app.router.add_post("/events/{event_id}/support-requests", create_request)
    app.router.add_put(REQUEST_PATH + "/adviser", put_adviser)
    app.router.add_put(REQUEST_PATH + "/status", put_status)
    app.router.add_post(REQUEST_PATH + "/hours", post_hours)
    app.router.add_delete(REQUEST_PATH + "/hours/{hours_id}", delete_hours)
    app.router.add_get("/support/assigned", list_assigned)

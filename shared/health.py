"""Liveness and readiness endpoints, the same in every service.

``/healthz`` answers while the process serves HTTP at all (for restarts by an orchestrator);
``/readyz`` answers 200 only when the database is reachable and the schema is exactly at the
version this code expects (for load balancers deciding where to send traffic).
"""

from __future__ import annotations

import asyncio
from typing import Literal

import asyncpg
from aiohttp import web
from pydantic import BaseModel

from shared.db import POOL_KEY
from shared.errors import ProblemError
from shared.migrations import Migrator
from shared.openapi import operation
from shared.outage import RETRY_AFTER_SECONDS, cannot_be_reached
from shared.web import SERVICE_NAME_KEY, json_response

MIGRATOR_KEY = web.AppKey("migrator", Migrator)
READINESS_TIMEOUT = 2.0


class Health(BaseModel):
    status: Literal["ok"]
    service: str


class Readiness(BaseModel):
    status: Literal["ready"]
    service: str
    schema_version: int


@operation("Is the process alive?", tags=("meta",), response=Health)
async def healthz(request: web.Request) -> web.Response:
    """Liveness."""
    return json_response(Health(status="ok", service=request.app[SERVICE_NAME_KEY]))


@operation("Can it serve? (database reachable, migrations current)", tags=("meta",), response=Readiness, errors=(503,))
async def readyz(request: web.Request) -> web.Response:
    """Readiness."""
    pool = request.app.get(POOL_KEY)
    migrator = request.app[MIGRATOR_KEY]
    retry = {"Retry-After": str(RETRY_AFTER_SECONDS)}
    if pool is None:
        raise ProblemError("The database pool is not open yet.", status=503, slug="not-ready", headers=retry)
    try:
        async with asyncio.timeout(READINESS_TIMEOUT):
            async with pool.acquire() as conn:
                status = await migrator.status(conn)
    except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        raise ProblemError(
            f"{cannot_be_reached('The database', type(error).__name__)}.", status=503, slug="not-ready", headers=retry
        ) from None
    if not status.current:
        raise ProblemError(
            f"Schema {status.schema} is not at the expected version (pending {list(status.pending)}, "
            f"unknown {list(status.unknown)}).",
            status=503,
            slug="not-ready",
            headers=retry,
        )
    return json_response(
        Readiness(status="ready", service=request.app[SERVICE_NAME_KEY], schema_version=max(status.applied, default=0))
    )


def add_health_routes(app: web.Application) -> None:
    app.router.add_get("/healthz", healthz)
    app.router.add_get("/readyz", readyz)

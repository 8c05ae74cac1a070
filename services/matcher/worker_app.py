"""The matcher's job workers without its HTTP side: what ``python -m services.matcher.jobs`` runs.

Built from the same settings and the same ``cleanup_ctx`` entries as :func:`.app.create_app`, so a separate
worker process opens its pool and migrates like a web process, calls the registry with the same session
and client, and runs its worker from :func:`.schedules.runner.workers_context` with the lease, poll and
back-off times of :class:`.settings.MatcherSettings` (``MATCHER_JOB_*``): one place decides them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

from aiohttp import web

from shared.db import pool_context
from shared.health import MIGRATOR_KEY

from .app import migrator
from .auth import http_session_context
from .jobs.worker import JobHandler
from .keys import WORKER_TASKS_KEY
from .schedules.runner import workers_context
from .settings import MatcherSettings
from .state import registry_client_context


def create_worker_app(
    settings: MatcherSettings, *, handler: JobHandler | None = None, worker_id: str | None = None
) -> web.Application:
    """An app with no routes whose start-up runs one job worker (whatever ``settings.workers`` says).

    ``handler`` runs other jobs than schedules (tests; no solver processes are started then);
    ``worker_id`` names the worker's leases (default: unique per start).
    """
    app = web.Application()
    app[MIGRATOR_KEY] = migrator()
    app.cleanup_ctx.append(pool_context(settings, app[MIGRATOR_KEY]))
    app.cleanup_ctx.append(http_session_context(settings.registry_timeout))
    app.cleanup_ctx.append(registry_client_context(settings))
    app.cleanup_ctx.append(workers_context(settings, count=1, handler=handler, worker_id=worker_id))
    return app


@contextlib.asynccontextmanager
async def running(app: web.Application) -> AsyncIterator[list[asyncio.Task]]:
    """Start ``app`` (no port is opened) and yield its workers' tasks; stopping hands a running job back.

    The app is cleaned up also when its start fails half-way (the pool opened, the migration refused).
    """
    runner = web.AppRunner(app)
    try:
        await runner.setup()
        yield app[WORKER_TASKS_KEY]
    finally:
        await runner.cleanup()


async def run_until(app: web.Application, stop: asyncio.Event) -> None:
    """Run ``app``'s worker until ``stop`` is set, or until the worker ends on its own (its error is raised)."""
    async with running(app) as tasks:
        stopping = asyncio.create_task(stop.wait())
        try:
            await asyncio.wait([stopping, *tasks], return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopping.cancel()
        ended = [task for task in tasks if task.done() and not task.cancelled() and task.exception() is not None]
    if ended:
        raise ended[0].exception()  # type: ignore[misc]

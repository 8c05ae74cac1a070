"""Run a schedule job worker process: ``python -m services.matcher.jobs``.

    python -m services.matcher.jobs --lease-seconds 30 --poll-seconds 5
    python -m services.matcher.jobs --handler tests.matcher.test_worker_processes:stepping_handler

Any number of these can run beside the matcher's web processes (set ``MATCHER_WORKERS=0`` there to keep
solving out of them). The database and the registry come from the matcher's settings (``DATABASE_URL``,
``REGISTRY_URL``, ``MATCHER_SERVICE_TOKEN`` …); solves run in ``MATCHER_SOLVER_PROCESSES`` processes.
SIGTERM or SIGINT stops the worker cleanly, handing a running job back to the queue. ``--handler`` names
another async callable ``handler(job, report_progress)`` (see :mod:`services.matcher.jobs.worker`).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import signal
import sys
from collections.abc import AsyncIterator

import aiohttp
import asyncpg

from shared.db import DatabaseUnavailable, create_pool, resolve_database_url
from shared.logs import configure_logging
from shared.migrations import MigrationError
from shared.serve import fail
from shared.settings import ConfigurationError, secret_value

from .. import SCHEMA
from ..app import migrator
from ..settings import MatcherSettings, load
from .worker import JobHandler, default_worker_id, run_worker

SERVICE = "matcher-worker"


def import_handler(path: str) -> JobHandler:
    """The callable named ``module:attribute``."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"--handler {path!r}: write it as module:attribute")
    return getattr(importlib.import_module(module_name), attribute)


@contextlib.asynccontextmanager
async def schedule_handler(settings: MatcherSettings, pool: asyncpg.Pool) -> AsyncIterator[JobHandler]:
    """The real schedule job handler, with its registry client and solver processes."""
    from ..registry_client import RegistryClient
    from ..schedules.runner import make_schedule_handler, solver_executor

    executor = solver_executor(settings.solver_processes)
    try:
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=settings.registry_timeout)) as session:
            registry = RegistryClient(session, str(settings.registry_url), secret_value(settings.service_token))
            yield make_schedule_handler(pool, registry, executor, default_time_limit=settings.solve_time_limit)
    finally:
        executor.shutdown(wait=False, cancel_futures=True)


async def work(settings: MatcherSettings, args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    pool = await create_pool(settings, await resolve_database_url(settings), SCHEMA)
    try:
        async with pool.acquire() as conn:
            await migrator().prepare(conn, apply=settings.migrate_on_start)
        async with contextlib.AsyncExitStack() as stack:
            if args.handler:
                handler = import_handler(args.handler)
            else:
                handler = await stack.enter_async_context(schedule_handler(settings, pool))
            await run_worker(
                pool,
                handler,
                worker_id=args.worker_id or default_worker_id(),
                lease_seconds=args.lease_seconds,
                poll_seconds=args.poll_seconds,
                stop_event=stop,
                retry_base_seconds=args.retry_base_seconds,
            )
    finally:
        await pool.close()


def main(argv: list[str]) -> None:
    parser = argparse.ArgumentParser(prog="python -m services.matcher.jobs", description="Run a schedule job worker.")
    parser.add_argument("--handler", help="another job handler, as module:attribute (default: schedule jobs)")
    parser.add_argument("--worker-id", help="lease owner name (default: host:pid:random)")
    parser.add_argument("--lease-seconds", type=float, default=30.0, help="lease length; renewed every third")
    parser.add_argument("--poll-seconds", type=float, default=5.0, help="look for due jobs at least this often")
    parser.add_argument("--retry-base-seconds", type=float, default=5.0, help="first back-off after a failure")
    args = parser.parse_args(argv)
    try:
        settings = load()
    except ConfigurationError as error:
        fail(f"{SERVICE}: {error.message}", 2)
        return
    configure_logging(SERVICE, settings.log_level, settings.log_format)
    try:
        if args.handler:
            import_handler(args.handler)
    except (ValueError, ImportError, AttributeError) as error:
        fail(f"{SERVICE}: cannot load the handler: {error}", 2)
    try:
        asyncio.run(work(settings, args))
    except (DatabaseUnavailable, MigrationError) as error:
        fail(f"{SERVICE}: {error}")


if __name__ == "__main__":
    main(sys.argv[1:])

"""Run a schedule job worker process: ``python -m services.matcher.jobs``.

    python -m services.matcher.jobs
    python -m services.matcher.jobs --lease-seconds 30 --poll-seconds 5
    python -m services.matcher.jobs --handler tests.matcher.test_worker_processes:stepping_handler

Any number of these can run beside the matcher's web processes (set ``MATCHER_WORKERS=0`` there to keep
solving out of them). The database and the registry come from the matcher's settings (``DATABASE_URL``,
``REGISTRY_URL``, ``MATCHER_SERVICE_TOKEN`` …); solves run in ``MATCHER_SOLVER_PROCESSES`` processes.
The lease, poll and retry times are ``MATCHER_JOB_LEASE_SECONDS``, ``MATCHER_JOB_POLL_SECONDS`` and
``MATCHER_JOB_RETRY_BASE_SECONDS``, like the web processes' workers; a flag given overrides its setting.
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
from dataclasses import dataclass

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


@dataclass(frozen=True)
class WorkerTimes:
    """How long a lease lasts, how often an idle worker looks for jobs, the first back-off (seconds)."""

    lease_seconds: float
    poll_seconds: float
    retry_base_seconds: float


def worker_times(args: argparse.Namespace, settings: MatcherSettings) -> WorkerTimes:
    """Each time from its flag when one was given, else from the settings (the environment).

    The flags have no defaults of their own: a default there would override ``MATCHER_JOB_*`` and make
    a separate worker keep other times than the web processes' workers (a killed worker's job was once
    taken over after 30 s where the operator had set a 6 s lease).

    Examples
    --------
    >>> settings = MatcherSettings(job_lease_seconds=6, job_poll_seconds=1, job_retry_base_seconds=2)
    >>> worker_times(parser().parse_args([]), settings)
    WorkerTimes(lease_seconds=6.0, poll_seconds=1.0, retry_base_seconds=2.0)
    >>> worker_times(parser().parse_args(["--lease-seconds", "10"]), settings).lease_seconds
    10.0
    """

    def pick(flag: float | None, setting: float) -> float:
        return float(setting if flag is None else flag)

    return WorkerTimes(
        lease_seconds=pick(args.lease_seconds, settings.job_lease_seconds),
        poll_seconds=pick(args.poll_seconds, settings.job_poll_seconds),
        retry_base_seconds=pick(args.retry_base_seconds, settings.job_retry_base_seconds),
    )


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
            times = worker_times(args, settings)
            await run_worker(
                pool,
                handler,
                worker_id=args.worker_id or default_worker_id(),
                lease_seconds=times.lease_seconds,
                poll_seconds=times.poll_seconds,
                stop_event=stop,
                retry_base_seconds=times.retry_base_seconds,
            )
    finally:
        await pool.close()


def parser() -> argparse.ArgumentParser:
    """The command line; the time flags default to None, meaning "as the settings say"."""
    made = argparse.ArgumentParser(prog="python -m services.matcher.jobs", description="Run a schedule job worker.")
    made.add_argument("--handler", help="another job handler, as module:attribute (default: schedule jobs)")
    made.add_argument("--worker-id", help="lease owner name (default: host:pid:random)")
    made.add_argument(
        "--lease-seconds", type=float, help="lease length, renewed every third (default: MATCHER_JOB_LEASE_SECONDS)"
    )
    made.add_argument(
        "--poll-seconds", type=float, help="look for due jobs at least this often (default: MATCHER_JOB_POLL_SECONDS)"
    )
    made.add_argument(
        "--retry-base-seconds",
        type=float,
        help="first back-off after a failure (default: MATCHER_JOB_RETRY_BASE_SECONDS)",
    )
    return made


def main(argv: list[str]) -> None:
    args = parser().parse_args(argv)
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

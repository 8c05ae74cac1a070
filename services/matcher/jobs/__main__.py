"""Run a job worker process: ``python -m services.matcher.jobs --handler MODULE:NAME``.

    python -m services.matcher.jobs --handler tests.matcher.test_worker_processes:stepping_handler \
        --lease-seconds 30 --poll-seconds 5

The database comes from the matcher's settings (``DATABASE_URL`` …); SIGTERM or SIGINT stops the worker
cleanly, handing a running job back to the queue. ``--handler`` names an async callable
``handler(job, report_progress)`` (see :mod:`services.matcher.jobs.worker`).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import os
import signal
import socket
import sys
import uuid

from shared.db import DatabaseUnavailable, create_pool, resolve_database_url
from shared.logs import configure_logging
from shared.migrations import MigrationError
from shared.serve import fail
from shared.settings import ConfigurationError

from .. import SCHEMA
from ..app import migrator
from ..settings import MatcherSettings, load
from .worker import JobHandler, run_worker

SERVICE = "matcher-worker"


def default_worker_id() -> str:
    """Unique per process start: a restarted process must not inherit the leases of its predecessor."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def import_handler(path: str) -> JobHandler:
    """The callable named ``module:attribute``."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"--handler {path!r}: write it as module:attribute")
    return getattr(importlib.import_module(module_name), attribute)


async def work(settings: MatcherSettings, args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    pool = await create_pool(settings, await resolve_database_url(settings), SCHEMA)
    try:
        async with pool.acquire() as conn:
            await migrator().prepare(conn, apply=settings.migrate_on_start)
        await run_worker(
            pool,
            import_handler(args.handler),
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
    parser.add_argument("--handler", required=True, help="the job handler, as module:attribute")
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
        import_handler(args.handler)
    except (ValueError, ImportError, AttributeError) as error:
        fail(f"{SERVICE}: cannot load the handler: {error}", 2)
    try:
        asyncio.run(work(settings, args))
    except (DatabaseUnavailable, MigrationError) as error:
        fail(f"{SERVICE}: {error}")


if __name__ == "__main__":
    main(sys.argv[1:])

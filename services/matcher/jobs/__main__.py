"""Run a schedule job worker process: ``python -m services.matcher.jobs``.

    python -m services.matcher.jobs
    python -m services.matcher.jobs --lease-seconds 30 --poll-seconds 5
    python -m services.matcher.jobs --handler tests.matcher.test_worker_processes:stepping_handler

Any number of these can run beside the matcher's web processes (set ``MATCHER_WORKERS=0`` there to keep
solving out of them); each runs one worker. It is built by :func:`services.matcher.worker_app.create_worker_app`
from the matcher's settings and the same parts as the web processes' workers: the database pool and its
migrations (``DATABASE_URL``, ``MIGRATE_ON_START``), the registry's session and client (``REGISTRY_URL``,
``MATCHER_SERVICE_TOKEN`` …), solves in ``MATCHER_SOLVER_PROCESSES`` processes, and the lease, poll and
back-off times ``MATCHER_JOB_LEASE_SECONDS``, ``MATCHER_JOB_POLL_SECONDS``, ``MATCHER_JOB_RETRY_BASE_SECONDS``
and ``MATCHER_JOB_RETRY_CAP_SECONDS``; a time flag given overrides its setting.
SIGTERM or SIGINT stops the worker cleanly, handing a running job back to the queue. ``--handler`` names
another async callable ``handler(job, report_progress)`` (see :mod:`services.matcher.jobs.worker`).
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import signal
import sys

from shared.db import DatabaseUnavailable
from shared.logs import configure_logging
from shared.migrations import MigrationError
from shared.serve import fail
from shared.settings import ConfigurationError

from ..settings import MatcherSettings, load
from ..worker_app import create_worker_app, run_until
from .worker import JobHandler

SERVICE = "matcher-worker"

# Each time flag and the setting it overrides.
TIME_FLAGS = {
    "lease_seconds": "job_lease_seconds",
    "poll_seconds": "job_poll_seconds",
    "retry_base_seconds": "job_retry_base_seconds",
}


def import_handler(path: str) -> JobHandler:
    """The callable named ``module:attribute``."""
    module_name, _, attribute = path.partition(":")
    if not module_name or not attribute:
        raise ValueError(f"--handler {path!r}: write it as module:attribute")
    return getattr(importlib.import_module(module_name), attribute)


def worker_settings(args: argparse.Namespace, settings: MatcherSettings) -> MatcherSettings:
    """The settings with each time flag given put in place of its setting; the rest as the environment says.

    The flags have no defaults of their own: a default there would override ``MATCHER_JOB_*`` and make
    a separate worker keep other times than the web processes' workers (a killed worker's job was once
    taken over after 30 s where the operator had set a 6 s lease). A flag is taken as given, unchecked
    against the setting's bounds (tests run leases of 2 s).

    Examples
    --------
    >>> settings = MatcherSettings(job_lease_seconds=6, job_poll_seconds=1, job_retry_base_seconds=2)
    >>> chosen = worker_settings(parser().parse_args([]), settings)
    >>> chosen.job_lease_seconds, chosen.job_poll_seconds, chosen.job_retry_base_seconds
    (6.0, 1.0, 2.0)
    >>> worker_settings(parser().parse_args(["--lease-seconds", "10"]), settings).job_lease_seconds
    10.0
    """
    given = {
        setting: float(getattr(args, flag)) for flag, setting in TIME_FLAGS.items() if getattr(args, flag) is not None
    }
    return settings.model_copy(update=given) if given else settings


async def work(settings: MatcherSettings, args: argparse.Namespace) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    handler = import_handler(args.handler) if args.handler else None
    app = create_worker_app(worker_settings(args, settings), handler=handler, worker_id=args.worker_id)
    await run_until(app, stop)


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

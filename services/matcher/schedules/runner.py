"""The schedule job: fetch the event from the registry, compute in a solver process, store a new version.

The version is written by the worker in the same transaction that completes the job (a
:data:`~..jobs.worker.ResultWriter`), so a job stores exactly one version or none, however many workers
died or lost their lease on the way.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import multiprocessing
import os
import threading
import time
from collections.abc import AsyncIterator, Callable
from concurrent.futures import Executor, ProcessPoolExecutor
from typing import Any
from uuid import UUID

import asyncpg
from aiohttp import web

from shared.db import POOL_KEY
from shared.snapshot import EventSnapshot

from ..engine.model import InstanceError
from ..engine.pipeline import Infeasible as EngineInfeasible
from ..jobs.parameters import JobParameters
from ..jobs.queue import Job
from ..jobs.worker import (
    Infeasible,
    JobHandler,
    ProgressReporter,
    ResultWriter,
    Retryable,
    default_worker_id,
    run_worker,
)
from ..keys import EXECUTOR_KEY, REGISTRY_KEY, WORKER_TASKS_KEY
from ..onsite.declines import applied_busy_slots, without_busy_slots
from ..registry_client import RegistryClient, RegistryDown, RegistryRefused
from ..settings import MatcherSettings
from . import repeat_pairs, store
from .compute import ComputeRequest, ComputeResult, compute_schedule

log = logging.getLogger("services.matcher.schedules.runner")

# The job workers running in this process (a separate worker process ends when they do).


def warm_up() -> bool:
    """Run in each new solver process: plan a tiny example event before the first job needs the engine.

    Importing alone left the first job's first calls (tables loaded on first use, the LP solver's set-up)
    to that job: on a busy machine its encoding took 0.7 s instead of 0.06 s.
    """
    from ..engine.examples import example_snapshot

    compute_schedule(ComputeRequest(example_snapshot()))
    return True


def _exit_with_parent(parent_pid: int, every: float = 1.0) -> None:
    """Run in each solver process: end it when the process that started it is gone.

    A worker killed with SIGKILL cannot stop its pool, and a pool process waits on its task queue forever
    (it holds that queue's write end itself), keeping the dead worker's pipes and memory.
    """

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(every)
        os._exit(1)

    threading.Thread(target=watch, name="exit-with-parent", daemon=True).start()


def solver_executor(processes: int) -> ProcessPoolExecutor:
    # spawn, not fork: the parent runs an event loop and holds database sockets a fork would share.
    return ProcessPoolExecutor(
        max_workers=processes,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_exit_with_parent,
        initargs=(os.getpid(),),
    )


def job_request(
    params: JobParameters,
    snapshot: EventSnapshot,
    rules: store.Rules,
    previous: list | None,
    default_time_limit: float,
    met_before: tuple[tuple[UUID, UUID], ...] = (),
) -> ComputeRequest:
    """What the solver process gets for a job with ``params``: a re-plan when there is a version to start from."""
    return ComputeRequest(
        snapshot=snapshot,
        mode="replan" if previous is not None else "fresh",
        locks=rules.locks,
        forbidden=rules.forbidden,
        previous=previous or (),
        seed=params.seed,
        time_limit=params.time_limit(default_time_limit),
        met_before=met_before,
    )


def make_schedule_handler(
    pool: asyncpg.Pool,
    registry: RegistryClient,
    executor: Executor,
    *,
    default_time_limit: float,
) -> Callable[[Job, ProgressReporter], Any]:
    """The job handler of schedule jobs, bound to a pool, a registry client and a solver executor."""

    async def handle(job: Job, report: ProgressReporter) -> ResultWriter:
        params = JobParameters.model_validate(job.params)  # the stored JSON, parsed once for the whole run
        report(5, "Hämtar anmälningarna från registret (fetching the sign-ups)")
        started = time.perf_counter()
        try:
            # One consistent read: the snapshot carries everything the job stores, the venue included.
            snapshot = await registry.snapshot(job.event_id)
        except RegistryDown as error:
            raise Retryable(error.reason) from None
        except RegistryRefused as error:
            raise Infeasible(f"Evenemanget kan inte hämtas (the event cannot be read): {error.reason}") from None
        fetched = time.perf_counter()
        # Parsed once, on its first use here: the busy slots, the repeat pairs and the solver process take the
        # model. The document as the registry sent it (``snapshot.document``) is what the version stores.
        model = snapshot.model
        validated = time.perf_counter()
        async with pool.acquire() as conn:
            rules = await store.load_rules(conn, job.event_id)
            busy = await applied_busy_slots(conn, job.event_id)  # "Upptagen" slots applied before the day
            base_id = await store.replan_base(conn, job.event_id, params)
            previous = await store.stored_meetings(conn, base_id) if base_id is not None else None
            met_before = await repeat_pairs.met_before(conn, model, params)
        request = job_request(params, without_busy_slots(model, busy), rules, previous, default_time_limit, met_before)
        prepared = time.perf_counter()
        report(20, "Beräknar mötesschemat (computing the schedule)")
        loop = asyncio.get_running_loop()
        try:
            result: ComputeResult = await loop.run_in_executor(executor, compute_schedule, request)
        except EngineInfeasible as error:
            raise Infeasible(error.reason) from None
        except InstanceError as error:
            raise Infeasible(
                f"Anmälningarna går inte att schemalägga (the sign-ups cannot be scheduled): {error}"
            ) from None
        solved = time.perf_counter()
        report(90, "Sparar schemat (storing the schedule)")
        # Where the job's time went (seconds), kept with the version and logged once it is stored.
        timings = {
            "fetch": round(fetched - started + prepared - validated, 4),
            "validate": round(validated - fetched, 4),
            "solver_process": round(solved - prepared, 4),
            **result.timings,
        }
        timings["transfer"] = round(timings["solver_process"] - sum(result.timings.values()), 4)
        # In the version's quality report (GET …/schedules/{n}), beside the engine's own phase_seconds.
        stored = dataclasses.replace(result, quality={**result.quality, "job_seconds": timings})

        async def write(conn: asyncpg.Connection) -> UUID:
            writing = time.perf_counter()
            version_id = await store.insert_version(
                conn,
                event_id=job.event_id,
                job_id=job.id,
                based_on=base_id,
                snapshot=snapshot,
                venue=model.event.venue,
                params={
                    "seed": request.seed,
                    "time_limit": request.time_limit,
                    "avoid_repeat_pairs": params.avoid_repeat_pairs,
                },
                result=stored,
            )
            log.info(
                "job %s phases (s): %s, store %.3f; %d meetings",
                job.id,
                ", ".join(f"{name} {seconds:.3f}" for name, seconds in timings.items()),
                time.perf_counter() - writing,
                len(result.meetings),
            )
            return version_id

        return write

    return handle


def workers_context(
    settings: MatcherSettings,
    *,
    count: int | None = None,
    handler: JobHandler | None = None,
    worker_id: str | None = None,
) -> Callable[[web.Application], AsyncIterator[None]]:
    """A ``cleanup_ctx`` entry: job workers in this process, with their lease, poll and back-off from ``settings``.

    The one factory of workers, for the matcher's web processes (:func:`..app.create_app`: ``settings.workers``
    of them) and for ``python -m services.matcher.jobs`` (:func:`..worker_app.create_worker_app`: one each).
    ``handler`` runs other jobs than schedules (tests); schedule jobs get solver processes, warmed up at
    start, and the app's pool and registry client. ``worker_id`` names the lease owner of a single worker
    (default: unique per start). The running workers' tasks are ``app[WORKER_TASKS_KEY]``.
    """
    workers = settings.workers if count is None else count
    if worker_id is not None and workers != 1:
        raise ValueError(f"worker_id names one worker, not {workers}")

    async def context(app: web.Application) -> AsyncIterator[None]:
        stop = asyncio.Event()
        tasks: list[asyncio.Task[None]] = []
        warming: list[asyncio.Future] = []
        executor = None
        if workers:
            run = handler
            if run is None:
                executor = solver_executor(settings.solver_processes)
                app[EXECUTOR_KEY] = executor
                loop = asyncio.get_running_loop()
                warming = [loop.run_in_executor(executor, warm_up) for _ in range(settings.solver_processes)]
                run = make_schedule_handler(
                    app[POOL_KEY], app[REGISTRY_KEY], executor, default_time_limit=settings.solve_time_limit
                )
            for _ in range(workers):
                tasks.append(
                    asyncio.create_task(
                        run_worker(
                            app[POOL_KEY],
                            run,
                            worker_id=worker_id or default_worker_id(),
                            lease_seconds=settings.job_lease_seconds,
                            poll_seconds=settings.job_poll_seconds,
                            retry_base_seconds=settings.job_retry_base_seconds,
                            retry_cap_seconds=settings.job_retry_cap_seconds,
                            stop_event=stop,
                        )
                    )
                )
        app[WORKER_TASKS_KEY] = tasks
        try:
            yield
        finally:
            stop.set()  # a running job is handed back to the queue
            await asyncio.gather(*tasks, return_exceptions=True)
            await asyncio.gather(*warming, return_exceptions=True)
            if executor is not None:
                executor.shutdown(wait=False, cancel_futures=True)

    return context

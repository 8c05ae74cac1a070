"""The job worker: claim a job, run its handler while renewing the lease, record the outcome; repeat.

Wake-ups come from ``LISTEN matcher_jobs`` (a new job starts at once); a poll every ``poll_seconds``
catches missed notifications, back-offs that ran out and leases that expired. Any number of workers, in
any number of processes, can run against one database.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from ..listener import DATABASE_ERRORS, ChannelListener, RetryStreak, wait_for_either
from ..sql.jobs import JOBS_CHANNEL
from . import queue
from .queue import Job

log = logging.getLogger("services.matcher.jobs.worker")

# Errors of a handler that mean "something it depends on is away", retried like Retryable.
TRANSIENT_ERRORS = (OSError, TimeoutError, asyncpg.PostgresConnectionError, asyncpg.CannotConnectNowError)


class Infeasible(Exception):
    """Raised by a handler: the event has no valid schedule; the job ends ``infeasible`` with ``reason``."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class Retryable(Exception):
    """Raised by a handler: this attempt failed for a passing reason (registry unreachable); try again later."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


# report_progress(percent, phase): call on the event loop's thread; it returns at once, and the
# worker writes the latest value to the job with its next lease renewal (soon after the call).
ProgressReporter = Callable[[int, str], None]
# write_result(conn) -> id of what it stored: run by the worker in the transaction that completes the job.
ResultWriter = Callable[[asyncpg.Connection], Awaitable[UUID | None]]
# handler(job, report_progress) -> the id of what it produced (or None), or a ResultWriter that stores it:
# a writer's changes commit together with the job's completion, or not at all. An async function: the worker
# runs it as a task (asyncio.create_task takes a coroutine), to cancel it when its lease is lost.
JobHandler = Callable[[Job, ProgressReporter], Coroutine[Any, Any, UUID | ResultWriter | None]]
# Database errors that mean "cannot reach it now" (try later), unlike a rejected statement (a bug or bad data).
CONNECTION_ERRORS = (
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    OSError,
    TimeoutError,
)


def default_worker_id() -> str:
    """Unique per worker start: a restarted worker must not inherit the leases of its predecessor."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def describe_error(error: BaseException) -> str:
    """A failure reason for people: the error's message, or its type when it has none (never a traceback).

    Examples
    --------
    >>> describe_error(ValueError("event has no tables"))
    'event has no tables'
    >>> describe_error(KeyError())
    'KeyError'
    """
    reason = getattr(error, "reason", None) or str(error)
    return reason if reason.strip() else type(error).__name__


@dataclass
class _Progress:
    percent: int | None = None
    phase: str | None = None


@dataclass(frozen=True)
class _Config:
    worker_id: str
    lease_seconds: float
    retry_base_seconds: float
    retry_cap_seconds: float
    progress_interval: float


async def run_worker(
    pool: asyncpg.Pool,
    handler: JobHandler,
    *,
    worker_id: str,
    lease_seconds: float = queue.DEFAULT_LEASE_SECONDS,
    poll_seconds: float = 5.0,
    stop_event: asyncio.Event,
    retry_base_seconds: float = queue.RETRY_BASE_SECONDS,
    retry_cap_seconds: float = queue.RETRY_CAP_SECONDS,
    progress_interval: float = 0.5,
    on_idle: Callable[[], None] | None = None,
) -> None:
    """Run jobs one at a time until ``stop_event`` is set.

    Each claimed job runs ``handler(job, report_progress)``; meanwhile the lease is renewed every third
    of ``lease_seconds`` (and progress written at most every ``progress_interval`` seconds). If the lease
    is lost, the handler is cancelled and its result discarded. The outcome: a returned value → ``done``
    with that result; :class:`Infeasible` → ``infeasible``; :class:`Retryable` or a transient error →
    retried after a back-off while attempts remain; any other error → ``failed`` with its message.
    When ``stop_event`` is set mid-job the handler is cancelled and the job handed back to the queue.
    ``on_idle`` is called each time the worker found nothing to do and starts waiting (for tests, metrics).
    """
    config = _Config(worker_id, lease_seconds, retry_base_seconds, retry_cap_seconds, progress_interval)
    wake = asyncio.Event()
    listener = ChannelListener(pool, JOBS_CHANNEL, wake, "new jobs")
    log.info("worker %s started", worker_id)
    claims = RetryStreak(log, "claim jobs")
    try:
        while not stop_event.is_set():
            await listener.ensure()
            # Cleared before claiming: a notification arriving from here on makes the wait below end.
            wake.clear()
            try:
                async with pool.acquire() as conn:
                    job = await queue.claim(conn, worker_id, lease_seconds)
            except DATABASE_ERRORS as error:
                claims.failed(error)  # once per streak: an outage is one line, not one per poll
                job = None
            else:
                claims.worked()
            if job is not None:
                await _run_job(pool, handler, job, config, stop_event)
                continue
            if on_idle is not None:
                on_idle()
            await wait_for_either(wake, stop_event, listener.retry_delay(poll_seconds))
    finally:
        await listener.close()
        log.info("worker %s stopped", worker_id)


async def _run_job(pool: asyncpg.Pool, handler: JobHandler, job: Job, config: _Config, stop: asyncio.Event) -> None:
    log.info("job %s (event %s) attempt %d started by %s", job.id, job.event_id, job.attempts, config.worker_id)
    progress = _Progress()
    progress_changed = asyncio.Event()
    lease_lost = asyncio.Event()

    def report_progress(percent: int, phase: str = "") -> None:
        progress.percent, progress.phase = percent, phase
        progress_changed.set()

    work = asyncio.create_task(handler(job, report_progress))
    keeper = asyncio.create_task(_keep_lease(pool, job, config, progress, progress_changed, lease_lost, work))
    stopping = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait([work, stopping], return_when=asyncio.FIRST_COMPLETED)
    finally:
        for task in (keeper, stopping, *(() if work.done() else (work,))):
            task.cancel()
        await asyncio.gather(keeper, stopping, work, return_exceptions=True)

    if lease_lost.is_set():
        log.warning("job %s: lease lost to another worker; this attempt's result is discarded", job.id)
    elif work.cancelled():
        await _finish(pool, job, "handed back", lambda conn: queue.release(conn, job.id, config.worker_id))
    else:
        await _record_outcome(pool, job, work, config)


async def _record_outcome(pool: asyncpg.Pool, job: Job, work: asyncio.Task, config: _Config) -> None:
    error = work.exception()
    owner = config.worker_id
    if error is None:
        result = work.result()
        if callable(result):
            await _store_and_complete(pool, job, result, config)
            return
        await _finish(pool, job, "done", lambda conn: queue.complete(conn, job.id, owner, result_version_id=result))
    elif isinstance(error, Infeasible):
        reason = describe_error(error)
        await _finish(
            pool, job, "infeasible", lambda conn: queue.complete(conn, job.id, owner, "infeasible", reason=reason)
        )
    else:
        retryable = isinstance(error, (Retryable, *TRANSIENT_ERRORS))
        if not isinstance(error, Retryable):
            # The traceback goes to the log for whoever fixes it; the job stores the message only.
            log.error("job %s: the handler failed", job.id, exc_info=error)
        reason = describe_error(error)
        await _finish(
            pool,
            job,
            "retry or fail",
            lambda conn: queue.fail(
                conn,
                job.id,
                owner,
                reason,
                retryable,
                retry_base_seconds=config.retry_base_seconds,
                retry_cap_seconds=config.retry_cap_seconds,
            ),
        )


async def _store_and_complete(pool: asyncpg.Pool, job: Job, writer: ResultWriter, config: _Config) -> None:
    """Store the result and complete the job atomically; a statement the database rejects fails the job."""
    try:
        async with pool.acquire() as conn:
            ended = await queue.complete_with(conn, job.id, config.worker_id, writer)
    except CONNECTION_ERRORS as error:
        # Nothing was stored; the lease expires and another attempt runs.
        log.error("job %s: cannot store the result now: %s", job.id, describe_error(error))
        return
    except asyncpg.PostgresError as error:
        log.error("job %s: the database rejected the result", job.id, exc_info=error)
        reason = f"Resultatet kunde inte sparas (the result could not be stored): {describe_error(error)}"
        await _finish(pool, job, "failed", lambda conn: queue.fail(conn, job.id, config.worker_id, reason, False))
        return
    if ended is None:
        log.warning("job %s: lease lost before the result was stored; discarded", job.id)
    else:
        log.info("job %s: done (result %s, attempt %d)", job.id, ended.result_version_id, ended.attempts)


async def _finish(
    pool: asyncpg.Pool, job: Job, what: str, step: Callable[[asyncpg.Connection], Awaitable[Job | None]]
) -> None:
    """Write an attempt's outcome; if that cannot be done, the lease expires and the job runs again."""
    try:
        async with pool.acquire() as conn:
            ended = await step(conn)
    except DATABASE_ERRORS as error:
        log.error("job %s: cannot record the outcome (%s) now: %s", job.id, what, describe_error(error))
        return
    if ended is None:
        log.warning("job %s: lease lost before the outcome (%s) was written; discarded", job.id, what)
    else:
        log.info("job %s: %s (status %s, attempt %d)", job.id, what, ended.status, ended.attempts)


async def _keep_lease(
    pool: asyncpg.Pool,
    job: Job,
    config: _Config,
    progress: _Progress,
    progress_changed: asyncio.Event,
    lease_lost: asyncio.Event,
    work: asyncio.Task,
) -> None:
    renew_every = config.lease_seconds / 3
    while True:
        # asyncio.timeout, not wait_for: Python 3.11's wait_for swallows a cancellation that arrives as the
        # awaited event fires (a report at the end of a job), and this task would then never end.
        try:
            async with asyncio.timeout(renew_every):
                await progress_changed.wait()
            reported = True
        except TimeoutError:
            reported = False
        progress_changed.clear()
        try:
            async with pool.acquire() as conn:
                held = await queue.heartbeat(
                    conn, job.id, config.worker_id, progress.percent, progress.phase, lease_seconds=config.lease_seconds
                )
        except DATABASE_ERRORS as error:
            # The lease still runs; if the database stays away it expires and another worker takes over.
            log.warning("job %s: cannot renew the lease now: %s", job.id, describe_error(error))
            continue
        if not held:
            lease_lost.set()
            work.cancel()
            return
        if reported:
            # Progress reported many times a second is written a few times a second.
            await asyncio.sleep(min(config.progress_interval, renew_every / 2))

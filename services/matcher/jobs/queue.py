"""The durable job queue in PostgreSQL: enqueue, claim with a lease, heartbeat, complete, fail, release.

Every function takes an asyncpg connection (or anything with its query methods) and is safe to call from
any number of processes at once: PostgreSQL's row locks and the ``WHERE lease_owner = …`` conditions do
the coordination, so a job is claimed by one worker at a time and completes at most once.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, fields
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.backoff import backoff_seconds

from ..sql import jobs as sql

QUEUED, RUNNING, DONE, FAILED, INFEASIBLE = "queued", "running", "done", "failed", "infeasible"
ACTIVE_STATUSES = frozenset({QUEUED, RUNNING})
FINAL_STATUSES = frozenset({DONE, FAILED, INFEASIBLE})
SCHEDULE = "schedule"

DEFAULT_MAX_ATTEMPTS = 5
DEFAULT_LEASE_SECONDS = 30.0
RETRY_BASE_SECONDS = 5.0
RETRY_CAP_SECONDS = 300.0
MAX_REASON_CHARS = 2000
MAX_PHASE_CHARS = 200

# Shown to organisers when the worker running the last allowed attempt stopped answering.
WORKER_LOST_REASON = (
    "Schemaläggningen avbröts: processen som körde den slutade svara, och inga fler försök återstår. "
    "(The worker running the job stopped responding and no attempts are left.)"
)


@dataclass(frozen=True)
class Job:
    """One row of ``matcher.jobs``."""

    id: UUID
    event_id: UUID
    kind: str
    status: str
    params: dict[str, Any]
    progress: int
    phase: str
    attempts: int
    max_attempts: int
    run_after: datetime
    lease_owner: str | None
    lease_expires_at: datetime | None
    failure_reason: str | None
    result_version_id: UUID | None
    created_by: UUID | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @classmethod
    def from_record(cls, record: asyncpg.Record) -> Job:
        values = {f.name: record[f.name] for f in fields(cls)}
        # Connections from the service's pool decode jsonb already; a bare connection gives text.
        if isinstance(values["params"], str):
            values["params"] = json.loads(values["params"])
        return cls(**values)


def _job(record: asyncpg.Record | None) -> Job | None:
    return None if record is None else Job.from_record(record)


def clip_text(text: str, limit: int) -> str:
    """``text`` on one line, cut to ``limit`` characters with an ellipsis, as the table's CHECKs allow.

    Examples
    --------
    >>> clip_text("registry\\nunreachable", 100)
    'registry unreachable'
    >>> clip_text("abcdef", 4)
    'abc…'
    """
    one_line = " ".join(text.split())
    return one_line if len(one_line) <= limit else one_line[: limit - 1] + "…"


async def enqueue(
    conn: asyncpg.Connection,
    event_id: UUID,
    *,
    kind: str = SCHEDULE,
    params: dict[str, Any] | None = None,
    max_attempts: int = DEFAULT_MAX_ATTEMPTS,
    created_by: UUID | None = None,
) -> tuple[Job, bool]:
    """Queue a job for ``event_id``, or return the event's active one: ``(job, created)``.

    A new job is announced on ``matcher_jobs`` in the same transaction, so workers hear of it only once
    it is visible to them. Two callers racing for the same event get the same job (the partial unique
    index decides, the loser's insert waits for the winner's commit and then finds its job).
    """
    payload = json.dumps(params or {})
    for _ in range(10):
        async with conn.transaction():
            record = await conn.fetchrow(sql.INSERT_JOB, event_id, kind, payload, max_attempts, created_by)
            if record is not None:
                await conn.execute(sql.NOTIFY_JOBS, str(record["id"]))
                return Job.from_record(record), True
            existing = await conn.fetchrow(sql.SELECT_ACTIVE_JOB, event_id)
        if existing is not None:
            return Job.from_record(existing), False
        # The active job finished between our insert and our look-up: try again.
        await asyncio.sleep(0)
    raise RuntimeError(f"could not queue a job for event {event_id}: the active job kept changing")


async def get_job(conn: asyncpg.Connection, job_id: UUID) -> Job | None:
    return _job(await conn.fetchrow(sql.SELECT_JOB, job_id))


async def active_job(conn: asyncpg.Connection, event_id: UUID) -> Job | None:
    """The event's queued or running job, if any."""
    return _job(await conn.fetchrow(sql.SELECT_ACTIVE_JOB, event_id))


async def event_jobs(conn: asyncpg.Connection, event_id: UUID, *, limit: int = 50) -> list[Job]:
    """The event's jobs, newest first."""
    return [Job.from_record(r) for r in await conn.fetch(sql.SELECT_EVENT_JOBS, event_id, limit)]


async def claim(conn: asyncpg.Connection, worker_id: str, lease_seconds: float = DEFAULT_LEASE_SECONDS) -> Job | None:
    """Take the oldest due job for ``worker_id`` with a lease of ``lease_seconds``, or None when none is due.

    Due means queued and past its back-off, or running with an expired lease (its worker died; this
    counts as a new attempt). A job whose expired lease was its last allowed attempt is failed instead.
    Concurrent claims skip each other's locked rows, so they never get the same job.
    """
    async with conn.transaction():
        await conn.execute(sql.FAIL_ABANDONED_JOBS, WORKER_LOST_REASON)
        return _job(await conn.fetchrow(sql.CLAIM_JOB, worker_id, float(lease_seconds)))


async def heartbeat(
    conn: asyncpg.Connection,
    job_id: UUID,
    worker_id: str,
    progress: int | None = None,
    phase: str | None = None,
    *,
    lease_seconds: float = DEFAULT_LEASE_SECONDS,
) -> bool:
    """Renew the lease (and record progress) if ``worker_id`` still holds the job.

    False means the lease is lost (taken over, or the job is no longer running): the worker must stop
    and write no results.
    """
    if progress is not None:
        progress = min(100, max(0, int(progress)))
    if phase is not None:
        phase = clip_text(phase, MAX_PHASE_CHARS)
    row = await conn.fetchval(sql.HEARTBEAT, job_id, worker_id, float(lease_seconds), progress, phase)
    return row is not None


async def complete(
    conn: asyncpg.Connection,
    job_id: UUID,
    worker_id: str,
    status: str = DONE,
    *,
    result_version_id: UUID | None = None,
    reason: str | None = None,
) -> Job | None:
    """Finish the job as ``done`` (with its result) or ``infeasible`` (with the reason).

    Only the current lease owner can: None means it was not (the job was taken over or already ended),
    and nothing changed.
    """
    if status not in (DONE, INFEASIBLE):
        raise ValueError(f"complete() ends a job as {DONE!r} or {INFEASIBLE!r}, not {status!r}; see fail()")
    if reason is not None:
        reason = clip_text(reason, MAX_REASON_CHARS)
    return _job(await conn.fetchrow(sql.COMPLETE_JOB, job_id, worker_id, status, result_version_id, reason))


async def complete_with(
    conn: asyncpg.Connection,
    job_id: UUID,
    worker_id: str,
    write_result: Callable[[asyncpg.Connection], Awaitable[UUID | None]],
) -> Job | None:
    """Store a job's result and finish it as ``done`` in one transaction, if ``worker_id`` still holds it.

    ``write_result(conn)`` runs inside the transaction with the job row locked, and returns the id of what
    it stored. A worker that lost its lease writes nothing (None), so a result is stored once per job.
    """
    async with conn.transaction():
        if await conn.fetchrow(sql.LOCK_OWNED_JOB, job_id, worker_id) is None:
            return None
        result_id = await write_result(conn)
        return _job(await conn.fetchrow(sql.COMPLETE_JOB, job_id, worker_id, DONE, result_id, None))


async def fail(
    conn: asyncpg.Connection,
    job_id: UUID,
    worker_id: str,
    reason: str,
    retryable: bool,
    *,
    retry_base_seconds: float = RETRY_BASE_SECONDS,
    retry_cap_seconds: float = RETRY_CAP_SECONDS,
) -> Job | None:
    """Record a failed attempt: back to the queue after an exponential back-off while attempts remain
    and ``retryable``, else ``failed`` for good. The reason is stored either way.

    Only the current lease owner can: None means it was not, and nothing changed.
    """
    reason = clip_text(reason, MAX_REASON_CHARS) or "okänt fel (unknown error)"
    async with conn.transaction():
        record = await conn.fetchrow(sql.LOCK_OWNED_JOB, job_id, worker_id)
        if record is None:
            return None
        if retryable and record["attempts"] < record["max_attempts"]:
            delay = backoff_seconds(record["attempts"], base=retry_base_seconds, cap=retry_cap_seconds)
            return _job(await conn.fetchrow(sql.REQUEUE_JOB, job_id, reason, delay))
        return _job(await conn.fetchrow(sql.FAIL_JOB, job_id, reason))


async def release(conn: asyncpg.Connection, job_id: UUID, worker_id: str) -> Job | None:
    """Hand a running job back to the queue at once (a worker shutting down); the attempt does not count."""
    async with conn.transaction():
        record = await conn.fetchrow(sql.RELEASE_JOB, job_id, worker_id)
        if record is not None:
            await conn.execute(sql.NOTIFY_JOBS, str(job_id))
    return _job(record)

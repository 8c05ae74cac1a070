"""Schedule jobs on the real test database: queueing, claims, leases, retries, outcomes and wake-ups."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import asyncpg
import pytest

from services.matcher.jobs import queue
from services.matcher.jobs.queue import Job, claim, complete, enqueue, fail, get_job, heartbeat
from services.matcher.jobs.worker import Infeasible, Retryable, run_worker
from services.matcher.sql.jobs import JOB_UPDATES_CHANNEL, JOBS_CHANNEL
from shared.db import init_connection

GENEROUS = 30.0  # seconds; only ever a bound on waiting, never a claim about speed


@pytest.fixture
async def conns(db_url: str) -> AsyncIterator[list[asyncpg.Connection]]:
    """Separate connections, as separate workers would have."""
    opened = [await asyncpg.connect(db_url) for _ in range(3)]
    yield opened
    for conn in opened:
        await conn.close()


@pytest.fixture
async def pool(db_url: str) -> AsyncIterator[asyncpg.Pool]:
    """A pool set up like the service's (jsonb decoded to Python objects)."""
    created = await asyncpg.create_pool(db_url, min_size=1, max_size=6, init=init_connection)
    yield created
    await created.close()


async def wait_until(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + GENEROUS
    while not await check():
        assert time.monotonic() < deadline, f"not within {GENEROUS} s: {what}"
        await asyncio.sleep(0.02)


async def wait_for_status(conn: asyncpg.Connection, job_id: uuid.UUID, *statuses: str) -> Job:
    found: list[Job] = []

    async def reached() -> bool:
        job = await get_job(conn, job_id)
        found[:] = [job]
        return job is not None and job.status in statuses

    await wait_until(reached, f"job {job_id} in {statuses}")
    return found[0]


async def expire_lease(conn: asyncpg.Connection, job_id: uuid.UUID) -> None:
    """What happens when a worker dies: its lease runs out (set directly, so no test waits for a clock)."""
    await conn.execute(
        "UPDATE matcher.jobs SET lease_expires_at = now() - interval '1 second' WHERE id = $1 AND status = 'running'",
        job_id,
    )


async def make_due(conn: asyncpg.Connection, job_id: uuid.UUID) -> None:
    """Skip a back-off without waiting for it."""
    await conn.execute("UPDATE matcher.jobs SET run_after = now() WHERE id = $1", job_id)


class WorkerRun:
    """``run_worker`` in a task, stopped (and checked for errors) at the end of the test."""

    def __init__(self, pool: asyncpg.Pool, handler, **options) -> None:
        self.stop = asyncio.Event()
        self.idle = asyncio.Event()
        options.setdefault("worker_id", f"test-worker-{uuid.uuid4().hex[:6]}")
        options.setdefault("lease_seconds", 30)
        options.setdefault("poll_seconds", 0.2)
        self.worker_id = options["worker_id"]
        self.task = asyncio.create_task(
            run_worker(pool, handler, stop_event=self.stop, on_idle=self.idle.set, **options)
        )

    async def finish(self) -> None:
        self.stop.set()
        await asyncio.wait_for(self.task, GENEROUS)


# --- enqueue -------------------------------------------------------------------------------------------


async def test_a_second_request_for_an_event_gets_the_active_job(conns):
    conn = conns[0]
    event, other_event = uuid.uuid4(), uuid.uuid4()
    organiser = uuid.uuid4()
    first, created = await enqueue(conn, event, created_by=organiser, params={"time_limit": 10})
    assert created and first.status == "queued" and first.kind == "schedule" and first.attempts == 0
    assert first.params == {"time_limit": 10} and first.created_by == organiser

    again, created_again = await enqueue(conn, event)
    assert not created_again and again.id == first.id

    running = await claim(conn, "w1")
    assert running.id == first.id
    while_running, created_while_running = await enqueue(conn, event)
    assert not created_while_running and while_running.id == first.id and while_running.status == "running"

    other, created_other = await enqueue(conn, other_event)
    assert created_other and other.id != first.id

    # Once the job has ended, a new request is a new job.
    assert (await complete(conn, first.id, "w1")).status == "done"
    rerun, created_rerun = await enqueue(conn, event)
    assert created_rerun and rerun.id != first.id
    assert [j.id for j in await queue.event_jobs(conn, event)] == [rerun.id, first.id]


async def test_concurrent_requests_for_one_event_make_one_job(conns):
    event = uuid.uuid4()
    results = await asyncio.gather(*(enqueue(conn, event) for conn in conns))
    assert len({job.id for job, _ in results}) == 1
    assert sum(created for _, created in results) == 1
    assert await conns[0].fetchval("SELECT count(*) FROM matcher.jobs WHERE event_id = $1", event) == 1


async def test_enqueue_notifies_workers_only_when_it_commits(conns):
    listener, writer = conns[0], conns[1]
    heard: asyncio.Queue[str] = asyncio.Queue()
    await listener.add_listener(JOBS_CHANNEL, lambda *args: heard.put_nowait(args[3]))

    job, _ = await enqueue(writer, uuid.uuid4())
    assert await asyncio.wait_for(heard.get(), GENEROUS) == str(job.id)

    # A request that finds the active job announces nothing new; the next new job is the next notice.
    await enqueue(writer, job.event_id)
    second, _ = await enqueue(writer, uuid.uuid4())
    assert await asyncio.wait_for(heard.get(), GENEROUS) == str(second.id)


async def test_visible_changes_are_announced_to_watchers(conns):
    listener, writer = conns[0], conns[1]
    heard: asyncio.Queue[str] = asyncio.Queue()
    await listener.add_listener(JOB_UPDATES_CHANNEL, lambda *args: heard.put_nowait(args[3]))
    job, _ = await enqueue(writer, uuid.uuid4())
    await claim(writer, "w1")
    await heartbeat(writer, job.id, "w1", 40, "slotting")
    await complete(writer, job.id, "w1")
    notices = [await asyncio.wait_for(heard.get(), GENEROUS) for _ in range(4)]
    assert notices == [str(job.id)] * 4


# --- claims and leases ---------------------------------------------------------------------------------


async def test_concurrent_claims_never_get_the_same_job(conns):
    holder, other, third = conns
    one, _ = await enqueue(holder, uuid.uuid4())
    # A claim whose transaction is still open keeps its row locked: others skip it instead of waiting.
    async with holder.transaction():
        held = await claim(holder, "w1")
        assert held.id == one.id
        assert await asyncio.wait_for(claim(other, "w2"), GENEROUS) is None
        two, _ = await enqueue(third, uuid.uuid4())
        skipped_to = await asyncio.wait_for(claim(other, "w2"), GENEROUS)
        assert skipped_to.id == two.id

    for _ in range(2):
        await enqueue(holder, uuid.uuid4())
    a, b = await asyncio.gather(claim(other, "w2"), claim(third, "w3"))
    assert a is not None and b is not None and a.id != b.id
    assert await claim(holder, "w1") is None


async def test_an_expired_lease_is_taken_over_and_the_first_worker_is_refused(conns):
    conn = conns[0]
    job, _ = await enqueue(conn, uuid.uuid4())
    first = await claim(conn, "worker-a", lease_seconds=30)
    assert (first.status, first.lease_owner, first.attempts) == ("running", "worker-a", 1)
    assert await heartbeat(conn, job.id, "worker-a", 20, "scoring")
    assert await claim(conn, "worker-b") is None  # the lease still runs

    await expire_lease(conn, job.id)
    taken = await claim(conn, "worker-b", lease_seconds=30)
    assert (taken.id, taken.lease_owner, taken.attempts) == (job.id, "worker-b", 2)

    assert not await heartbeat(conn, job.id, "worker-a", 90, "writing")
    assert await complete(conn, job.id, "worker-a") is None
    assert await fail(conn, job.id, "worker-a", "too late", retryable=False) is None
    current = await get_job(conn, job.id)
    assert (current.status, current.lease_owner, current.progress, current.phase) == (
        "running",
        "worker-b",
        20,
        "scoring",
    )

    version = await stored_version(conn, job.event_id)
    before = current.lease_expires_at
    assert await heartbeat(conn, job.id, "worker-b", 150, "slotting " * 40)
    renewed = await get_job(conn, job.id)
    assert renewed.lease_expires_at >= before and renewed.progress == 100 and len(renewed.phase) <= 200
    done = await complete(conn, job.id, "worker-b", result_version_id=version)
    assert (done.status, done.result_version_id, done.progress, done.attempts) == ("done", version, 100, 2)
    assert done.finished_at is not None and done.lease_expires_at is None
    # A job never completes twice.
    assert await complete(conn, job.id, "worker-b") is None
    assert await claim(conn, "worker-c") is None


async def test_a_worker_lost_on_the_last_attempt_fails_the_job_with_a_reason(conns):
    conn = conns[0]
    job, _ = await enqueue(conn, uuid.uuid4(), max_attempts=1)
    await claim(conn, "worker-a")
    await expire_lease(conn, job.id)
    assert await claim(conn, "worker-b") is None
    ended = await get_job(conn, job.id)
    assert ended.status == "failed" and "slutade svara" in ended.failure_reason and ended.attempts == 1


async def test_release_hands_the_job_back_without_counting_the_attempt(conns):
    conn = conns[0]
    job, _ = await enqueue(conn, uuid.uuid4())
    await claim(conn, "worker-a")
    assert await queue.release(conn, job.id, "worker-b") is None
    released = await queue.release(conn, job.id, "worker-a")
    assert (released.status, released.attempts, released.lease_expires_at) == ("queued", 0, None)
    assert (await claim(conn, "worker-b")).id == job.id


# --- retries and outcomes ------------------------------------------------------------------------------


async def test_retries_back_off_exponentially_then_fail_with_the_reason(conns):
    conn = conns[0]
    job, _ = await enqueue(conn, uuid.uuid4(), max_attempts=3)
    waits = []
    for attempt in (1, 2):
        claimed = await claim(conn, "w1")
        assert claimed.attempts == attempt
        requeued = await fail(conn, job.id, "w1", "registret svarar inte", retryable=True, retry_base_seconds=7)
        assert requeued.status == "queued" and requeued.failure_reason == "registret svarar inte"
        waits.append(requeued.run_after - requeued.updated_at)
        assert await claim(conn, "w1") is None  # not before the back-off has passed
        await make_due(conn, job.id)
    assert waits == [timedelta(seconds=7), timedelta(seconds=14)]

    assert (await claim(conn, "w1")).attempts == 3
    ended = await fail(conn, job.id, "w1", "registret svarar inte\nalls", retryable=True)
    assert (ended.status, ended.failure_reason, ended.attempts) == ("failed", "registret svarar inte alls", 3)
    assert ended.finished_at is not None
    await make_due(conn, job.id)
    assert await claim(conn, "w1") is None


async def test_a_failure_that_is_not_retryable_ends_the_job_at_once(conns):
    conn = conns[0]
    job, _ = await enqueue(conn, uuid.uuid4())
    await claim(conn, "w1")
    ended = await fail(conn, job.id, "w1", "x" * 5000, retryable=False)
    assert ended.status == "failed" and ended.attempts == 1 and len(ended.failure_reason) == 2000


async def test_complete_accepts_only_final_outcomes(conns):
    job, _ = await enqueue(conns[0], uuid.uuid4())
    with pytest.raises(ValueError, match="fail"):
        await complete(conns[0], job.id, "w1", "failed")


async def stored_version(conn, event_id: uuid.UUID) -> uuid.UUID:
    """A schedule version row for a job to point at (jobs.result_version_id is a foreign key)."""
    return await conn.fetchval(
        "INSERT INTO matcher.schedule_versions (event_id, number, snapshot_hash, snapshot) "
        "VALUES ($1, 1, $2, '{}'::jsonb) RETURNING id",
        event_id,
        "0" * 64,
    )


# --- the worker ----------------------------------------------------------------------------------------


async def test_worker_runs_a_job_to_done_with_progress_and_result(pool, conns):
    event = uuid.uuid4()
    version = await stored_version(conns[0], event)
    seen: list[Job] = []

    async def handler(job: Job, report_progress) -> uuid.UUID:
        seen.append(job)
        report_progress(50, "väljer möten")
        await asyncio.sleep(0.1)
        return version

    job, _ = await enqueue(conns[0], event, params={"seed": 3})
    worker = WorkerRun(pool, handler)
    done = await wait_for_status(conns[0], job.id, "done")
    await worker.finish()
    assert (done.result_version_id, done.progress, done.attempts, done.lease_owner) == (
        version,
        100,
        1,
        worker.worker_id,
    )
    assert seen[0].params == {"seed": 3} and seen[0].status == "running"


async def test_worker_records_infeasible_and_errors_without_tracebacks(pool, conns):
    async def handler(job: Job, report_progress) -> None:
        if job.params["case"] == "infeasible":
            raise Infeasible("Eventet har inga bord (the event has no tables).")
        raise ZeroDivisionError("division by zero in the scorer")

    infeasible, _ = await enqueue(conns[0], uuid.uuid4(), params={"case": "infeasible"})
    broken, _ = await enqueue(conns[0], uuid.uuid4(), params={"case": "bug"})
    worker = WorkerRun(pool, handler)
    ended_infeasible = await wait_for_status(conns[0], infeasible.id, "infeasible")
    ended_broken = await wait_for_status(conns[0], broken.id, "failed")
    await worker.finish()
    assert ended_infeasible.failure_reason == "Eventet har inga bord (the event has no tables)."
    assert ended_infeasible.attempts == 1 and ended_infeasible.result_version_id is None
    # A bug fails at once: running it again would fail the same way.
    assert ended_broken.failure_reason == "division by zero in the scorer" and ended_broken.attempts == 1
    assert "Traceback" not in ended_broken.failure_reason


async def test_worker_retries_a_retryable_failure_until_the_limit(pool, conns):
    calls: list[int] = []

    async def handler(job: Job, report_progress) -> None:
        calls.append(job.attempts)
        raise Retryable("Registret svarar inte (registry unreachable).")

    job, _ = await enqueue(conns[0], uuid.uuid4(), max_attempts=3)
    worker = WorkerRun(pool, handler, retry_base_seconds=0)
    ended = await wait_for_status(conns[0], job.id, "failed")
    await worker.finish()
    assert calls == [1, 2, 3]
    assert ended.failure_reason == "Registret svarar inte (registry unreachable)." and ended.attempts == 3


async def test_worker_retries_after_a_transient_error_and_then_succeeds(pool, conns):
    async def handler(job: Job, report_progress) -> None:
        if job.attempts == 1:
            raise ConnectionRefusedError("connection refused")
        return None

    job, _ = await enqueue(conns[0], uuid.uuid4())
    worker = WorkerRun(pool, handler, retry_base_seconds=0)
    ended = await wait_for_status(conns[0], job.id, "done")
    await worker.finish()
    assert ended.attempts == 2


async def test_a_notification_wakes_a_waiting_worker(pool, conns):
    ran = asyncio.Event()

    async def handler(job: Job, report_progress) -> None:
        ran.set()

    # Polling every ten minutes: within the test only the notification can start the job.
    worker = WorkerRun(pool, handler, poll_seconds=600)
    await asyncio.wait_for(worker.idle.wait(), GENEROUS)
    job, _ = await enqueue(conns[0], uuid.uuid4())
    await asyncio.wait_for(ran.wait(), GENEROUS)
    await wait_for_status(conns[0], job.id, "done")
    await worker.finish()


async def test_polling_finds_a_job_nobody_announced(pool, conns):
    async def handler(job: Job, report_progress) -> None:
        return None

    worker = WorkerRun(pool, handler, poll_seconds=0.1)
    await asyncio.wait_for(worker.idle.wait(), GENEROUS)
    job_id = await conns[0].fetchval("INSERT INTO matcher.jobs (event_id) VALUES ($1) RETURNING id", uuid.uuid4())
    await wait_for_status(conns[0], job_id, "done")
    await worker.finish()


async def test_a_worker_that_loses_its_lease_stops_the_handler_and_writes_nothing(pool, conns):
    started, cancelled = asyncio.Event(), asyncio.Event()

    async def handler(job: Job, report_progress) -> uuid.UUID:
        started.set()
        try:
            for step in range(10_000):
                report_progress(step % 100, "söker")
                await asyncio.sleep(0.01)
        except asyncio.CancelledError:
            cancelled.set()
            raise
        return uuid.uuid4()

    job, _ = await enqueue(conns[0], uuid.uuid4())
    worker = WorkerRun(pool, handler, lease_seconds=0.6)
    await asyncio.wait_for(started.wait(), GENEROUS)
    # Another worker took the job over (as after a long pause of this one).
    await conns[0].execute("UPDATE matcher.jobs SET lease_owner = 'thief' WHERE id = $1", job.id)
    await asyncio.wait_for(cancelled.wait(), GENEROUS)
    await worker.finish()
    current = await get_job(conns[0], job.id)
    assert (current.status, current.lease_owner, current.result_version_id) == ("running", "thief", None)


async def test_stopping_the_worker_mid_job_hands_the_job_back(pool, conns):
    started = asyncio.Event()

    async def handler(job: Job, report_progress) -> None:
        started.set()
        await asyncio.sleep(3600)

    job, _ = await enqueue(conns[0], uuid.uuid4())
    worker = WorkerRun(pool, handler)
    await asyncio.wait_for(started.wait(), GENEROUS)
    await worker.finish()
    released = await get_job(conns[0], job.id)
    assert (released.status, released.attempts) == ("queued", 0)

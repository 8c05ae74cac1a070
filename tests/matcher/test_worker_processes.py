"""Job workers as real processes: one is killed mid-job, another finishes the job exactly once.

The worker processes run :func:`stepping_handler` below (``python -m services.matcher.jobs --handler
tests.matcher.test_worker_processes:stepping_handler``); it records each run in a table of the test
database, so the test can count how often the job was started and how often it ran to the end.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest

from services.matcher.jobs.queue import Job, enqueue, get_job

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parents[2]
HANDLER = "tests.matcher.test_worker_processes:stepping_handler"
GENEROUS = 60.0

CREATE_RUNS = """
CREATE TABLE public.test_job_runs (
    job_id uuid NOT NULL,
    attempt integer NOT NULL,
    pid integer NOT NULL,
    finished boolean NOT NULL DEFAULT false,
    PRIMARY KEY (job_id, attempt)
)
"""


async def stepping_handler(job: Job, report_progress) -> None:
    """Works ``steps`` × ``step_seconds``, reporting progress; records its start and its end.

    It produces no schedule version (``jobs.result_version_id`` is a foreign key to stored versions): what
    this test checks is that the job is done once, by the second worker.
    """
    conn = await asyncpg.connect(os.environ["DATABASE_URL"])
    try:
        await conn.execute(
            "INSERT INTO public.test_job_runs (job_id, attempt, pid) VALUES ($1, $2, $3)",
            job.id,
            job.attempts,
            os.getpid(),
        )
        steps = job.params["steps"]
        for step in range(steps):
            report_progress(round(100 * step / steps), f"steg {step + 1} av {steps}")
            await asyncio.sleep(job.params["step_seconds"])
        await conn.execute(
            "UPDATE public.test_job_runs SET finished = true WHERE job_id = $1 AND attempt = $2", job.id, job.attempts
        )
    finally:
        await conn.close()


def start_worker(
    db_url: str, worker_id: str, *, lease_seconds: float | None = 2.0, settings: dict[str, str] | None = None
) -> subprocess.Popen:
    """A worker process; ``lease_seconds=None`` gives no time flags, so only ``settings`` (env) set them."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REGISTRY_", "MATCHER_", "DATABASE_"))}
    env.update(DATABASE_URL=db_url, LOG_FORMAT="text", PYTHONUNBUFFERED="1", **(settings or {}))
    flags = [] if lease_seconds is None else ["--lease-seconds", str(lease_seconds), "--poll-seconds", "0.5"]
    return subprocess.Popen(
        [sys.executable, "-m", "services.matcher.jobs", "--handler", HANDLER, "--worker-id", worker_id, *flags],
        env=env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.fixture
def workers() -> Iterator[list[subprocess.Popen]]:
    started: list[subprocess.Popen] = []
    yield started
    for process in started:
        if process.poll() is None:
            process.kill()
        process.communicate()


async def wait_for_job(conn: asyncpg.Connection, job_id: uuid.UUID, reached, what: str, workers) -> Job:
    deadline = time.monotonic() + GENEROUS
    while True:
        job = await get_job(conn, job_id)
        if reached(job):
            return job
        for process in workers:
            assert process.poll() is None or process.returncode == -signal.SIGKILL, process.communicate()[1]
        assert time.monotonic() < deadline, f"not within {GENEROUS} s: {what}; job is {job}"
        await asyncio.sleep(0.05)


async def test_a_killed_worker_s_job_completes_once_on_another_worker(db_url, workers):
    conn = await asyncpg.connect(db_url)
    try:
        await conn.execute(CREATE_RUNS)
        first = start_worker(db_url, "worker-a")
        workers.append(first)
        job, _ = await enqueue(conn, uuid.uuid4(), params={"steps": 30, "step_seconds": 0.1})
        await wait_for_job(
            conn, job.id, lambda j: j.lease_owner == "worker-a" and j.progress >= 10, "worker-a mid-job", workers
        )
        second = start_worker(db_url, "worker-b")
        workers.append(second)

        first.send_signal(signal.SIGKILL)
        first.wait(timeout=GENEROUS)

        done = await wait_for_job(conn, job.id, lambda j: j.status == "done", "the job done", workers)
        assert (done.attempts, done.lease_owner) == (2, "worker-b")
        assert done.result_version_id is None
        runs = await conn.fetch("SELECT attempt, pid, finished FROM public.test_job_runs ORDER BY attempt")
        assert [(r["attempt"], r["pid"], r["finished"]) for r in runs] == [
            (1, first.pid, False),
            (2, second.pid, True),
        ]
    finally:
        await conn.close()


async def test_sigterm_stops_a_worker_and_hands_its_job_back(db_url, workers):
    conn = await asyncpg.connect(db_url)
    try:
        await conn.execute(CREATE_RUNS)
        worker = start_worker(db_url, "worker-a", lease_seconds=30)
        workers.append(worker)
        job, _ = await enqueue(conn, uuid.uuid4(), params={"steps": 10_000, "step_seconds": 0.1})
        await wait_for_job(conn, job.id, lambda j: j.progress > 0, "worker-a mid-job", workers)

        worker.send_signal(signal.SIGTERM)
        _, err = worker.communicate(timeout=GENEROUS)
        assert worker.returncode == 0, err
        assert "Traceback" not in err
        released = await get_job(conn, job.id)
        # Back in the queue at once, the interrupted attempt not counted: the next worker starts it now.
        assert (released.status, released.attempts, released.lease_expires_at) == ("queued", 0, None)
    finally:
        await conn.close()


async def test_without_flags_a_worker_keeps_the_lease_and_poll_times_of_the_settings(db_url, workers):
    # MATCHER_JOB_LEASE_SECONDS once lost to the flag's default of 30 s: a killed worker's job was taken
    # over after 30.8 s instead of 6 s.
    conn = await asyncpg.connect(db_url)
    try:
        await conn.execute(CREATE_RUNS)
        settings = {"MATCHER_JOB_LEASE_SECONDS": "6", "MATCHER_JOB_POLL_SECONDS": "0.5"}
        first = start_worker(db_url, "worker-a", lease_seconds=None, settings=settings)
        workers.append(first)
        job, _ = await enqueue(conn, uuid.uuid4(), params={"steps": 40, "step_seconds": 0.1})
        running = await wait_for_job(conn, job.id, lambda j: j.lease_owner == "worker-a", "worker-a's lease", workers)
        lease = (running.lease_expires_at - await conn.fetchval("SELECT now()")).total_seconds()
        assert 0 < lease <= 6.5, lease

        # A worker that is killed hands its job over within the 6 s lease (and the 0.5 s poll), not 30 s.
        second = start_worker(db_url, "worker-b", lease_seconds=None, settings=settings)
        workers.append(second)
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=GENEROUS)
        killed_at = time.monotonic()
        await wait_for_job(conn, job.id, lambda j: j.lease_owner == "worker-b", "worker-b took the job over", workers)
        assert time.monotonic() - killed_at < 6 + 0.5 + 3, "taken over later than the lease and a poll allow"
    finally:
        await conn.close()

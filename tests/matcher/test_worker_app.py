"""The separate worker process's app (``python -m services.matcher.jobs``): built from the matcher's settings.

Its worker runs in this test's process (the same app, without the process around it), so the test can see
the times the worker was given: the lease a claim takes and the back-off after a failed attempt are read
back from the job's row, where PostgreSQL wrote them from the values the worker passed.
"""

from __future__ import annotations

import asyncio
import os
import time
import uuid

import asyncpg
import pytest

from services.matcher.jobs.__main__ import parser, worker_settings
from services.matcher.jobs.queue import Job, enqueue, get_job
from services.matcher.jobs.worker import Retryable
from services.matcher.settings import MatcherSettings, load
from services.matcher.worker_app import create_worker_app, run_until

GENEROUS = 30.0


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch, db_url: str):
    """Only what the test sets: no ``MATCHER_*`` or registry settings of the machine running the tests."""
    for name in list(os.environ):
        if name.startswith(("MATCHER_", "REGISTRY_", "DATABASE_")):
            monkeypatch.delenv(name)
    monkeypatch.setenv("DATABASE_URL", db_url)
    return monkeypatch


async def run_one_failing_job(settings: MatcherSettings, db_url: str, worker_id: str) -> tuple[Job, Job]:
    """The job as the worker claimed it, and as it was after its one attempt failed for a passing reason."""
    claimed: list[Job] = []

    async def handler(job: Job, report_progress) -> None:
        claimed.append(job)
        raise Retryable("registret svarar inte (the registry does not answer)")

    stop = asyncio.Event()
    conn = await asyncpg.connect(db_url)
    worker = asyncio.create_task(run_until(create_worker_app(settings, handler=handler, worker_id=worker_id), stop))
    try:
        job, _ = await enqueue(conn, uuid.uuid4())
        deadline = time.monotonic() + GENEROUS
        while (after := await get_job(conn, job.id)).failure_reason is None:
            assert not worker.done(), worker
            assert time.monotonic() < deadline, f"the attempt did not fail within {GENEROUS} s: {after}"
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.wait_for(worker, GENEROUS)
        await conn.close()
    assert len(claimed) == 1
    return claimed[0], after


async def test_the_worker_s_lease_and_back_off_come_from_the_environment(environment, db_url):
    # MATCHER_WORKERS=0 is for the web processes: a separate worker process still runs its one worker.
    environment.setenv("MATCHER_WORKERS", "0")
    environment.setenv("MATCHER_JOB_LEASE_SECONDS", "7")
    environment.setenv("MATCHER_JOB_RETRY_BASE_SECONDS", "40")
    environment.setenv("MATCHER_JOB_RETRY_CAP_SECONDS", "25")
    settings = worker_settings(parser().parse_args([]), load())

    claimed, after = await run_one_failing_job(settings, db_url, "worker-env")

    assert claimed.lease_owner == "worker-env"
    assert (claimed.lease_expires_at - claimed.updated_at).total_seconds() == pytest.approx(7)
    # The first back-off is the base (40 s) cut to the cap (25 s), not the defaults' 5 s.
    assert (after.status, after.attempts) == ("queued", 1)
    assert (after.run_after - after.updated_at).total_seconds() == pytest.approx(25)


async def test_a_flag_overrides_its_setting_and_only_it(environment, db_url):
    environment.setenv("MATCHER_JOB_LEASE_SECONDS", "7")
    environment.setenv("MATCHER_JOB_RETRY_BASE_SECONDS", "12")
    settings = worker_settings(parser().parse_args(["--lease-seconds", "4"]), load())

    claimed, after = await run_one_failing_job(settings, db_url, "worker-flag")

    assert (claimed.lease_expires_at - claimed.updated_at).total_seconds() == pytest.approx(4)
    assert (after.run_after - after.updated_at).total_seconds() == pytest.approx(12)

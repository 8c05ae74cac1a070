"""Faults around schedule jobs, with the real registry, real PostgreSQL and real worker processes.

- a worker process killed mid-solve: its job completes exactly once, on another worker process;
- the registry unreachable: the job waits with back-off and completes once the registry answers;
- publishes racing re-runs: never two published versions, and every publish that changed the published
  version queued its notifications (a publish of the published version queued none).

The worker processes run the real schedule handler (``python -m services.matcher.jobs`` without
``--handler``): registry snapshot over HTTP, solve in a spawned solver process, version stored in the
transaction that completes the job.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from deploy.load_sample import load_sample
from deploy.sample_data import generate_sample
from services.matcher.jobs.queue import Job, enqueue, get_job
from services.matcher.schedules.publish import publish_version
from services.registry.app import create_app as create_registry_app
from services.registry.settings import RegistrySettings
from shared.db import POOL_KEY
from shared.web import SETTINGS_KEY
from tests.conftest import bearer, free_port
from tests.matcher.test_schedules import run_schedule, sample_event, wait_for_job, working_matcher  # noqa: F401
from tests.matcher.test_worker_processes import GENEROUS, ROOT, workers  # noqa: F401

# SMEs in the event of the kill test: the sample's buyers and tables bound the schedule, so more firms
# hardly lengthen the solve; most of the solving phase is the solver process starting and importing.
KILL_TEST_SMES = 120
SOLVE_TIME_LIMIT = "60"

VERSIONS_OF_EVENT = """
SELECT v.id, v.number, v.job_id, v.status,
       (SELECT count(*) FROM matcher.schedule_meetings m WHERE m.version_id = v.id) AS meetings
FROM matcher.schedule_versions v WHERE v.event_id = $1 ORDER BY v.number
"""


def children_of(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue  # ended meanwhile
        # The command name (field 2) is in parentheses and may hold spaces: fields after it are split.
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    try:
        state = (Path("/proc") / str(pid) / "stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def command_line(pid: int) -> str:
    try:
        return (Path("/proc") / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except OSError:
        return f"{pid} (ended)"


def wait_gone(pids: list[int], seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while any(alive(pid) for pid in pids) and time.monotonic() < deadline:
        time.sleep(0.1)


def start_schedule_worker(
    log: Path,
    *,
    database_url: str,
    registry_url: str,
    service_token: str,
    lease_seconds: float = 3.0,
    retry_base_seconds: float = 5.0,
) -> subprocess.Popen:
    """A worker process with the real schedule handler; its log goes to ``log``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REGISTRY_", "MATCHER_", "DATABASE_"))}
    env.update(
        DATABASE_URL=database_url,
        REGISTRY_URL=registry_url,
        MATCHER_SERVICE_TOKEN=service_token,
        MATCHER_SOLVE_TIME_LIMIT=SOLVE_TIME_LIMIT,
        LOG_FORMAT="text",
        PYTHONUNBUFFERED="1",
    )
    command = [sys.executable, "-m", "services.matcher.jobs", "--lease-seconds", str(lease_seconds)]
    command += ["--poll-seconds", "0.5", "--retry-base-seconds", str(retry_base_seconds)]
    with log.open("w") as out:
        return subprocess.Popen(command, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=out)


class Workers:
    """Started worker processes, their logs, and solver processes to be sure are gone at the end."""

    def __init__(self, started: list[subprocess.Popen], directory: Path) -> None:
        self.started = started
        self.directory = directory
        self.logs: dict[int, Path] = {}
        self.orphans: set[int] = set()

    def start(self, name: str, **kwargs: object) -> subprocess.Popen:
        log = self.directory / f"{name}.log"
        process = start_schedule_worker(log, **kwargs)  # type: ignore[arg-type]
        self.started.append(process)
        self.logs[process.pid] = log
        return process

    def by_pid(self, pid: int) -> subprocess.Popen:
        return next(p for p in self.started if p.pid == pid)

    def describe(self) -> str:
        return "\n".join(
            f"--- worker {pid} (exit {self.by_pid(pid).poll()}):\n{log.read_text()[-3000:]}"
            for pid, log in self.logs.items()
        )

    def check_running(self) -> None:
        """Every worker is running or was killed by the test."""
        for process in self.started:
            assert process.poll() in (None, -signal.SIGKILL), self.describe()


@pytest.fixture
def schedule_workers(workers: list[subprocess.Popen], tmp_path: Path) -> Iterator[Workers]:  # noqa: F811
    """Worker processes stopped the way operators stop them (SIGTERM), and any solver process left killed."""
    started = Workers(workers, tmp_path)
    yield started
    for process in workers:
        if process.poll() is None:
            started.orphans.update(children_of(process.pid))
            process.terminate()
    for process in workers:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()  # `workers` reaps it
    for pid in started.orphans:
        if alive(pid):
            os.kill(pid, signal.SIGKILL)


async def wait_for(
    conn: asyncpg.Connection, job_id: uuid.UUID, reached: Callable[[Job], bool], what: str, processes: Workers
) -> Job:
    deadline = time.monotonic() + GENEROUS
    while True:
        job = await get_job(conn, job_id)
        if reached(job):
            return job
        processes.check_running()
        assert time.monotonic() < deadline, f"not within {GENEROUS} s: {what}; job is {job}\n{processes.describe()}"
        await asyncio.sleep(0.02)


async def load_closed_event(registry: TestClient, organiser_token: str, smes: int) -> str:
    """The sample event with ``smes`` firms, loaded through the registry's API and closed for sign-up."""
    loaded = await load_sample(str(registry.make_url("/")), organiser_token, generate_sample(smes=smes))
    response = await registry.post(
        f"/events/{loaded.event_id}/transitions", json={"to": "closed"}, headers=bearer(organiser_token)
    )
    assert response.status == 200, await response.text()
    return loaded.event_id


async def assert_one_version_by(conn: asyncpg.Connection, job: Job) -> None:
    """The job ended ``done`` with exactly one stored version of its event, its own, with meetings."""
    assert job.status == "done", job
    versions = await conn.fetch(VERSIONS_OF_EVENT, job.event_id)
    assert [(v["number"], v["job_id"], v["status"]) for v in versions] == [(1, job.id, "draft")]
    assert versions[0]["meetings"] > 20
    assert job.result_version_id == versions[0]["id"]


@pytest.mark.slow
async def test_a_worker_killed_mid_solve_leaves_the_job_to_another_worker_once(
    registry: TestClient, organiser_token: str, service_token: str, db_url: str, schedule_workers: Workers
):
    event_id = await load_closed_event(registry, organiser_token, KILL_TEST_SMES)
    settings = {"database_url": db_url, "registry_url": str(registry.make_url("/")), "service_token": service_token}
    for name in ("worker-1", "worker-2"):
        schedule_workers.start(name, lease_seconds=3.0, **settings)
    conn = await asyncpg.connect(db_url)
    try:
        job, _ = await enqueue(conn, uuid.UUID(event_id), params={"mode": "auto", "seed": 0})
        solving = await wait_for(
            conn,
            job.id,
            lambda j: j.status == "running" and "Beräknar" in j.phase,
            "a worker solving",
            schedule_workers,
        )
        victim = schedule_workers.by_pid(int(solving.lease_owner.split(":")[1]))
        solvers = children_of(victim.pid)  # the solver process (and multiprocessing's resource tracker)
        schedule_workers.orphans.update(solvers)
        victim.send_signal(signal.SIGKILL)
        victim.wait(timeout=GENEROUS)
        # Killed while solving: the first attempt stored nothing.
        assert await conn.fetchval("SELECT count(*) FROM matcher.schedule_versions") == 0
        assert solvers, "the killed worker had started a solver process"

        done = await wait_for(conn, job.id, lambda j: not j.active, "the job ended", schedule_workers)
        survivor = next(p for p in schedule_workers.started if p is not victim)
        assert done.attempts == 2, schedule_workers.describe()
        assert done.lease_owner.split(":")[1] == str(survivor.pid)
        await assert_one_version_by(conn, done)
        assert survivor.poll() is None

        # The killed worker's solver processes end with it (they would otherwise hold CPU and memory forever).
        await asyncio.to_thread(wait_gone, solvers, 10)
        lingering = [command_line(pid) for pid in solvers if alive(pid)]
        assert not lingering, f"processes of the killed worker linger: {lingering}"
    finally:
        await conn.close()


@pytest.fixture
async def registry_later(registry_settings: RegistrySettings) -> AsyncIterator[Callable]:
    """Start a second registry app (same settings, same database) on a given loopback port, when asked."""
    servers: list[TestServer] = []

    async def start(port: int) -> TestServer:
        server = TestServer(create_registry_app(registry_settings), host="127.0.0.1", port=port)
        await server.start_server()
        servers.append(server)
        return server

    yield start
    for server in servers:
        await server.close()


@pytest.mark.slow
async def test_a_job_waits_for_an_unreachable_registry_and_then_completes(
    registry: TestClient,
    registry_later: Callable,
    organiser_token: str,
    service_token: str,
    db_url: str,
    schedule_workers: Workers,
):
    # The event is loaded through the registry the fixture runs; the worker asks another port, where a
    # registry on the same database starts only later.
    event_id = await load_closed_event(registry, organiser_token, 18)
    port = free_port()
    schedule_workers.start(
        "worker",
        database_url=db_url,
        registry_url=f"http://127.0.0.1:{port}",
        service_token=service_token,
        retry_base_seconds=0.5,
    )
    conn = await asyncpg.connect(db_url)
    try:
        job, _ = await enqueue(conn, uuid.UUID(event_id), params={"mode": "auto", "seed": 0})
        waiting = await wait_for(
            conn, job.id, lambda j: j.status == "queued" and j.attempts >= 1, "a failed attempt", schedule_workers
        )
        assert "registry" in waiting.failure_reason and "Registret" in waiting.failure_reason, waiting
        assert await conn.fetchval("SELECT run_after > now() FROM matcher.jobs WHERE id = $1", job.id), waiting
        assert waiting.lease_expires_at is None and waiting.result_version_id is None
        assert await conn.fetchval("SELECT count(*) FROM matcher.schedule_versions") == 0

        await registry_later(port)
        done = await wait_for(conn, job.id, lambda j: not j.active, "the job ended", schedule_workers)
        assert done.attempts == waiting.attempts + 1, schedule_workers.describe()
        assert done.failure_reason is None
        await assert_one_version_by(conn, done)
    finally:
        await conn.close()


PUBLISHED_STATE = """
SELECT count(*) FILTER (WHERE status = 'published') AS published,
       count(*) FILTER (WHERE status = 'superseded' AND published_at IS NULL) AS superseded_without_time,
       count(*) AS versions
FROM matcher.schedule_versions WHERE event_id = $1
"""

# Each publish's outbox rows: one INSERT, so one created_at (its transaction's start). Not xmin: the
# deliverer updates webhook rows it tried.
OUTBOX_BY_PUBLISH = """
SELECT created_at, count(*) AS rows,
       count(*) FILTER (WHERE channel = 'webhook') AS webhooks,
       (array_agg(payload::text) FILTER (WHERE channel = 'webhook'))[1] AS webhook,
       array_agg(DISTINCT kind) AS kinds
FROM matcher.outbox WHERE event_id = $1
GROUP BY created_at
"""


async def assert_one_published(conn: asyncpg.Connection, event_id: str) -> int:
    state = await conn.fetchrow(PUBLISHED_STATE, uuid.UUID(event_id))
    assert (state["published"], state["superseded_without_time"]) == (1, 0), dict(state)
    numbers = await conn.fetch("SELECT number FROM matcher.schedule_versions WHERE event_id = $1", uuid.UUID(event_id))
    assert sorted(r["number"] for r in numbers) == list(range(1, state["versions"] + 1))
    return state["versions"]


async def assert_outbox_matches(conn: asyncpg.Connection, event_id: str, changes: list[tuple]) -> None:
    """``changes``: (previous, version, notifications) of each publish that changed the published version."""
    publishes = await conn.fetch(OUTBOX_BY_PUBLISH, uuid.UUID(event_id))
    assert all(p["webhooks"] == 1 for p in publishes), "each publish wrote one row for the event's webhook"
    hooks = [json.loads(p["webhook"]) for p in publishes]
    written = [(hook["previous_version"], hook["version"], p["rows"]) for hook, p in zip(hooks, publishes, strict=True)]
    assert Counter(written) == Counter(changes)
    assert sorted(sorted(p["kinds"]) for p in publishes) == sorted(
        [["schedule.changed"] if hook["previous_version"] else ["schedule.published"] for hook in hooks]
    )
    # The publishes form one sequence: each stepped down the version published just before it (two that
    # both stepped down the same version would leave a version with no successor but the published one).
    published = await conn.fetchval(
        "SELECT number FROM matcher.schedule_versions WHERE event_id = $1 AND status = 'published'", uuid.UUID(event_id)
    )
    stepped_down = Counter(previous for previous, _, _ in changes)
    stepped_up = Counter(version for _, version, _ in changes)
    assert stepped_down[None] == 1
    for number in stepped_up:
        assert stepped_up[number] - stepped_down[number] == int(number == published), (number, changes)


async def test_publishes_racing_reruns_never_leave_two_published_versions(
    working_matcher: TestClient,  # noqa: F811 - the fixture imported above
    organiser_token: str,
    sample_event: str,  # noqa: F811
    db_url: str,
):
    client, token, event_id = working_matcher, organiser_token, sample_event
    response = await client.post(
        f"/events/{event_id}/webhooks", json={"url": "https://mottagare.example/hook"}, headers=bearer(token)
    )
    assert response.status == 201
    await run_schedule(client, token, event_id, seed=1)
    first = await client.post(f"/events/{event_id}/schedules/1/publish", headers=bearer(token))
    assert first.status == 200
    body = await first.json()
    changes = [(None, 1, body["notifications"])]
    rng = random.Random(5)

    conn, watching_conn = await asyncpg.connect(db_url), await asyncpg.connect(db_url)
    watching = asyncio.Event()
    seen: list[dict] = []

    async def watch() -> None:
        # Sampled while the race runs: one statement sees a committed state, which must always hold one.
        while not watching.is_set():
            seen.append(dict(await watching_conn.fetchrow(PUBLISHED_STATE, uuid.UUID(event_id))))
            await asyncio.sleep(0.002)

    async def publish(number: int) -> tuple[int, dict]:
        response = await client.post(f"/events/{event_id}/schedules/{number}/publish", headers=bearer(token))
        return response.status, await response.json()

    async def rerun(seed: int) -> str:
        response = await client.post(f"/events/{event_id}/schedules", json={"seed": seed}, headers=bearer(token))
        assert response.status in (200, 202), await response.text()
        return (await response.json())["id"]

    async def publish_when_stored(number: int) -> tuple[int, dict]:
        deadline = time.monotonic() + GENEROUS
        while time.monotonic() < deadline:
            status, body = await publish(number)
            if status != 404:
                return status, body
            await asyncio.sleep(0.01)
        raise AssertionError(f"version {number} was never stored")

    async def hammer(known: int, until: asyncio.Future) -> tuple[list[tuple[int, dict]], set[str]]:
        """Publish stored versions, a few at once, and now and then ask for a re-run, until ``until`` is done."""
        answers: list[tuple[int, dict]] = []
        jobs: set[str] = set()
        while not until.done() or len(answers) < 40:
            calls = [publish(rng.randint(1, known)) for _ in range(4)]
            asking = rng.random() < 0.3
            results = await asyncio.gather(*calls, *([rerun(rng.randrange(1000))] if asking else []))
            if asking:
                jobs.add(results.pop())
            answers += results
            await asyncio.sleep(rng.uniform(0, 0.02))
        return answers, jobs

    watcher = asyncio.create_task(watch())
    try:
        for round_ in range(3):
            known = await assert_one_published(conn, event_id)
            jobs = {await rerun(10 + round_)}
            following = asyncio.ensure_future(publish_when_stored(known + 1))
            answers, more = await hammer(known, following)
            jobs |= more
            answers.append(await following)
            for job_id in jobs:
                assert (await wait_for_job(client, token, job_id))["status"] == "done"
            for status, body in answers:
                assert status == 200 and body["status"] == "published", body
                if body["notifications"]:
                    changes.append((body["previous_published"], body["number"], body["notifications"]))
                else:  # publishing the published version again: nothing changed, nothing queued
                    assert body["previous_published"] is None, body
            assert answers[-1][1]["notifications"] > 0, "the new version was published by its call"
            await assert_one_published(conn, event_id)
            await assert_outbox_matches(conn, event_id, changes)
    finally:
        watching.set()
        await watcher
        await watching_conn.close()
    assert len(seen) > 50 and all((s["published"], s["superseded_without_time"]) == (1, 0) for s in seen), [
        s for s in seen if s["published"] != 1
    ][:5]

    # The library call itself, on two of the service's pooled connections at once.
    pool, settings = client.server.app[POOL_KEY], client.server.app[SETTINGS_KEY]
    try:
        versions = await assert_one_published(conn, event_id)
        published = await conn.fetchval(
            "SELECT number FROM matcher.schedule_versions WHERE event_id = $1 AND status = 'published'",
            uuid.UUID(event_id),
        )
        a, b = [n for n in range(1, versions + 1) if n != published][-2:]
        async with pool.acquire() as one, pool.acquire() as two:
            # Two different versions at once, then one version twice at once (first unpublished, then
            # published), then the published one twice: at most one of two calls changes anything each time.
            for step in ("a b", "a a", "b b", "published published"):
                numbers = [{"a": a, "b": b, "published": published}[name] for name in step.split()]
                results = await asyncio.gather(
                    publish_version(one, settings, uuid.UUID(event_id), numbers[0], uuid.uuid4()),
                    publish_version(two, settings, uuid.UUID(event_id), numbers[1], uuid.uuid4()),
                )
                for result in results:
                    if result.already_published:
                        assert result.notifications == 0 and result.previous_number is None
                    else:
                        assert result.notifications > 0
                        changes.append((result.previous_number, result.version["number"], result.notifications))
                changed = [r.version["number"] for r in results if not r.already_published]
                if numbers[0] != numbers[1]:
                    assert sorted(changed) == sorted(numbers), step
                else:
                    assert changed == ([] if numbers[0] == published else numbers[:1]), step
                await assert_one_published(conn, event_id)
                await assert_outbox_matches(conn, event_id, changes)
                published = await conn.fetchval(
                    "SELECT number FROM matcher.schedule_versions WHERE event_id = $1 AND status = 'published'",
                    uuid.UUID(event_id),
                )
                assert published in numbers
    finally:
        await conn.close()

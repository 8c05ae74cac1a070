"""Migrations on real PostgreSQL: order, idempotence, concurrency, refusal when unsafe."""

from __future__ import annotations

import asyncio
from pathlib import Path

import asyncpg
import pytest

from shared.migrations import MigrationError, Migrator, discover


def write(directory: Path, files: dict[str, str]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name, text in files.items():
        (directory / name).write_text(text)
    return directory


@pytest.fixture
def two_step(tmp_path: Path) -> Path:
    return write(
        tmp_path / "m",
        {
            "0001_create.sql": "CREATE TABLE things (id int PRIMARY KEY);",
            "0002_add_name.sql": "ALTER TABLE things ADD COLUMN name text; INSERT INTO things VALUES (1, 'a');",
        },
    )


async def test_applies_in_order_into_own_schema_and_only_once(empty_db_url, two_step):
    conn = await asyncpg.connect(empty_db_url)
    try:
        migrator = Migrator("demo", two_step)
        assert await migrator.migrate(conn) == [1, 2]
        assert await conn.fetchval("SELECT name FROM demo.things") == "a"
        assert await migrator.migrate(conn) == []  # a restart applies nothing twice
        assert await conn.fetchval("SELECT count(*) FROM demo.things") == 1
        status = await migrator.status(conn)
        assert status.current and status.applied == (1, 2)
    finally:
        await conn.close()


async def test_concurrent_starts_apply_each_migration_once(empty_db_url, two_step):
    connections = [await asyncpg.connect(empty_db_url) for _ in range(4)]
    try:
        results = await asyncio.gather(*(Migrator("demo", two_step).migrate(c) for c in connections))
        assert sorted(v for applied in results for v in applied) == [1, 2]
        assert await connections[0].fetchval("SELECT count(*) FROM demo.things") == 1
    finally:
        for conn in connections:
            await conn.close()


async def test_failed_migration_leaves_nothing_half_done(empty_db_url, tmp_path):
    directory = write(
        tmp_path / "bad",
        {"0001_ok.sql": "CREATE TABLE a (x int);", "0002_broken.sql": "CREATE TABLE b (y int); SELECT 1/0;"},
    )
    conn = await asyncpg.connect(empty_db_url)
    try:
        with pytest.raises(asyncpg.DivisionByZeroError):
            await Migrator("demo", directory).migrate(conn)
        assert await conn.fetchval("SELECT to_regclass('demo.b')") is None
        assert (await Migrator("demo", directory).status(conn)).applied == (1,)
        # The lock was released: another migrator can take it at once.
        assert await conn.fetchval("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'") == 0
    finally:
        await conn.close()


async def test_refuses_database_ahead_of_code(empty_db_url, two_step, tmp_path):
    conn = await asyncpg.connect(empty_db_url)
    try:
        await Migrator("demo", two_step).migrate(conn)
        older = write(tmp_path / "older", {"0001_create.sql": (two_step / "0001_create.sql").read_text()})
        with pytest.raises(MigrationError, match="at version 2, but this code knows only up to 1"):
            await Migrator("demo", older).migrate(conn)
        with pytest.raises(MigrationError, match="refusing"):
            await Migrator("demo", older).prepare(conn, apply=False)
    finally:
        await conn.close()


async def test_refuses_an_edited_applied_migration(empty_db_url, two_step):
    conn = await asyncpg.connect(empty_db_url)
    try:
        await Migrator("demo", two_step).migrate(conn)
        (two_step / "0001_create.sql").write_text("CREATE TABLE things (id bigint PRIMARY KEY);")
        with pytest.raises(MigrationError, match="was changed after it was applied"):
            await Migrator("demo", two_step).migrate(conn)
    finally:
        await conn.close()


async def test_prepare_without_applying_refuses_pending(empty_db_url, two_step):
    conn = await asyncpg.connect(empty_db_url)
    try:
        with pytest.raises(MigrationError, match="pending migrations \\[1, 2\\]"):
            await Migrator("demo", two_step).prepare(conn, apply=False)
    finally:
        await conn.close()


def test_discover_rejects_gaps_and_bad_names(tmp_path):
    with pytest.raises(MigrationError, match="without gaps"):
        discover(write(tmp_path / "gap", {"0001_a.sql": "", "0003_c.sql": ""}))
    with pytest.raises(MigrationError, match="NNNN_lower_case_name"):
        discover(write(tmp_path / "name", {"1_Create.sql": ""}))


def test_service_migrations_are_well_formed():
    from services.matcher.app import migrator as matcher
    from services.registry.app import migrator as registry

    assert registry().migrations and matcher().migrations

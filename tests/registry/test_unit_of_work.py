"""The registry's one unit of work (services/registry/unit_of_work.py) on real PostgreSQL: the audit entry
commits with the change or not at all, a write that makes several things audits each, a named constraint
violation becomes its problem, an unnamed one stays an error, and every constraint name the handlers map
exists in the migrated schema."""

from __future__ import annotations

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, make_mocked_request

from services.registry.pair_rules import GONE_MEANWHILE
from services.registry.sql import accounts as account_sql
from services.registry.sql import needs as need_sql
from services.registry.sql import organisations as organisation_sql
from services.registry.sql import registrations as registration_sql
from services.registry.sql import thresholds as threshold_sql
from services.registry.unit_of_work import Audited, Outcome, write
from shared.errors import Conflict, FieldError

# A table of the test's own, so that the violation is PostgreSQL's real one.
CREATE_TABLE = "CREATE TABLE IF NOT EXISTS uow_probe (name text CONSTRAINT uow_probe_name_key UNIQUE)"
MAPPED_CONSTRAINTS = (
    organisation_sql.ORGANISATION_ORGNR_UNIQUE,
    registration_sql.REGISTRATION_UNIQUE,
    need_sql.NEED_OCID_UNIQUE,
    threshold_sql.THRESHOLD_KEY,
    *GONE_MEANWHILE,
)


def _taken() -> Conflict:
    return Conflict("Taken.", errors=[FieldError(pointer="/name", code="duplicate", detail="Taken.")])


def _request(registry: TestClient) -> web.Request:
    return make_mocked_request("POST", "/probe", app=registry.server.app)


async def _entries(db: asyncpg.Connection, action: str) -> int:
    return await db.fetchval("SELECT count(*) FROM registry.audit_log WHERE action = $1", action)


async def test_the_audit_entry_commits_with_the_change(registry: TestClient, db: asyncpg.Connection) -> None:
    await db.execute(CREATE_TABLE)

    async def insert(conn: asyncpg.Connection) -> Outcome:
        await conn.execute("INSERT INTO uow_probe VALUES ('a')")
        return Outcome(web.json_response({"ok": True}, status=201), Audited("probe", "a", changes={"name": "a"}))

    response = await write(_request(registry), insert, action="probe.create")

    assert response.status == 201
    assert await db.fetchval("SELECT count(*) FROM uow_probe") == 1
    entry = await db.fetchrow(
        "SELECT entity, entity_id, actor_role, changes FROM registry.audit_log WHERE action = $1", "probe.create"
    )
    assert (entry["entity"], entry["entity_id"], entry["actor_role"]) == ("probe", "a", "anonymous")


async def test_a_write_that_makes_several_things_audits_each_in_order(
    registry: TestClient, db: asyncpg.Connection
) -> None:
    await db.execute(CREATE_TABLE)

    async def insert_two(conn: asyncpg.Connection) -> Outcome:
        await conn.execute("INSERT INTO uow_probe VALUES ('e'), ('f')")
        entries = [Audited("probe", "e", action="probe.first"), Audited("probe", "f", changes={"name": "f"})]
        return Outcome(web.json_response({}, status=201), entries)

    response = await write(_request(registry), insert_two, action="probe.several")

    assert response.status == 201
    rows = await db.fetch(
        "SELECT action, entity_id FROM registry.audit_log WHERE action IN ('probe.first', 'probe.several') ORDER BY id"
    )
    assert [(row["action"], row["entity_id"]) for row in rows] == [("probe.first", "e"), ("probe.several", "f")]


async def test_a_named_violation_is_its_problem_and_nothing_is_kept(
    registry: TestClient, db: asyncpg.Connection
) -> None:
    await db.execute(CREATE_TABLE)
    await db.execute("INSERT INTO uow_probe VALUES ('b')")

    async def insert_twice(conn: asyncpg.Connection) -> Outcome:
        await conn.execute("INSERT INTO uow_probe VALUES ('c')")
        await conn.execute("INSERT INTO uow_probe VALUES ('b')")
        return Outcome(web.json_response({}), Audited("probe", "b"))

    with pytest.raises(Conflict) as raised:
        await write(_request(registry), insert_twice, action="probe.twice", violations={"uow_probe_name_key": _taken})

    assert raised.value.errors[0].code == "duplicate"
    assert await db.fetchval("SELECT count(*) FROM uow_probe WHERE name = 'c'") == 0
    assert await _entries(db, "probe.twice") == 0


async def test_a_violation_not_named_stays_an_error(registry: TestClient, db: asyncpg.Connection) -> None:
    await db.execute(CREATE_TABLE)
    await db.execute("INSERT INTO uow_probe VALUES ('d')")

    async def insert(conn: asyncpg.Connection) -> Outcome:
        await conn.execute("INSERT INTO uow_probe VALUES ('d')")
        return Outcome(web.json_response({}))

    with pytest.raises(asyncpg.UniqueViolationError):
        await write(_request(registry), insert, action="probe.other", violations={"some_other_key": _taken})


async def test_nothing_changed_writes_no_entry(registry: TestClient, db: asyncpg.Connection) -> None:
    async def nothing(conn: asyncpg.Connection) -> Outcome:
        return Outcome(web.json_response({}))

    assert (await write(_request(registry), nothing, action="probe.nothing")).status == 200
    assert await _entries(db, "probe.nothing") == 0


@pytest.mark.parametrize("constraint", MAPPED_CONSTRAINTS)
async def test_every_mapped_constraint_exists(db: asyncpg.Connection, constraint: str) -> None:
    found = await db.fetchval(
        "SELECT count(*) FROM pg_constraint WHERE conname = $1 AND connamespace = 'registry'::regnamespace", constraint
    )
    assert found == 1


async def test_the_mapped_unique_index_of_account_addresses_exists(db: asyncpg.Connection) -> None:
    # A unique index, not a constraint: PostgreSQL names it as the violated constraint all the same.
    found = await db.fetchval(
        "SELECT count(*) FROM pg_indexes WHERE schemaname = 'registry' AND indexname = $1",
        account_sql.ACCOUNT_EMAIL_UNIQUE,
    )
    assert found == 1

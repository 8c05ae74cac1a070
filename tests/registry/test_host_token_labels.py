"""A host (värd) token's label may name the helper who held it, and no organisation's erasure reaches it: the
token expires at midnight after its event's day (where it is held) at the latest, and once it has expired
(or been revoked) the next token issued blanks its label. The registry on real PostgreSQL, its clock played
past the day; then every text column of the registry is searched for the name."""

from __future__ import annotations

import datetime as dt
from collections.abc import AsyncIterator
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from aiohttp.test_utils import TestClient, TestServer

import services.registry
from services.registry.app import create_app as create_registry_app
from services.registry.tokens import forget_expired_host_labels, issue_token
from shared.auth import Role
from shared.clock import ManualClock
from tests.conftest import bearer
from tests.test_events import NEXT_YEAR, create_event

HELPER = "Agneta Sjöholm-Lindqvist"
DAY_OVER = dt.datetime(NEXT_YEAR, 10, 8, tzinfo=ZoneInfo("Europe/Stockholm"))
MIGRATIONS = Path(services.registry.__file__).with_name("migrations")


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime.now(dt.UTC))


@pytest.fixture
async def registry(registry_settings, clock) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_registry_app(registry_settings, clock=clock), host="127.0.0.1")) as client:
        yield client


async def text_hits(db, needle: str) -> list[str]:
    """Every registry column of a text kind (text, varchar, json, arrays of them) holding ``needle``."""
    columns = await db.fetch(
        """
        SELECT c.table_name, c.column_name FROM information_schema.columns c
        JOIN information_schema.tables t USING (table_schema, table_name)
        WHERE c.table_schema = 'registry' AND t.table_type = 'BASE TABLE'
          AND (c.data_type IN ('text', 'character varying', 'json', 'jsonb', 'ARRAY', 'bytea'))
        """
    )
    hits = []
    for column in columns:
        table, name = column["table_name"], column["column_name"]
        found = await db.fetchval(
            f'SELECT count(*) FROM registry."{table}" WHERE position($1 IN "{name}"::text) > 0 '  # noqa: S608
            f"OR position(convert_to($1, 'UTF8') IN convert_to(\"{name}\"::text, 'UTF8')) > 0",
            needle,
        )
        if found:
            hits.append(f"{table}.{name}: {found}")
    return hits


async def issue(registry, organiser: str, body: dict) -> dict:
    response = await registry.post("/auth/tokens", json=body, headers=bearer(organiser))
    assert response.status == 201, await response.text()
    return await response.json()


async def test_a_helpers_name_on_a_host_token_is_gone_once_the_events_day_is_over(registry, db, make_token, clock):
    organiser = await make_token(Role.ORGANISER, label="organiser")
    event = await create_event(registry, organiser)
    # No expiry asked, or a later one: midnight after the event's day, in Stockholm.
    host = await issue(registry, organiser, {"role": "host", "event_id": event["id"], "label": HELPER})
    assert dt.datetime.fromisoformat(host["expires_at"]) == DAY_OVER
    later = (DAY_OVER + dt.timedelta(days=30)).isoformat()
    body = {"role": "host", "event_id": event["id"], "label": f"{HELPER} (2)", "expires_at": later}
    assert dt.datetime.fromisoformat((await issue(registry, organiser, body))["expires_at"]) == DAY_OVER
    # An earlier one stays; a revoked token is forgotten at once (at the next token issued).
    earlier = DAY_OVER - dt.timedelta(hours=6)
    body = {"role": "host", "event_id": event["id"], "label": f"{HELPER} (3)", "expires_at": earlier.isoformat()}
    assert dt.datetime.fromisoformat((await issue(registry, organiser, body))["expires_at"]) == earlier
    revoked = await issue(registry, organiser, {"role": "host", "event_id": event["id"], "label": "Anna Revoked"})
    assert (await registry.delete(f"/auth/tokens/{revoked['id']}", headers=bearer(organiser))).status == 204
    other = await issue(registry, organiser, {"role": "service", "label": f"integration of {HELPER}"})

    # During the day the host signs in and works; its label is kept.
    whoami = await registry.get("/auth/whoami", headers=bearer(host["token"]))
    assert whoami.status == 200 and (await whoami.json())["label"] == HELPER
    await issue(registry, organiser, {"role": "service", "label": "another sign-in"})
    assert len(await text_hits(db, HELPER)) == 1
    assert await text_hits(db, "Anna Revoked") == []

    # Midnight after the event's day: the next token issued (a sign-in) blanks the expired ones.
    clock.set(DAY_OVER - dt.timedelta(seconds=1))
    await issue(registry, organiser, {"role": "service", "label": "sign-in before midnight"})
    assert await db.fetchval("SELECT label FROM registry.api_tokens WHERE id = $1", host["id"]) == HELPER
    clock.set(DAY_OVER)
    await issue(registry, organiser, {"role": "service", "label": "sign-in after the day"})
    assert await db.fetchval("SELECT label FROM registry.api_tokens WHERE id = $1", host["id"]) == ""
    # Only the service token the organiser labelled so keeps the name: not a host's, not reached by this.
    assert await text_hits(db, HELPER) == ["api_tokens.label: 1"]
    await db.execute("DELETE FROM registry.api_tokens WHERE id = $1", other["id"])
    assert await text_hits(db, HELPER) == []
    # The rows stay (what the tokens did is still attributable by id), only without the name.
    assert await db.fetchval("SELECT count(*) FROM registry.api_tokens WHERE event_id = $1", event["id"]) == 4


async def test_the_sweep_blanks_only_host_tokens_past_their_end(db, registry, make_token):
    organiser = await make_token(Role.ORGANISER, label="organiser")
    event = await create_event(registry, organiser)
    _, row = await issue_token(db, Role.HOST, label="Reception 1", event_id=event["id"])
    assert row["expires_at"] == DAY_OVER
    assert await forget_expired_host_labels(db, DAY_OVER - dt.timedelta(microseconds=1)) == 0
    assert await forget_expired_host_labels(db, DAY_OVER) == 1
    assert await forget_expired_host_labels(db, DAY_OVER) == 0  # nothing left to blank
    assert await db.fetchval("SELECT label FROM registry.api_tokens WHERE id = $1", row["id"]) == ""


async def test_migration_0012_gives_older_host_tokens_the_same_end(db, registry, make_token):
    organiser = await make_token(Role.ORGANISER, label="organiser")
    event = await create_event(registry, organiser)
    _, row = await issue_token(db, Role.HOST, label=HELPER, event_id=event["id"])
    _, service = await issue_token(db, Role.SERVICE, label="service")
    # As issued before 0012: no expiry.
    await db.execute("UPDATE registry.api_tokens SET expires_at = NULL WHERE id = ANY($1)", [row["id"], service["id"]])
    migration = MIGRATIONS / "0012_host_token_expiry.sql"
    async with db.transaction():
        await db.execute("SET LOCAL search_path = registry")
        await db.execute(migration.read_text())
    ends = dict(
        await db.fetch("SELECT id, expires_at FROM registry.api_tokens WHERE id = ANY($1)", [row["id"], service["id"]])
    )
    assert ends == {row["id"]: DAY_OVER, service["id"]: None}
    assert await forget_expired_host_labels(db, DAY_OVER) == 1

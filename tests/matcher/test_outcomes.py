"""Firms are told when a need moves (issue 14), on the real registry and the matcher's feed, real PostgreSQL
and a real SMTP server on loopback: a buyer's OCDS tender release reaches the firms that met the buyer at a
published event (one e-mail each, with the tender's dates in Swedish time) and the firms following the need;
reading the feed again sends nothing more; a firm erased before gets nothing, and one erased after its
e-mail was queued leaves no trace of it in any column of either service."""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator

import aiohttp
import asyncpg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from services.matcher.engine.examples import example_snapshot
from services.matcher.outcomes.notices import choose_met
from services.matcher.privacy.feed import delivery_gate, sync_feed
from services.matcher.registry_client import RegistryClient
from services.matcher.settings import MatcherSettings
from services.registry.ocds import EXAMPLE_RELEASE
from shared.auth import Role
from shared.db import init_connection
from tests.conftest import bearer
from tests.matcher.test_erasure_across_services import database_hits, deliver_all, inbox, message_text
from tests.test_procurement import FALUN_ORGNR, award_release, package, tender_release

__all__ = ["inbox"]  # a fixture used by name below

WEB = "https://affarstraff.example"
DATES = "Anbudstid (svensk tid): onsdag 1 april 2026 kl. 00:00 – måndag 4 maj 2026 kl. 23:59"


@pytest.fixture
async def pool(db_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(db_url, min_size=1, max_size=4, init=init_connection)
    yield created
    await created.close()


async def add_contact(db_url: str, organisation: uuid.UUID, name: str, email: str) -> None:
    conn = await asyncpg.connect(db_url)
    try:
        await conn.execute(
            "INSERT INTO registry.contacts (organisation_id, position, name, email) VALUES ($1, 0, $2, $3)",
            organisation,
            name,
            email,
        )
    finally:
        await conn.close()


async def publish_meetings(pool: asyncpg.Pool, buyer: uuid.UUID, firms: dict[uuid.UUID, dict], about: dict) -> str:
    """A published version of an event (held 2025-10-07) where the buyer met each firm; the event's id.

    ``firms``: id → its contact in the snapshot; ``about``: firm → the need its meeting was about.
    """
    document = example_snapshot().model_dump(mode="json")
    event_id = str(uuid.uuid4())
    document["event"]["id"] = event_id
    document["buyers"][0]["organisation"]["id"] = str(buyer)
    template = document["smes"][0]
    document["smes"] = []
    for firm, contact in firms.items():
        party = copy.deepcopy(template)
        party["organisation"].update(id=str(firm), name=contact["firm"])
        party["registration_id"] = str(uuid.uuid4())
        party["contacts"] = [
            {"id": str(uuid.uuid4()), "position": 0, "name": contact["name"], "title": "VD",
             "email": contact["email"], "phone": contact.get("phone")}
        ]  # fmt: skip
        document["smes"].append(party)
    version = await pool.fetchval(
        "INSERT INTO matcher.schedule_versions (event_id, number, snapshot_hash, snapshot, status, published_at) "
        "VALUES ($1, 1, $2, $3, 'published', now()) RETURNING id",
        uuid.UUID(event_id),
        "0" * 64,
        document,
    )
    for slot, firm in enumerate(firms):
        need = about.get(firm)
        await pool.execute(
            "INSERT INTO matcher.schedule_meetings (version_id, sme_id, buyer_id, slot, table_index, relevance, "
            "explanation) VALUES ($1, $2, $3, $4, 0, 0.5, $5)",
            version,
            firm,
            buyer,
            slot,
            {"need_id": str(need) if need else None},
        )
    return event_id


@pytest.fixture
async def world(registry, make_org, make_token, db_url, pool, organiser_token):
    """Falu kommun with a need in planning; three firms that met it at a published event; one follower."""
    falun = await make_org("buyer", name="Falu kommun", orgnr=FALUN_ORGNR, buyer_category="municipality")
    falun_token = await make_token(Role.BUYER, falun)
    # Visible to firms (so it can be followed) but not yet advertised.
    visible = dict(EXAMPLE_RELEASE, tender=dict(EXAMPLE_RELEASE["tender"], status="planned"))
    response = await registry.post("/needs/import/ocds", json=package(visible), headers=bearer(falun_token))
    assert response.status == 200, await response.text()
    [need] = (await response.json())["needs"]
    people = {
        "met_a": ("Sandbergs Städ AB", "Stina Sandberg", "stina@sandbergs.example.com", "+46701740526"),
        "met_b": ("Dala Snö AB", "Dag Dalin", "dag@dalasno.example.com", None),
        "erased": ("Gruvans Plog AB", "Greta Gruvberg", "greta@gruvansplog.example.com", "+46709990011"),
        "follower": ("Kopparns Maskin AB", "Kalle Koppar", "kalle@kopparns.example.com", None),
    }
    ids = {}
    for key, (firm, name, email, _phone) in people.items():
        ids[key] = await make_org("sme", name=firm)
        await add_contact(db_url, ids[key], name, email)
    met = {
        ids[key]: {"firm": people[key][0], "name": people[key][1], "email": people[key][2], "phone": people[key][3]}
        for key in ("met_a", "met_b", "erased")
    }
    event_id = await publish_meetings(pool, falun, met, about={})
    follower_token = await make_token(Role.SME, ids["follower"])
    followed = await registry.post(
        f"/organisations/{ids['follower']}/follows", json={"need_id": need}, headers=bearer(follower_token)
    )
    assert followed.status == 201, await followed.text()
    return {"falun": falun, "falun_token": falun_token, "need": need, "ids": ids, "people": people,
            "event_id": event_id, "organiser": organiser_token}  # fmt: skip


def settings_for(db_url: str, smtp_port: int) -> MatcherSettings:
    return MatcherSettings(
        database_url=db_url, log_format="text", smtp_host="127.0.0.1", smtp_port=smtp_port, web_url=WEB
    )


async def notices(pool: asyncpg.Pool) -> dict[str, list[asyncpg.Record]]:
    rows: dict[str, list[asyncpg.Record]] = {}
    for row in await pool.fetch("SELECT * FROM matcher.outbox WHERE kind = 'need.stage' ORDER BY created_at"):
        rows.setdefault(row["destination"], []).append(row)
    return rows


async def import_releases(registry, token: str, *releases: dict) -> None:
    response = await registry.post("/needs/import/ocds", json=package(*releases), headers=bearer(token))
    assert response.status == 200, await response.text()


async def test_an_advertised_tender_reaches_the_firms_that_met_the_buyer_and_its_followers_once(
    registry, world, pool, db_url, db, service_token, inbox
):
    handler, smtp_port = inbox
    settings = settings_for(db_url, smtp_port)
    people, ids = world["people"], world["ids"]
    erased_email = people["erased"][2]
    assert (await registry.delete(f"/organisations/{ids['erased']}", headers=bearer(world["organiser"]))).status in (
        200,
        204,
    )
    await import_releases(registry, world["falun_token"], tender_release())
    async with aiohttp.ClientSession() as session:
        client = RegistryClient(session, str(registry.make_url("")), service_token, tries=1)
        await sync_feed(pool, settings, client)
        # Read twice: from the start of the feed again (the erasure and the stage move both come again).
        await pool.execute("UPDATE matcher.registry_feed SET last_id = 0")
        again = await sync_feed(pool, settings, client)
        assert again.applied >= 2
        queued = await notices(pool)
        expected = {people[key][2] for key in ("met_a", "met_b", "follower")}
        assert set(queued) == expected, set(queued)
        assert all(len(rows) == 1 for rows in queued.values())
        met_row, follower_row = queued[people["met_a"][2]][0], queued[people["follower"][2]][0]
        assert str(met_row["event_id"]) == world["event_id"] and met_row["participant_id"] == ids["met_a"]
        assert follower_row["event_id"] is None and follower_row["participant_id"] == ids["follower"]
        await deliver_all(pool, settings, session, delivery_gate(pool, settings, lambda: client))

    received = {rcpt: message for rcpts, message in handler.messages for rcpt in rcpts}
    assert len(handler.messages) == 3 and set(received) == expected
    met_text = message_text(received[people["met_a"][2]])
    assert str(received[people["met_a"][2]]["Subject"]) == (
        "Upphandlingen ni pratade om är nu annonserad: Snöröjning Falun"
    )
    assert "Hej Stina Sandberg!" in met_text and DATES in met_text
    assert "som ni pratade om på Affärsträff Falun tisdag 7 oktober 2025" in met_text
    assert "Tender period (Swedish time): Wednesday 1 April 2026 at 00:00 – Monday 4 May 2026 at 23:59" in met_text
    assert f"{WEB}/foretag/behov/{world['need']}" in met_text
    assert met_text.index("Läs mer") < met_text.index("Read more")  # Swedish first
    follower_text = message_text(received[people["follower"][2]])
    assert "Upphandlingen ni följer är nu annonserad" in follower_text and DATES in follower_text
    # The firm erased before the tender was advertised: no e-mail, no notice, nothing of it in either schema.
    assert erased_email not in received
    told = "SELECT count(*) FROM matcher.need_notices WHERE organisation_id = $1"
    assert await pool.fetchval(told, ids["erased"]) == 0
    assert await database_hits(db, [erased_email, people["erased"][1], people["erased"][0]]) == []

    # The award: the follower is told, the firms that only met the buyer are not; nothing is sent twice.
    await import_releases(registry, world["falun_token"], award_release())
    async with aiohttp.ClientSession() as session:
        client = RegistryClient(session, str(registry.make_url("")), service_token, tries=1)
        await sync_feed(pool, settings, client)
        await deliver_all(pool, settings, session, delivery_gate(pool, settings, lambda: client))
    assert len(handler.messages) == 4
    rcpts, award = handler.messages[-1]
    assert rcpts == [people["follower"][2]]
    assert str(award["Subject"]) == "Upphandlingen ni följer har tilldelats: Snöröjning Falun"


async def test_only_the_firms_whose_meeting_was_about_the_need_hear_of_it(
    registry, make_org, make_token, db_url, pool, service_token
):
    falun = await make_org("buyer", name="Falu kommun", orgnr=FALUN_ORGNR, buyer_category="municipality")
    token = await make_token(Role.BUYER, falun)
    response = await registry.post("/needs/import/ocds", json=package(EXAMPLE_RELEASE), headers=bearer(token))
    [need] = (await response.json())["needs"]
    about, other = await make_org("sme"), await make_org("sme")
    firms = {
        about: {"firm": "Om Behovet AB", "name": "Olle Om", "email": "olle@om.example.com"},
        other: {"firm": "Annat Ärende AB", "name": "Anna Annat", "email": "anna@annat.example.com"},
    }
    await publish_meetings(pool, falun, firms, about={about: uuid.UUID(need), other: uuid.uuid4()})
    await import_releases(registry, token, tender_release())
    async with aiohttp.ClientSession() as session:
        client = RegistryClient(session, str(registry.make_url("")), service_token, tries=1)
        await sync_feed(pool, MatcherSettings(database_url=db_url, log_format="text"), client)
    queued = await notices(pool)
    assert set(queued) == {"olle@om.example.com"}
    assert "Läs mer" not in queued["olle@om.example.com"][0]["payload"]["text"]  # no MATCHER_WEB_URL: no link


async def test_a_firm_erased_after_its_notice_was_queued_leaves_no_trace(
    registry, matcher, world, pool, db_url, db, service_token, make_token
):
    people, ids = world["people"], world["ids"]
    await import_releases(registry, world["falun_token"], tender_release())
    settings = MatcherSettings(database_url=db_url, log_format="text")
    async with aiohttp.ClientSession() as session:
        client = RegistryClient(session, str(registry.make_url("")), service_token, tries=1)
        await sync_feed(pool, settings, client)
        # The follower's export lists its notice (its address is in no snapshot: found by the notice's firm).
        follower_token = await make_token(Role.SME, ids["follower"])
        export = await registry.get(f"/organisations/{ids['follower']}/export", headers=bearer(follower_token))
        assert export.status == 200, await export.text()
        [notice] = (await export.json())["matcher"]["notifications"]
        told = (notice["kind"], notice["event_id"], notice["destination"])
        assert told == ("need.stage", None, people["follower"][2])
        needles = [people["follower"][2], people["follower"][1], people["met_a"][2], people["met_a"][1]]
        assert len(await database_hits(db, needles)) >= 4  # found before: zero hits later means something
        for key in ("follower", "met_a"):
            response = await registry.delete(f"/organisations/{ids[key]}", headers=bearer(world["organiser"]))
            assert response.status in (200, 204), await response.text()
        await sync_feed(pool, settings, client)
    assert await database_hits(db, needles) == []
    left = await pool.fetch("SELECT organisation_id FROM matcher.need_notices")
    assert {row["organisation_id"] for row in left} == {ids["met_b"], ids["erased"]}  # (not erased here)
    assert set(await notices(pool)) == {people["met_b"][2], people["erased"][2]}


@given(
    st.lists(
        st.lists(st.tuples(st.integers(1, 6), st.sampled_from([None, 1, 2])), min_size=1, max_size=6),
        min_size=1,
        max_size=4,
    ),
    st.sets(st.integers(1, 6)),
)
def test_who_met_the_buyer_about_the_need_is_told_once_at_the_latest_event(events, without_address):
    """Per firm at most one reader, from the newest event it met the buyer at; only firms whose meeting was
    about the need when any was; a firm with no address is kept (recorded) but has no reader."""
    need = uuid.UUID(int=1)
    rows = []
    for index, meetings in enumerate(events):
        firms = {uuid.UUID(int=100 + sme): about for sme, about in meetings}  # one meeting per pair and event
        smes = [
            {"organisation": {"id": str(firm)},
             "contacts": [] if firm.int - 100 in without_address else [{"name": "N", "email": f"{firm.int}@x.se"}]}
            for firm in firms
        ]  # fmt: skip
        rows.append({
            "event_id": uuid.UUID(int=1000 + index),
            "snapshot": {"event": {"name": f"Träff {index}", "date": "2025-10-07"}, "smes": smes, "buyers": []},
            "sme_ids": list(firms),
            "need_ids": [None if about is None else str(uuid.UUID(int=about)) for about in firms.values()],
        })  # fmt: skip
    chosen = choose_met(rows, need)
    about = {sme for row in rows for sme, n in zip(row["sme_ids"], row["need_ids"], strict=True) if n == str(need)}
    everyone = {sme for row in rows for sme in row["sme_ids"]}
    assert set(chosen) == (about or everyone)
    for sme, at in chosen.items():
        assert (at.reader is None) == (sme.int - 100 in without_address)
        # The newest event where it met the buyer (about the need, when any meeting was).
        first = next(
            i for i, row in enumerate(rows)
            for firm, n in zip(row["sme_ids"], row["need_ids"], strict=True)
            if firm == sme and (not about or n == str(need))
        )  # fmt: skip
        assert at.event_id == rows[first]["event_id"]
        if at.reader is not None:
            assert at.reader.event_name == f"Träff {first}" and at.reader.organisation_id == sme

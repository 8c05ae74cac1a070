"""The event snapshot: pure building and hashing, and GET /events/{id}/snapshot on real PostgreSQL."""

from __future__ import annotations

import json
import random
import uuid
from datetime import UTC, date, datetime, time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.registry.snapshot import SnapshotRows, build_document, build_snapshot
from shared.auth import Role
from shared.snapshot import EventSnapshot, canonical_bytes, content_hash
from tests.conftest import bearer

# --- helpers: rows straight into registry.* (the other resources' routes are built concurrently) ---

EVENT_DATE = date(2025, 10, 7)


async def insert_event(db, **columns) -> uuid.UUID:
    values = {
        "name": "Affärsträff Falun",
        "event_date": EVENT_DATE,
        "municipality_code": "2080",
        "day_start": time(9, 0),
        "day_end": time(10, 40),  # 09:00, 09:25, 09:50, 10:15: four slots of 20 minutes
        "meeting_minutes": 20,
        "changeover_minutes": 5,
        "tables": 12,
        "signup_deadline": datetime(2025, 9, 30, tzinfo=UTC),
        "default_meetings_per_sme": 2,
        "max_meetings_per_sme": 3,
        "status": "closed",
        **columns,
    }
    return await _insert(db, "events", values)


async def _insert(db, table: str, values: dict) -> uuid.UUID:
    columns = ", ".join(values)
    placeholders = ", ".join(f"${i}" for i in range(1, len(values) + 1))
    return await db.fetchval(
        f"INSERT INTO registry.{table} ({columns}) VALUES ({placeholders}) RETURNING id",  # noqa: S608
        *values.values(),
    )


async def register(db, event_id, organisation_id, kind, **columns) -> uuid.UUID:
    if "representatives" in columns:
        columns["representatives"] = json.dumps(columns["representatives"])
    return await _insert(
        db, "registrations", {"event_id": event_id, "organisation_id": organisation_id, "kind": kind, **columns}
    )


async def insert_need(db, buyer_id, title, cpv_main="77314000", **columns) -> uuid.UUID:
    if "lots" in columns:
        columns["lots"] = json.dumps(columns["lots"])
    return await _insert(db, "needs", {"buyer_id": buyer_id, "title": title, "cpv_main": cpv_main, **columns})


async def link_need(db, registration_id, need_id, rank=None) -> None:
    await db.execute("INSERT INTO registry.registration_needs VALUES ($1, $2, $3)", registration_id, need_id, rank)


async def wish(db, registration_id, sme_id) -> None:
    await db.execute("INSERT INTO registry.registration_wishes VALUES ($1, $2)", registration_id, sme_id)


async def add_contact(db, organisation_id, position, name, email, **columns) -> uuid.UUID:
    return await _insert(
        db,
        "contacts",
        {"organisation_id": organisation_id, "position": position, "name": name, "email": email, **columns},
    )


async def add_rule(db, event_id, sme_id, buyer_id, rule, reason="") -> None:
    await db.execute(
        "INSERT INTO registry.pair_rules (event_id, sme_id, buyer_id, rule, reason) VALUES ($1, $2, $3, $4, $5)",
        event_id,
        sme_id,
        buyer_id,
        rule,
        reason,
    )


async def add_threshold(db, kind, valid_from, amount) -> None:
    await db.execute("INSERT INTO registry.procurement_thresholds VALUES ($1, $2, $3)", kind, valid_from, amount)


async def small_event(db, make_org) -> dict:
    """2 buyers, 3 SMEs, needs, interests, a wish, two rules, one late and one early cancellation."""
    ids: dict = {"event": await insert_event(db)}
    ids["b1"] = await make_org("buyer", name="Falu kommun", buyer_category="municipality")
    ids["b2"] = await make_org("buyer", name="Region Dalarna", municipality_code="2081")
    ids["s1"] = await make_org(
        "sme",
        name="Snöröjning AB",
        cpv_codes=["90620000", "77314000"],
        served_municipalities=["2080", "2026"],
        served_counties=["20"],
        keywords=["snö", "halka"],
        employees_band="1-9",
        turnover_sek=4_000_000,
        certificates=["ISO 14001"],
    )
    ids["s2"] = await make_org("sme", name="Städ & Co")
    ids["s3"] = await make_org("sme", name="IT-konsult Dalarna", serves_whole_country=True)
    ids["s4"] = await make_org("sme", name="Sen avbokning AB")
    ids["s5"] = await make_org("sme", name="Tidig avbokning AB")
    ids["n1"] = await insert_need(db, ids["b1"], "Vinterväghållning", estimated_value_sek=2_000_000)
    ids["n2"] = await insert_need(
        db,
        ids["b1"],
        "Lokalvård",
        cpv_main="90910000",
        cpv_additional=["90919200", "90911200"],
        lots=[{"title": "Skolor"}],
    )
    ids["n3"] = await insert_need(db, ids["b2"], "IT-drift", cpv_main="72000000", procedure="direct_award")
    ids["n4"] = await insert_need(db, ids["b2"], "Bara i en avbokad anmälan")
    event = ids["event"]
    ids["r_b1"] = await register(db, event, ids["b1"], "buyer", tables=2, representatives=[{"name": "Anna"}])
    ids["r_b2"] = await register(db, event, ids["b2"], "buyer", available_slots=[0, 1])
    ids["r_s1"] = await register(db, event, ids["s1"], "sme")  # all slots, default cap
    ids["r_s2"] = await register(db, event, ids["s2"], "sme", available_slots=[3, 1, 1], max_meetings=1)
    ids["r_s3"] = await register(db, event, ids["s3"], "sme", available_slots=[0, 1, 2, 7], max_meetings=6)
    ids["r_s4"] = await register(
        db,
        event,
        ids["s4"],
        "sme",
        status="cancelled",
        cancelled_at=datetime(2025, 10, 6, 8, tzinfo=UTC),
        cancelled_after_publication=True,
    )
    ids["r_s5"] = await register(
        db, event, ids["s5"], "sme", status="cancelled", cancelled_at=datetime(2025, 9, 1, tzinfo=UTC)
    )
    await link_need(db, ids["r_b1"], ids["n1"])
    await link_need(db, ids["r_b1"], ids["n2"])
    await link_need(db, ids["r_b2"], ids["n3"])
    await link_need(db, ids["r_s1"], ids["n3"], 1)
    await link_need(db, ids["r_s1"], ids["n1"], 2)
    await link_need(db, ids["r_s2"], ids["n2"], 1)
    await link_need(db, ids["r_s4"], ids["n4"], 1)
    await wish(db, ids["r_b1"], ids["s2"])
    ids["c_s1_second"] = await add_contact(db, ids["s1"], 1, "Bo Ek", "bo@snö.se")
    ids["c_s1_first"] = await add_contact(db, ids["s1"], 0, "Eva Ek", "eva@example.se", phone="+46701234567")
    ids["c_b1"] = await add_contact(db, ids["b1"], 0, "Anna Berg", "anna@falun.se", title="Upphandlare")
    await add_rule(db, event, ids["s1"], ids["b2"], "must_meet", "Avtal löper ut")
    await add_rule(db, event, ids["s3"], ids["b1"], "never", "Jäv")
    # Our own rows on a kind the seed does not use, so the assertion does not depend on the seeded values.
    await add_threshold(db, "direct_award_test", date(2024, 1, 1), 700_000)
    await add_threshold(db, "direct_award_test", date(2025, 1, 1), 800_000)
    await add_threshold(db, "direct_award_test", date(2026, 1, 1), 900_000)
    return ids


async def get_snapshot(registry, token, event_id, **headers):
    return await registry.get(f"/events/{event_id}/snapshot", headers={**bearer(token), **headers})


# --- service tests ---


async def test_snapshot_of_a_small_event_has_everything(registry, db, make_org, organiser_token):
    ids = await small_event(db, make_org)
    response = await get_snapshot(registry, organiser_token, ids["event"])
    assert response.status == 200
    body = await response.json()
    snapshot = EventSnapshot.model_validate(body)
    assert snapshot.schema_version == 1
    assert snapshot.hash_matches()
    assert response.headers["ETag"] == f'"{snapshot.content_hash}"'

    event = snapshot.event
    assert (event.id, event.name, event.date, event.time_zone) == (
        ids["event"],
        "Affärsträff Falun",
        EVENT_DATE,
        "Europe/Stockholm",
    )
    assert (event.status, event.tables, event.default_meetings_per_sme, event.max_meetings_per_sme) == (
        "closed",
        12,
        2,
        3,
    )
    assert [slot.label for slot in event.slots] == ["09:00–09:20", "09:25–09:45", "09:50–10:10", "10:15–10:35"]
    assert body["event"]["slots"][0]["start"] == "2025-10-07T07:00:00Z"
    assert [slot.index for slot in event.slots] == [0, 1, 2, 3]

    in_force = {t.kind: (t.amount_sek, t.valid_from) for t in snapshot.thresholds}
    assert in_force["direct_award_test"] == (800_000, date(2025, 1, 1))
    # The seeded LOU direct-award limit in force on the event date is there too.
    assert in_force["direct_award_lou"][0] > 0

    smes = {sme.organisation.id: sme for sme in snapshot.smes}
    assert set(smes) == {ids["s1"], ids["s2"], ids["s3"]}  # both cancellations left out
    assert [sme.organisation.id for sme in snapshot.smes] == sorted(smes)
    s1 = smes[ids["s1"]]
    assert s1.registration_id == ids["r_s1"]
    assert s1.organisation.name == "Snöröjning AB"
    assert s1.organisation.cpv_codes == ["77314000", "90620000"]
    assert s1.organisation.keywords == ["snö", "halka"]
    assert (s1.organisation.employees_band, s1.organisation.turnover_sek) == ("1-9", 4_000_000)
    assert s1.organisation.areas_served.model_dump() == {
        "whole_country": False,
        "counties": ["20"],
        "municipalities": ["2026", "2080"],
    }
    assert s1.organisation.certificates == ["ISO 14001"]
    assert s1.organisation.languages == ["sv"]
    assert s1.available_slots == [0, 1, 2, 3]  # NULL availability: every slot
    assert s1.max_meetings == 2  # the event default
    assert [(w.need_id, w.rank) for w in s1.wanted_needs] == [(ids["n3"], 1), (ids["n1"], 2)]
    assert [(c.name, c.position, c.phone) for c in s1.contacts] == [
        ("Eva Ek", 0, "+46701234567"),
        ("Bo Ek", 1, None),
    ]
    s2 = smes[ids["s2"]]
    assert (s2.available_slots, s2.max_meetings, s2.contacts) == ([1, 3], 1, [])
    s3 = smes[ids["s3"]]
    # Asked for 6, event maximum 3, three slots inside the grid (index 7 is outside it).
    assert (s3.available_slots, s3.max_meetings, s3.wanted_needs) == ([0, 1, 2], 3, [])
    assert s3.organisation.areas_served.whole_country is True

    buyers = {buyer.organisation.id: buyer for buyer in snapshot.buyers}
    assert set(buyers) == {ids["b1"], ids["b2"]}
    b1 = buyers[ids["b1"]]
    assert (b1.tables, b1.available_slots, b1.representatives) == (2, [0, 1, 2, 3], [{"name": "Anna"}])
    assert b1.brought_need_ids == sorted([ids["n1"], ids["n2"]])
    assert b1.wanted_sme_ids == [ids["s2"]]
    assert [(c.name, c.title, c.email) for c in b1.contacts] == [("Anna Berg", "Upphandlare", "anna@falun.se")]
    assert b1.organisation.buyer_category == "municipality"
    b2 = buyers[ids["b2"]]
    assert (b2.tables, b2.available_slots, b2.brought_need_ids, b2.wanted_sme_ids) == (1, [0, 1], [ids["n3"]], [])

    needs = {need.id: need for need in snapshot.needs}
    assert set(needs) == {ids["n1"], ids["n2"], ids["n3"]}  # n4 only in a cancelled registration
    assert [need.id for need in snapshot.needs] == sorted(needs)
    n2 = needs[ids["n2"]]
    assert (n2.buyer_id, n2.title, n2.cpv_main, n2.cpv_additional) == (
        ids["b1"],
        "Lokalvård",
        "90910000",
        ["90911200", "90919200"],
    )
    assert (n2.lots, n2.status, n2.procedure, n2.suitable_for_smes) == (
        [{"title": "Skolor"}],
        "planning",
        "other",
        True,
    )
    assert (needs[ids["n1"]].estimated_value_sek, needs[ids["n3"]].procedure) == (2_000_000, "direct_award")

    assert {(r.sme_id, r.buyer_id, r.rule, r.reason) for r in snapshot.pair_rules} == {
        (ids["s1"], ids["b2"], "must_meet", "Avtal löper ut"),
        (ids["s3"], ids["b1"], "never", "Jäv"),
    }
    assert [(c.organisation_id, c.kind, c.cancelled_at) for c in snapshot.cancelled] == [
        (ids["s4"], "sme", datetime(2025, 10, 6, 8, tzinfo=UTC))
    ]


async def test_hash_is_stable_and_follows_every_relevant_change(registry, db, make_org, organiser_token):
    ids = await small_event(db, make_org)
    first = await get_snapshot(registry, organiser_token, ids["event"])
    second = await get_snapshot(registry, organiser_token, ids["event"])
    original = first.headers["ETag"]
    assert second.headers["ETag"] == original
    assert canonical_bytes(await first.json()) == canonical_bytes(await second.json())

    seen = {original}
    edits = [
        ("UPDATE registry.registrations SET available_slots = '{0,1}' WHERE id = $1", ids["r_s1"]),
        ("UPDATE registry.needs SET title = 'Vinterväghållning 2026' WHERE id = $1", ids["n1"]),
        ("UPDATE registry.contacts SET phone = '+46709999999' WHERE id = $1", ids["c_b1"]),
    ]
    for statement, row_id in edits:
        await db.execute(statement, row_id)
        etag = (await get_snapshot(registry, organiser_token, ids["event"])).headers["ETag"]
        assert etag not in seen, statement
        seen.add(etag)

    # Undoing every edit gives back the very same content, and so the same hash.
    await db.execute("UPDATE registry.registrations SET available_slots = NULL WHERE id = $1", ids["r_s1"])
    await db.execute("UPDATE registry.needs SET title = 'Vinterväghållning' WHERE id = $1", ids["n1"])
    await db.execute("UPDATE registry.contacts SET phone = NULL WHERE id = $1", ids["c_b1"])
    assert (await get_snapshot(registry, organiser_token, ids["event"])).headers["ETag"] == original


async def test_if_none_match_with_the_current_hash_gives_304(registry, db, make_org, organiser_token):
    ids = await small_event(db, make_org)
    etag = (await get_snapshot(registry, organiser_token, ids["event"])).headers["ETag"]
    response = await get_snapshot(registry, organiser_token, ids["event"], **{"If-None-Match": etag})
    assert response.status == 304
    assert response.headers["ETag"] == etag
    assert await response.read() == b""
    response = await get_snapshot(registry, organiser_token, ids["event"], **{"If-None-Match": f'"x", W/{etag}'})
    assert response.status == 304
    await db.execute("UPDATE registry.needs SET title = 'Ny titel' WHERE id = $1", ids["n2"])
    response = await get_snapshot(registry, organiser_token, ids["event"], **{"If-None-Match": etag})
    assert response.status == 200
    assert response.headers["ETag"] != etag


async def test_snapshot_roles(registry, db, make_org, make_token, organiser_token):
    event_id = await insert_event(db)
    sme, buyer = await make_org("sme"), await make_org("buyer")
    assert (await get_snapshot(registry, organiser_token, event_id)).status == 200
    assert (await get_snapshot(registry, await make_token(Role.SERVICE), event_id)).status == 200
    for role, organisation in ((Role.SME, sme), (Role.BUYER, buyer)):
        response = await get_snapshot(registry, await make_token(role, organisation), event_id)
        assert response.status == 403
        assert response.content_type == "application/problem+json"
    assert (await registry.get(f"/events/{event_id}/snapshot")).status == 401


async def test_unknown_event_is_404(registry, organiser_token):
    for event_id in (uuid.uuid4(), "not-a-uuid"):
        response = await get_snapshot(registry, organiser_token, event_id)
        assert response.status == 404
        assert response.content_type == "application/problem+json"


async def test_empty_event_has_an_empty_snapshot(registry, db, organiser_token):
    event_id = await insert_event(db, breaks=json.dumps([{"start": "09:25", "end": "09:50", "label": "Kaffe"}]))
    snapshot = EventSnapshot.model_validate(await (await get_snapshot(registry, organiser_token, event_id)).json())
    assert [slot.label for slot in snapshot.event.slots] == ["09:00–09:20", "09:50–10:10", "10:15–10:35"]
    assert (snapshot.smes, snapshot.buyers, snapshot.needs, snapshot.pair_rules, snapshot.cancelled) == (
        [],
        [],
        [],
        [],
        [],
    )


# --- pure tests: rows → snapshot → hash, without a database ---


def _org(org_id, kind, **extra):
    return {
        "organisation_id": org_id,
        "name": f"{kind} {org_id.int}",
        "municipality_code": "2080",
        "cpv_codes": ["90620000", "77314000"],
        "description": "",
        "keywords": [],
        "employees_band": None,
        "turnover_sek": None,
        "serves_whole_country": False,
        "served_counties": ["20", "03"],
        "served_municipalities": [],
        "certificates": [],
        "languages": ["sv"],
        "buyer_category": None,
        **extra,
    }


def _registration(n, kind, **extra):
    row = {
        "registration_id": uuid.UUID(int=1000 + n),
        "kind": kind,
        "status": "active",
        "available_slots": None,
        "max_meetings": None,
        "registration_languages": ["sv"],
        "tables": 1 if kind == "buyer" else None,
        "representatives": [],
        "cancelled_at": None,
        "cancelled_after_publication": False,
        **_org(uuid.UUID(int=n), kind),
    }
    row.update(extra)
    return row


def _need(n, buyer):
    return {
        "id": uuid.UUID(int=5000 + n),
        "buyer_id": uuid.UUID(int=buyer),
        "title": f"Behov {n}",
        "description": "",
        "cpv_main": "77314000",
        "cpv_additional": ["90919200", "90911200"],
        "estimated_value_sek": None,
        "procedure": "open",
        "planned_tender_date": None,
        "delivery_municipality": None,
        "suitable_for_smes": True,
        "status": "planned",
        "lots": [],
    }


def sample_rows() -> SnapshotRows:
    event = {
        "id": uuid.UUID(int=1),
        "name": "Affärsträff",
        "event_date": EVENT_DATE,
        "time_zone": "Europe/Stockholm",
        "status": "closed",
        "tables": 5,
        "day_start": time(9),
        "day_end": time(11),
        "meeting_minutes": 20,
        "changeover_minutes": 5,
        "breaks": [],
        "default_meetings_per_sme": 3,
        "max_meetings_per_sme": 5,
        "min_relevance_percent": 20,
        "venue": "Lugnet, Falun",
    }
    registrations = [_registration(n, "sme", available_slots=[n % 4, 2, 0]) for n in range(10, 16)]
    registrations += [_registration(n, "buyer") for n in range(20, 23)]
    registrations.append(
        _registration(
            30,
            "sme",
            status="cancelled",
            cancelled_at=datetime(2025, 10, 1, tzinfo=UTC),
            cancelled_after_publication=True,
        )
    )
    needs = [_need(n, 20 + n % 3) for n in range(6)]
    registration_needs = [
        {"registration_id": uuid.UUID(int=1020 + n % 3), "need_id": need["id"], "rank": None}
        for n, need in enumerate(needs)
    ]
    registration_needs += [
        {"registration_id": uuid.UUID(int=1000 + sme), "need_id": needs[(sme + k) % 6]["id"], "rank": k + 1}
        for sme in range(10, 16)
        for k in range(2)
    ]
    return SnapshotRows(
        event=event,
        thresholds=[{"kind": k, "amount_sek": 100 + i, "valid_from": date(2025, 1, 1)} for i, k in enumerate("zab")],
        registrations=registrations,
        registration_needs=registration_needs,
        wishes=[{"registration_id": uuid.UUID(int=1020), "sme_id": uuid.UUID(int=n)} for n in (13, 11, 12)],
        needs=needs,
        contacts=[
            {
                "organisation_id": uuid.UUID(int=10),
                "id": uuid.UUID(int=9000 + p),
                "position": p,
                "name": f"K{p}",
                "title": "",
                "email": f"k{p}@example.se",
                "phone": None,
            }
            for p in (2, 0, 1)
        ],
        pair_rules=[
            {"sme_id": uuid.UUID(int=s), "buyer_id": uuid.UUID(int=b), "rule": "never", "reason": ""}
            for s, b in ((12, 21), (10, 22), (10, 20))
        ],
    )


GENERATED = datetime(2025, 9, 1, tzinfo=UTC)


def _shuffled(rows: SnapshotRows, rng: random.Random) -> SnapshotRows:
    def shuffle(items):
        items = list(items)
        rng.shuffle(items)
        return items

    return SnapshotRows(
        event=rows.event,
        **{
            name: shuffle(getattr(rows, name))
            for name in (
                "thresholds",
                "registrations",
                "registration_needs",
                "wishes",
                "needs",
                "contacts",
                "pair_rules",
            )
        },
    )


@settings(max_examples=40, deadline=None)
@given(rng=st.randoms(use_true_random=False))
def test_order_of_input_rows_does_not_change_the_hash(rng):
    reference = build_snapshot(sample_rows(), GENERATED)
    shuffled = build_snapshot(_shuffled(sample_rows(), rng), GENERATED)
    assert shuffled.content_hash == reference.content_hash
    assert canonical_bytes(shuffled) == canonical_bytes(reference)


def test_generated_at_is_not_hashed_but_content_is():
    rows = sample_rows()
    reference = build_snapshot(rows, GENERATED)
    assert build_snapshot(rows, datetime(2030, 1, 1, tzinfo=UTC)).content_hash == reference.content_hash
    rows.needs[0]["title"] = "Ändrad titel"
    assert build_snapshot(rows, GENERATED).content_hash != reference.content_hash


def test_canonical_bytes_are_compact_sorted_json_of_the_content():
    snapshot = build_snapshot(sample_rows(), GENERATED)
    raw = canonical_bytes(snapshot)
    decoded = json.loads(raw)
    assert "generated_at" not in decoded and "content_hash" not in decoded
    assert list(decoded) == sorted(decoded)
    assert raw == json.dumps(decoded, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    assert content_hash(snapshot) == snapshot.content_hash
    assert snapshot.model_copy(update={"content_hash": "0" * 64}).hash_matches() is False


def test_effective_caps_and_availability_in_the_pure_builder():
    snapshot = build_snapshot(sample_rows(), GENERATED)
    assert len(snapshot.event.slots) == 5
    first = next(sme for sme in snapshot.smes if sme.organisation.id == uuid.UUID(int=10))
    assert first.available_slots == [0, 2]  # deduplicated and sorted
    assert first.max_meetings == 2  # default 3, but only two slots
    assert [c.position for c in first.contacts] == [0, 1, 2]
    assert [b.tables for b in snapshot.buyers] == [1, 1, 1]
    assert [w.rank for w in first.wanted_needs] == [1, 2]
    assert [c.organisation_id for c in snapshot.cancelled] == [uuid.UUID(int=30)]
    assert [t.kind for t in snapshot.thresholds] == ["a", "b", "z"]


@pytest.mark.parametrize("kind", ["sme", "buyer"])
def test_registrations_cancelled_before_publication_are_left_out(kind):
    rows = sample_rows()
    rows.registrations.append(_registration(40, kind, status="cancelled", cancelled_at=GENERATED))
    snapshot = build_snapshot(rows, GENERATED)
    assert uuid.UUID(int=40) not in {c.organisation_id for c in snapshot.cancelled}
    assert build_snapshot(sample_rows(), GENERATED).content_hash == snapshot.content_hash


async def test_snapshot_of_a_full_size_event(registry, db, organiser_token):
    """500 SMEs and 50 buyers with needs, interests and contacts: every one in the snapshot, set-based SQL."""
    event_id = await insert_event(db)
    await db.execute(
        """
        INSERT INTO registry.organisations (kind, name, municipality_code, cpv_codes)
        SELECT CASE WHEN n <= 50 THEN 'buyer' ELSE 'sme' END, 'Org ' || n, '2080', '{77314000}'
        FROM generate_series(1, 550) AS n;
        INSERT INTO registry.contacts (organisation_id, position, name, email)
        SELECT id, 0, 'Kontakt', 'k@example.se' FROM registry.organisations;
        INSERT INTO registry.needs (buyer_id, title, cpv_main)
        SELECT o.id, 'Behov ' || k, '77314000'
        FROM registry.organisations AS o, generate_series(1, 4) AS k WHERE o.kind = 'buyer';
        """
    )
    await db.execute(
        """
        INSERT INTO registry.registrations (event_id, organisation_id, kind, tables)
        SELECT $1, id, kind, CASE WHEN kind = 'buyer' THEN 2 END FROM registry.organisations
        """,
        event_id,
    )
    await db.execute(
        """
        INSERT INTO registry.registration_needs (registration_id, need_id, rank)
        SELECT r.id, n.id, NULL
        FROM registry.registrations AS r JOIN registry.needs AS n ON n.buyer_id = r.organisation_id;
        INSERT INTO registry.registration_needs (registration_id, need_id, rank)
        SELECT r.id, n.id, row_number() OVER (PARTITION BY r.id ORDER BY n.id)
        FROM registry.registrations AS r
        CROSS JOIN LATERAL (SELECT id FROM registry.needs ORDER BY md5(id::text || r.id::text) LIMIT 3) AS n
        WHERE r.kind = 'sme';
        """
    )
    response = await get_snapshot(registry, organiser_token, event_id)
    assert response.status == 200
    snapshot = EventSnapshot.model_validate(await response.json())
    assert (len(snapshot.smes), len(snapshot.buyers), len(snapshot.needs)) == (500, 50, 200)
    assert all(len(sme.wanted_needs) == 3 and len(sme.contacts) == 1 for sme in snapshot.smes)
    assert all(len(buyer.brought_need_ids) == 4 for buyer in snapshot.buyers)
    assert snapshot.hash_matches()


# --- the fast encoding is the contract's encoding ---

_JSON_TEXT = st.text(alphabet=st.characters(codec="utf-8"))
_FREE_FORM = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | _JSON_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_JSON_TEXT, inner, max_size=4),
    max_leaves=12,
)


@settings(max_examples=60, deadline=None)
@given(
    title=_JSON_TEXT,
    lot=st.dictionaries(_JSON_TEXT, _FREE_FORM, max_size=4),
    representative=st.dictionaries(_JSON_TEXT, _FREE_FORM, max_size=4),
)
def test_fast_canonical_bytes_equal_the_contract_encoding(title, lot, representative):
    """Any text (control characters, quotes, non-ASCII) and any free-form JSON (floats too) in the
    rows: the body parses into the contract's model, and its hash is the contract's hash of it."""
    rows = sample_rows()
    rows.needs[0]["title"] = title
    rows.needs[0]["lots"] = [lot]
    rows.registrations[-2]["representatives"] = [representative]  # a buyer
    document = build_document(rows, GENERATED)
    body = json.loads(document.body)
    assert document.canonical == canonical_bytes(body)
    snapshot = EventSnapshot.model_validate_json(document.body)
    assert snapshot.model_dump(mode="json") == body
    assert snapshot.hash_matches() and snapshot.content_hash == document.content_hash
    assert snapshot.needs[0].title == title and snapshot.needs[0].lots == [lot]


def test_body_is_the_canonical_json_with_hash_and_time_in_front():
    document = build_document(sample_rows(), GENERATED)
    assert document.body.startswith(b'{"content_hash":"' + document.content_hash.encode())
    body = json.loads(document.body)
    assert body["generated_at"] == "2025-09-01T00:00:00Z"
    assert {k: v for k, v in body.items() if k not in ("content_hash", "generated_at")} == json.loads(
        document.canonical
    )

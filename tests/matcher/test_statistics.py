"""The statistics across events (issue 14) on the real matcher and registry, real PostgreSQL: two published
events a year apart, day marks, feedback, a follow-up bid, support hours, and OCDS releases imported into the
registry (a tender, an award naming a firm that met the buyer about the need and one naming a firm that did
not) that reach the matcher through its change feed. Each figure and each filter is read back from
``GET /statistics``, the CSV parsed with csv and the spreadsheet with openpyxl."""

from __future__ import annotations

import copy
import csv
import datetime as dt
import io
import json
import uuid

import aiohttp
import asyncpg
import openpyxl
import pytest

from services.matcher.engine.examples import example_snapshot
from services.matcher.privacy.feed import sync_feed
from services.matcher.registry_client import RegistryClient
from services.matcher.statistics.exports import FIGURE_KEYS
from services.matcher.statistics.model import StatisticsReport
from services.matcher.statistics.outcomes import outcome_of
from services.registry.ocds import EXAMPLE_RELEASE
from shared.auth import Role
from shared.db import init_connection
from tests.conftest import bearer
from tests.matcher.test_agenda_routes import publish
from tests.matcher.test_feedback import clock
from tests.matcher.test_onsite_day import day_matcher
from tests.test_procurement import FALUN_ORGNR, SUPPLIER_ORGNR, award_release, package, tender_release

__all__ = ["clock", "day_matcher"]  # fixtures

NOW = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
ZEROS = {"did_not_take_place": 0, "no_further_interest": 0, "will_follow_up": 0, "will_bid_or_buy": 0}


async def store(db, event_id, name: str, day: str, smes: dict, buyers: dict, needs: dict, meetings, number: int):
    """A version of an event as the job worker stores it, from the example snapshot with these parties.

    ``smes``: id → municipality; ``buyers``: id → name; ``needs``: id → (buyer, cpv); ``meetings``: (sme, buyer,
    need or None).
    """
    document = example_snapshot().model_dump(mode="json")
    document["event"].update(id=str(event_id), name=name, date=day)
    sme, buyer, need = document["smes"][0], document["buyers"][0], document["needs"][0]
    document["smes"] = [
        dict(copy.deepcopy(sme), organisation=dict(sme["organisation"], id=str(org), municipality_code=code))
        for org, code in smes.items()
    ]
    document["buyers"] = [
        dict(copy.deepcopy(buyer), organisation=dict(buyer["organisation"], id=str(org), name=label))
        for org, label in buyers.items()
    ]
    document["needs"] = [
        dict(copy.deepcopy(need), id=str(n), buyer_id=str(owner), cpv_main=cpv) for n, (owner, cpv) in needs.items()
    ]
    version = await db.fetchval(
        "INSERT INTO matcher.schedule_versions (event_id, number, snapshot_hash, snapshot) "
        "VALUES ($1, $2, $3, $4::text::jsonb) RETURNING id",
        event_id, number, "0" * 64, json.dumps(document),
    )  # fmt: skip
    await db.executemany(
        "INSERT INTO matcher.schedule_meetings (version_id, sme_id, buyer_id, slot, table_index, relevance, "
        "explanation) VALUES ($1, $2, $3, $4, 0, 0.5, $5::text::jsonb)",
        [(version, s, b, slot, '{"need_id": %s}' % (f'"{n}"' if n else "null")) for slot, (s, b, n) in
         enumerate(meetings)],
    )  # fmt: skip
    await publish(db, event_id, number)


async def mark(db, event_id, sme, buyer, status: str) -> None:
    await db.execute(
        "INSERT INTO matcher.meeting_status (event_id, sme_id, buyer_id, status, marked_at) "
        "VALUES ($1, $2, $3, $4, $5)",
        event_id, sme, buyer, status, NOW,
    )  # fmt: skip


@pytest.fixture
async def pool(db_url: str):
    created = await asyncpg.create_pool(db_url, min_size=1, max_size=4, init=init_connection)
    yield created
    await created.close()


@pytest.fixture
async def world(registry, day_matcher, db, make_org, make_token, clock):
    """E1 (2025-10-07): a–X about N (held), b–X about N (b absent), a–Y about M, c–Y (cancelled on the day).
    E2 (2026-03-12): version 1 had b–X too, version 2 (published) a–X and d–X about N. a and c are in Falun
    (2080), b in Borlänge (2081), d in Falun. N is X's (cleaning, division 90) and is advertised on
    2026-04-01 and awarded to a and (a second award) to c; M is Y's (construction, 45)."""
    clock.set(NOW)
    falun = await make_org("buyer", name="Falu kommun", orgnr=FALUN_ORGNR, buyer_category="municipality")
    region = await make_org("buyer", name="Region Dalarna", buyer_category="region")
    firms = {"a": await make_org("sme", name="Snö & Is AB", orgnr=SUPPLIER_ORGNR)}
    for name in "bcd":
        firms[name] = await make_org("sme", name=f"Firma {name}")
    a, b, c, d = (firms[n] for n in "abcd")
    falun_token = await make_token(Role.BUYER, falun)
    imported = await registry.post("/needs/import/ocds", json=package(EXAMPLE_RELEASE), headers=bearer(falun_token))
    assert imported.status == 200, await imported.text()
    need_n = uuid.UUID((await imported.json())["needs"][0])
    need_m = uuid.uuid4()
    needs = {need_n: (falun, "90910000"), need_m: (region, "45000000")}
    buyers = {falun: "Falu kommun", region: "Region Dalarna"}
    e1, e2 = uuid.uuid4(), uuid.uuid4()
    await store(db, e1, "Affärsträff 2025", "2025-10-07", {a: "2080", b: "2081", c: "2080"}, buyers, needs,
                [(a, falun, need_n), (b, falun, need_n), (a, region, need_m), (c, region, None)], 1)  # fmt: skip
    await mark(db, e1, a, falun, "held")
    await mark(db, e1, b, falun, "no_show_sme")
    await mark(db, e1, c, region, "cancelled_day")
    e2_smes = {a: "2080", b: "2081", d: "2080"}
    await store(db, e2, "Affärsträff 2026", "2026-03-12", e2_smes, {falun: "Falu kommun"}, needs,
                [(a, falun, need_n), (b, falun, need_n), (d, falun, need_n)], 1)  # fmt: skip
    await store(db, e2, "Affärsträff 2026", "2026-03-12", e2_smes, {falun: "Falu kommun"}, needs,
                [(a, falun, need_n), (d, falun, need_n)], 2)  # fmt: skip
    # Feedback at E1: five asked, a and X answered; a's follow-up says it bid for N.
    for org, side, answered in ((a, "sme", True), (b, "sme", False), (c, "sme", False), (falun, "buyer", True),
                                (region, "buyer", False)):  # fmt: skip
        await db.execute(
            "INSERT INTO matcher.feedback_requests (event_id, kind, organisation_id, side, sent_at, answered_at) "
            "VALUES ($1, 'after_day', $2, $3, $4, $5)",
            e1, org, side, NOW, NOW if answered else None,
        )  # fmt: skip
    for by, rating in ((a, "will_bid_or_buy"), (falun, "will_follow_up")):
        await db.execute(
            "INSERT INTO matcher.feedback_answers (event_id, sme_id, buyer_id, organisation_id, rating, answered_at, "
            "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)",
            e1, a, falun, by, rating, NOW,
        )  # fmt: skip
    await db.execute(
        "INSERT INTO matcher.follow_up_answers (event_id, organisation_id, need_id, buyer_id, side, bid, awarded, "
        "answered_at, updated_at) VALUES ($1, $2, $3, $4, 'sme', 'yes', 'pending', $5, $5)",
        e1, a, need_n, falun, NOW,
    )  # fmt: skip
    # Support at E1: a was given 2.5 + 1.5 hours, b asked and waits.
    for org, hours in ((a, (2.5, 1.5)), (b, ())):
        request_id = await db.fetchval(
            "INSERT INTO matcher.support_requests (event_id, organisation_id, source, status, adviser_account_id, "
            "allowance_hours, requested_at, updated_at) VALUES ($1, $2, 'feedback', $3, $4, 10, $5, $5) RETURNING id",
            e1, org, "assigned" if hours else "requested", uuid.uuid4() if hours else None, NOW,
        )  # fmt: skip
        for h in hours:
            await db.execute(
                "INSERT INTO matcher.support_hours (request_id, adviser_account_id, worked_on, hours, recorded_at) "
                "VALUES ($1, $2, '2025-11-01', $3, $4)",
                request_id, uuid.uuid4(), h, NOW,
            )  # fmt: skip
    organiser = await make_token(Role.ORGANISER, label="statistics organiser")
    return {"falun": falun, "region": region, "firms": firms, "need_n": need_n, "need_m": need_m, "e1": e1,
            "e2": e2, "falun_token": falun_token, "organiser": organiser}  # fmt: skip


def award_to_firm_c(orgnr: str) -> dict:
    """A second award of N, to firm c (which never met Falun about N)."""
    release = copy.deepcopy(award_release("2026-06-12T10:00:00+02:00"))
    release["id"] += "-c"
    party = f"SE-BLV-{orgnr.replace('-', '')}"
    release["parties"].append({"id": party, "name": "Firma c", "identifier": {"scheme": "SE-BLV", "id": orgnr},
                               "roles": ["supplier"]})  # fmt: skip
    release["awards"] = [{"id": "award-c", "status": "active", "date": "2026-06-11T00:00:00+02:00",
                          "value": {"amount": 300000, "currency": "SEK"}, "suppliers": [{"id": party}]}]  # fmt: skip
    return release


async def read_feed(pool, matcher_settings, registry, service_token) -> None:
    async with aiohttp.ClientSession() as session:
        client = RegistryClient(session, str(registry.make_url("")), service_token, tries=1)
        await sync_feed(pool, matcher_settings, client)


async def statistics(matcher, token: str, **query: str) -> StatisticsReport:
    response = await matcher.get("/statistics", params=query, headers=bearer(token))
    assert response.status == 200, await response.text()
    return StatisticsReport.model_validate(await response.json())


async def test_the_statistics_count_each_figure_and_credit_the_award_to_the_firm_that_met_the_buyer(
    registry, day_matcher, world, db, pool, matcher_settings, service_token
):
    w = world
    c_orgnr = await db.fetchval("SELECT orgnr FROM registry.organisations WHERE id = $1", w["firms"]["c"])
    for release in (tender_release(), award_release(), award_to_firm_c(c_orgnr)):
        imported = await registry.post("/needs/import/ocds", json=package(release), headers=bearer(w["falun_token"]))
        assert imported.status == 200, await imported.text()
    await read_feed(pool, matcher_settings, registry, service_token)
    await db.execute("UPDATE matcher.registry_feed SET last_id = 0")  # read again: the same mirror
    await read_feed(pool, matcher_settings, registry, service_token)
    awards = await db.fetch("SELECT award_id, organisation_id, value_sek FROM matcher.need_outcome_awards")
    assert sorted((r["award_id"], r["organisation_id"], r["value_sek"]) for r in awards) == [
        ("award-1", w["firms"]["a"], 1150000),
        ("award-c", w["firms"]["c"], 300000),
    ]

    report = await statistics(day_matcher, w["organiser"])
    t = report.totals
    assert (t.events, t.firms_reached, t.first_time_firms, t.buyers) == (2, 4, 4, 2)
    # E1's four meetings and E2's two (version 1's b–X was re-planned away before the day).
    assert (t.meetings_planned, t.meetings_held, t.no_shows, t.no_show_rate) == (6, 4, 1, pytest.approx(1 / 6))
    assert (t.feedback_asked, t.feedback_answered, t.feedback_response_rate) == (5, 2, pytest.approx(0.4))
    assert t.ratings == {**ZEROS, "will_follow_up": 1, "will_bid_or_buy": 1}
    assert (t.needs_discussed, t.tenders_followed, t.tenders_with_met_bidders) == (2, 1, 1)
    assert (t.awards_to_met_firms, t.awarded_value_sek) == (1, 1150000)  # c's award: c never met Falun about N
    assert (t.support_requests, t.support_hours, t.firms_helped) == (2, 4.0, 1)
    [first, second] = report.per_event
    assert (first.event_id, first.name, first.date) == (w["e1"], "Affärsträff 2025", dt.date(2025, 10, 7))
    assert (first.figures.meetings_planned, first.figures.first_time_firms, first.figures.awards_to_met_firms) == (
        4, 3, 1)  # fmt: skip
    assert (second.figures.firms_reached, second.figures.first_time_firms, second.figures.meetings_held) == (2, 1, 2)
    assert [(y.year, y.figures.events, y.figures.first_time_firms) for y in report.per_year] == [
        (2025, 1, 3),
        (2026, 1, 1),
    ]
    assert report.choices.years == [2025, 2026]
    assert [(m.value, m.label) for m in report.choices.municipalities] == [("2080", "Falun"), ("2081", "Borlänge")]
    assert [b.label for b in report.choices.buyers] == ["Falu kommun", "Region Dalarna"]
    assert [d.value for d in report.choices.cpv_divisions] == ["45", "90"]

    by_year = (await statistics(day_matcher, w["organiser"], year="2025")).totals
    assert (by_year.events, by_year.meetings_planned, by_year.firms_reached, by_year.first_time_firms) == (1, 4, 3, 3)
    borlange = (await statistics(day_matcher, w["organiser"], municipality="2081")).totals
    assert (borlange.events, borlange.meetings_planned, borlange.no_shows, borlange.firms_reached) == (1, 1, 1, 1)
    assert (borlange.feedback_asked, borlange.support_requests, borlange.awards_to_met_firms) == (2, 1, 0)
    region = (await statistics(day_matcher, w["organiser"], buyer=str(w["region"]))).totals
    assert (region.meetings_planned, region.meetings_held, region.firms_reached, region.buyers) == (2, 1, 2, 1)
    assert (region.needs_discussed, region.tenders_followed, region.awards_to_met_firms) == (1, 0, 0)
    cleaning = await statistics(day_matcher, w["organiser"], cpv_division="90")
    assert (cleaning.totals.meetings_planned, cleaning.totals.awards_to_met_firms) == (4, 1)
    assert cleaning.filters.cpv_division == "90"

    bad = await day_matcher.get(
        "/statistics", params={"municipality": "20", "buyer": "x"}, headers=bearer(w["organiser"])
    )
    assert bad.status == 422 and bad.content_type == "application/problem+json"
    assert {e["parameter"] for e in (await bad.json())["errors"]} == {"municipality", "buyer"}


async def test_the_exports_carry_the_same_figures_as_numbers_and_dates(day_matcher, world, db):
    token = world["organiser"]
    report = await statistics(day_matcher, token)
    response = await day_matcher.get("/statistics.csv", params={"year": "2025"}, headers=bearer(token))
    assert response.status == 200 and response.content_type == "text/csv"
    assert response.headers["Content-Disposition"] == 'attachment; filename="statistik-affarstraffar-2025.csv"'
    table = list(csv.DictReader(io.StringIO((await response.read()).decode("utf-8-sig"))))
    assert [row["Affärsträff [name]"] for row in table] == ["Affärsträff 2025", "Totalt"]
    assert table[0]["Datum [date]"] == "2025-10-07" and table[0]["Planerade möten [meetings_planned]"] == "4"
    assert table[-1]["Andel uteblivna [no_show_rate]"] == str(0.25)

    response = await day_matcher.get("/statistics.xlsx", headers=bearer(token))
    assert response.status == 200
    assert response.headers["Content-Disposition"] == 'attachment; filename="statistik-affarstraffar.xlsx"'
    book = openpyxl.load_workbook(io.BytesIO(await response.read()))
    sheet = book["Affärsträffar"]
    heads = [cell.value for cell in sheet[1]]
    keys = [head.rsplit("[", 1)[1].rstrip("]") for head in heads]
    assert keys == ["event_id", "name", "date", *FIGURE_KEYS]
    rows = [dict(zip(keys, (cell.value for cell in line), strict=True)) for line in sheet.iter_rows(min_row=2)]
    assert [r["name"] for r in rows] == ["Affärsträff 2025", "Affärsträff 2026", "Totalt"]
    assert rows[0]["date"] == dt.datetime(2025, 10, 7) and rows[-1]["date"] is None
    assert rows[-1]["meetings_planned"] == report.totals.meetings_planned == 6
    assert rows[-1]["ratings.will_bid_or_buy"] == 1 and rows[-1]["support_hours"] == 4.0
    years = list(book["Per år"].iter_rows(min_row=2, values_only=True))
    assert [line[0] for line in years] == [2025, 2026]


async def test_the_facts_follow_an_erasure_a_publish_a_mark_a_rating_and_a_cancellation(db, world):
    names = "SELECT DISTINCT name FROM matcher.stat_participants WHERE organisation_id = $1"
    assert [r["name"] for r in await db.fetch(names, world["region"])] == ["Region Dalarna"]
    await db.execute(
        "UPDATE matcher.schedule_versions SET snapshot = jsonb_set(snapshot, '{buyers,1,organisation,name}', "
        "'\"Borttagen organisation\"') WHERE event_id = $1 AND status = 'published'",
        world["e1"],
    )
    assert [r["name"] for r in await db.fetch(names, world["region"])] == ["Borttagen organisation"]
    assert await db.fetchval("SELECT number FROM matcher.stat_events WHERE event_id = $1", world["e2"]) == 2
    # A day mark undone, a rating withdrawn: the facts follow (triggers on meeting_status, feedback_answers).
    a, b, falun = world["firms"]["a"], world["firms"]["b"], world["falun"]
    await db.execute("DELETE FROM matcher.meeting_status WHERE event_id = $1 AND sme_id = $2", world["e1"], b)
    await db.execute(
        "DELETE FROM matcher.feedback_answers WHERE event_id = $1 AND organisation_id = $2", world["e1"], a
    )
    facts = "SELECT status, sme_rating, buyer_rating FROM matcher.stat_meetings WHERE event_id = $1 AND sme_id = $2"
    assert tuple(await db.fetchrow(facts, world["e1"], b)) == (None, None, None)
    assert await db.fetchval(facts + " AND buyer_id = $3", world["e1"], a, falun) == "held"
    assert tuple(await db.fetchrow(facts + " AND buyer_id = $3", world["e1"], a, falun))[1:] == (None, "will_follow_up")
    # A cancellation after publication takes the firm's unmarked meetings off; its withdrawal puts them back.
    d, cancelled = (
        world["firms"]["d"],
        "SELECT cancelled FROM matcher.stat_meetings WHERE event_id = $1 AND sme_id = $2",
    )
    await db.execute(
        "INSERT INTO matcher.cancellations (event_id, organisation_id, up_to_version, cancelled_at) "
        "VALUES ($1, $2, 2, $3)",
        world["e2"], d, NOW,
    )  # fmt: skip
    assert await db.fetchval(cancelled, world["e2"], d) is True
    await db.execute("DELETE FROM matcher.cancellations WHERE organisation_id = $1", d)
    assert await db.fetchval(cancelled, world["e2"], d) is False


def test_the_mirror_reads_the_tender_start_and_the_registered_suppliers_only():
    firm = uuid.uuid4()
    procurement = {
        "stage": "awarded",
        "tender_period": {"start": "2026-03-31T22:00:00Z", "end": None},
        "awards": [{"id": "a", "status": "active", "date": None, "value_sek": None,
                    "suppliers": [{"orgnr": "556036-0793", "organisation_id": str(firm)}, {"orgnr": "x"}]}],
    }  # fmt: skip
    seen = outcome_of(procurement, "awarded", NOW)
    assert seen.tender_at == dt.datetime(2026, 3, 31, 22, tzinfo=dt.UTC)
    assert [(a.award_id, a.organisation_id, a.value_sek) for a in seen.awards] == [("a", firm, None)]
    assert outcome_of({}, "awarded", NOW).tender_at is None  # a direct award: no tender advertised

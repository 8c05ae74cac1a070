"""Needs follow their procurement: OCDS tender, award and contract releases move a need's stage (pure
folding with property tests, and the import route on the real app and database), each move is in the
change feed, and the need's JSON shows it."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.registry.ocds import EXAMPLE_RELEASE, OcdsInvalid
from services.registry.procurement import (
    EXAMPLE_AWARD_RELEASE,
    STAGE_RANK,
    Award,
    Contract,
    ProcurementState,
    ReleaseFacts,
    Tender,
    merge,
    release_facts,
)
from shared.auth import Role
from tests.conftest import bearer

FALUN_ORGNR = "212000-2080"
OCID = EXAMPLE_RELEASE["ocid"]
SUPPLIER_ORGNR = "556036-0793"


def tender_release(date: str = "2026-04-01T08:00:00+02:00", **tender: object) -> dict:
    document = copy.deepcopy(EXAMPLE_RELEASE)
    document.update(tag=["tender"], date=date, id=f"{OCID}-tender-{date}")
    period = {"startDate": "2026-04-01T00:00:00+02:00", "endDate": "2026-05-04T23:59:59+02:00"}
    document["tender"].update({"status": "active", "tenderPeriod": period, **tender})
    return document


def award_release(date: str = "2026-06-10T10:00:00+02:00", status: str = "active") -> dict:
    document = copy.deepcopy(EXAMPLE_AWARD_RELEASE)
    document.update(date=date, id=f"{OCID}-award-{date}")
    document["awards"][0]["status"] = status
    return document


def contract_release(date: str = "2026-07-01T10:00:00+02:00") -> dict:
    document = copy.deepcopy(EXAMPLE_AWARD_RELEASE)
    document.update(tag=["contract"], date=date, id=f"{OCID}-contract-{date}")
    del document["awards"]
    document["contracts"] = [
        {
            "id": "contract-1",
            "awardID": "award-1",
            "status": "active",
            "dateSigned": "2026-06-30T12:00:00+02:00",
            "period": {"startDate": "2026-10-01T00:00:00+02:00", "endDate": "2028-04-30T23:59:59+02:00"},
            "value": {"amount": 1150000, "currency": "SEK"},
        }
    ]
    return document


def package(*releases: dict) -> dict:
    return {"uri": "https://example.org/p.json", "version": "1.1", "releases": list(releases)}


# --- pure folding ---------------------------------------------------------------------------------------


def test_the_lifecycle_moves_the_stage_along():
    state = ProcurementState()
    stages = []
    for document in (EXAMPLE_RELEASE, tender_release(), award_release(), contract_release()):
        state = merge(state, release_facts(document))
        stages.append(state.stage)
    assert stages == ["planned", "tender", "awarded", "contract"]
    assert state.tender.end == datetime(2026, 5, 4, 21, 59, 59, tzinfo=UTC)
    award = state.awards["award-1"]
    assert (award.value_sek, [s.orgnr for s in award.suppliers]) == (1150000, [SUPPLIER_ORGNR])
    assert state.contracts["contract-1"].period_start == datetime(2026, 9, 30, 22, tzinfo=UTC)


def test_cancelled_and_unsuccessful_as_ocds_says():
    advertised = merge(ProcurementState(), release_facts(tender_release()))
    cancelled = merge(advertised, release_facts(tender_release("2026-04-20T08:00:00+02:00", status="cancelled")))
    assert cancelled.stage == "cancelled"
    failed = merge(advertised, release_facts(award_release(status="unsuccessful")))
    assert failed.stage == "tender"  # an unsuccessful award alone is not an award
    failed = merge(failed, release_facts(tender_release("2026-06-11T08:00:00+02:00", status="unsuccessful")))
    assert failed.stage == "unsuccessful"


def test_an_older_release_does_not_move_the_stage_back():
    state = ProcurementState()
    for document in (tender_release(), award_release(), contract_release()):
        state = merge(state, release_facts(document))
    # The tender release again, and an older award release saying the award was still pending.
    again = merge(merge(state, release_facts(tender_release())), release_facts(award_release("2026-06-01T00:00Z")))
    assert again == state
    # A newer release may: the award withdrawn, and no contract.
    fresh = merge(ProcurementState(), release_facts(award_release()))
    assert merge(fresh, release_facts(award_release("2026-08-01T00:00Z", status="cancelled"))).stage == "planned"


def test_release_errors_point_into_the_document():
    document = award_release()
    document["awards"][0]["value"]["currency"] = "EUR"
    document["parties"][1]["identifier"]["id"] = "556036-0794"  # check digit wrong
    document["awards"].append({"id": "award-1", "status": "granted"})
    with pytest.raises(OcdsInvalid) as caught:
        release_facts(document, "/releases/2")
    assert {(e.pointer, e.code) for e in caught.value.errors} == {
        ("/releases/2/awards/0/value/currency", "unsupported_currency"),
        ("/releases/2/parties/1/identifier/id", "invalid_orgnr"),
        ("/releases/2/awards/1/status", "unsupported_status"),
        ("/releases/2/awards/1/id", "duplicate"),
    }


BASE = datetime(2026, 1, 1, tzinfo=UTC)
facts_strategy = st.builds(
    lambda day, tender, awards, contracts: ReleaseFacts(
        pointer="",
        ocid="o",
        date=BASE + timedelta(days=day),
        tender=tender,
        awards=tuple(Award(a, s, release_date=BASE + timedelta(days=day)) for a, s in awards),
        contracts=tuple(Contract(c, s, release_date=BASE + timedelta(days=day)) for c, s in contracts),
    ),
    st.integers(0, 400),
    st.none()
    | st.builds(Tender, st.sampled_from([None, "planned", "active", "cancelled", "unsuccessful"]), st.booleans()),
    st.dictionaries(st.sampled_from(["a1", "a2"]), st.sampled_from(["pending", "active", "cancelled"])).map(
        lambda d: list(d.items())
    ),
    st.dictionaries(st.sampled_from(["c1"]), st.sampled_from(["pending", "active", "terminated"])).map(
        lambda d: list(d.items())
    ),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(facts_strategy, max_size=6), facts_strategy)
def test_folding_is_idempotent_and_an_older_release_never_lowers_the_stage(history, release):
    state = ProcurementState()
    for facts in history:
        state = merge(state, facts)
    once = merge(state, release)
    assert merge(once, release) == once  # the same release twice: no change the second time
    if release.date < state.stage_date:
        assert STAGE_RANK[once.stage] >= STAGE_RANK[state.stage]


@settings(max_examples=200, deadline=None)
@given(st.lists(facts_strategy, max_size=5, unique_by=lambda f: f.date), st.randoms(use_true_random=False))
def test_the_pieces_do_not_depend_on_the_order_releases_arrive_in(history, random):
    def fold(releases):
        state = ProcurementState()
        for facts in releases:
            state = merge(state, facts)
        return state.tender if state.tender_date else None, dict(state.awards), dict(state.contracts)

    shuffled = list(history)
    random.shuffle(shuffled)
    assert fold(shuffled) == fold(sorted(history, key=lambda f: f.date))


# --- the import route -----------------------------------------------------------------------------------


@pytest.fixture
async def falun(make_org, make_token):
    org = await make_org("buyer", name="Falu kommun", orgnr=FALUN_ORGNR, buyer_category="municipality")
    return org, await make_token(Role.BUYER, org)


async def import_(registry, token: str, document: object):
    return await registry.post("/needs/import/ocds", json=document, headers=bearer(token))


async def counts(db) -> tuple[int, int, int]:
    return (
        await db.fetchval("SELECT count(*) FROM registry.audit_log"),
        await db.fetchval("SELECT count(*) FROM registry.changes"),
        await db.fetchval("SELECT version FROM registry.needs WHERE ocid = $1", OCID),
    )


async def test_a_need_follows_its_releases_and_the_feed_tells_each_move(registry, falun, db, service_token):
    _, token = falun
    response = await import_(registry, token, EXAMPLE_RELEASE)
    assert response.status == 200, await response.text()
    [need_id] = (await response.json())["needs"]
    need = await (await registry.get(f"/needs/{need_id}", headers=bearer(token))).json()
    assert need["procurement"]["stage"] == "planned" and need["procurement"]["awards"] == []
    assert await db.fetchval("SELECT count(*) FROM registry.changes") == 0

    for document, stage in (
        (tender_release(), "tender"),
        (award_release(), "awarded"),
        (contract_release(), "contract"),
    ):
        response = await import_(registry, token, package(document))
        assert response.status == 200, await response.text()
        assert (await response.json())["needs"] == [need_id]
        need = await (await registry.get(f"/needs/{need_id}", headers=bearer(token))).json()
        assert need["procurement"]["stage"] == stage
    procurement = need["procurement"]
    assert procurement["tender_period"] == {"start": "2026-03-31T22:00:00Z", "end": "2026-05-04T21:59:59Z"}
    assert procurement["awards"] == [
        {"id": "award-1", "status": "active", "date": "2026-06-08T22:00:00Z", "value_sek": 1150000,
         "suppliers": [{"orgnr": SUPPLIER_ORGNR, "name": "Snö & Is AB", "organisation_id": None}]}
    ]  # fmt: skip
    [contract] = procurement["contracts"]
    assert (contract["award_id"], contract["status"], contract["value_sek"]) == ("award-1", "active", 1150000)
    assert need["status"] == "published"  # the need's own status is its own: the tender release set it

    feed = await (await registry.get("/changes", headers=bearer(service_token))).json()
    assert [(c["kind"], c["need_id"], c["stage"]) for c in feed["items"]] == [
        ("need.stage", need_id, "tender"),
        ("need.stage", need_id, "awarded"),
        ("need.stage", need_id, "contract"),
    ]
    assert {c["organisation_id"] for c in feed["items"]} == {str(falun[0])}
    assert set(feed["items"][0]) == {"id", "kind", "organisation_id", "event_id", "at", "need_id", "stage"}


async def test_the_same_package_twice_changes_nothing_the_second_time(registry, falun, db):
    _, token = falun
    assert (await import_(registry, token, EXAMPLE_RELEASE)).status == 200
    lifecycle = package(tender_release(), award_release(), contract_release())
    lifecycle["releases"][0]["tag"] = ["tenderUpdate"]
    del lifecycle["releases"][0]["tender"]["items"]  # an update need not repeat the items: it still needs them
    assert (await import_(registry, token, lifecycle)).status == 422
    lifecycle["releases"][0] = tender_release()
    first = await import_(registry, token, lifecycle)
    assert first.status == 200, await first.text()
    before = await counts(db)
    only_later = package(award_release(), contract_release())
    assert (await import_(registry, token, only_later)).status == 200
    assert await counts(db) == before  # award and contract again: no audit entry, no feed entry, same version
    # The whole package again: what the importer always did for the tender release (its need rewritten and
    # audited once), nothing more.
    assert (await import_(registry, token, lifecycle)).status == 200
    audit, changes, version = await counts(db)
    assert (audit, changes, version) == (before[0] + 1, before[1], before[2] + 1)
    # An older tender release after the contract does not move the stage back.
    assert (await import_(registry, token, tender_release("2026-03-01T08:00:00+01:00"))).status == 200
    assert await db.fetchval("SELECT stage FROM registry.need_procurement") == "contract"
    assert await db.fetchval("SELECT count(*) FROM registry.changes") == changes


async def test_an_award_for_an_unknown_ocid_or_in_euro_is_422_and_stores_nothing(registry, falun, db):
    _, token = falun
    response = await import_(registry, token, award_release())
    assert response.status == 422
    assert [(e["pointer"], e["code"]) for e in (await response.json())["errors"]] == [("/ocid", "unknown_ocid")]
    euro = award_release()
    euro["ocid"] = "ocds-example-falun-2026-002"
    euro["awards"][0]["value"]["currency"] = "EUR"
    response = await import_(registry, token, package(EXAMPLE_RELEASE, award_release(), euro))
    assert response.status == 422
    assert {(e["pointer"], e["code"]) for e in (await response.json())["errors"]} == {
        ("/releases/2/awards/0/value/currency", "unsupported_currency")
    }
    del euro["awards"][0]["value"]
    response = await import_(registry, token, package(EXAMPLE_RELEASE, award_release(), euro))
    assert [(e["pointer"], e["code"]) for e in (await response.json())["errors"]] == [
        ("/releases/2/ocid", "unknown_ocid")
    ]
    for table in ("needs", "need_procurement", "need_awards", "need_award_suppliers", "changes"):
        assert await db.fetchval(f"SELECT count(*) FROM registry.{table}") == 0  # noqa: S608
    # A planning release and its award in one package: the package creates the need it awards.
    response = await import_(registry, token, package(award_release(), EXAMPLE_RELEASE))
    assert response.status == 200, await response.text()
    assert await db.fetchval("SELECT stage FROM registry.need_procurement") == "awarded"


async def test_a_tender_cancelled_after_it_was_advertised(registry, falun, db):
    _, token = falun
    assert (await import_(registry, token, package(EXAMPLE_RELEASE, tender_release()))).status == 200
    cancelled = tender_release("2026-04-20T08:00:00+02:00", status="cancelled")
    response = await import_(registry, token, cancelled)
    assert response.status == 200, await response.text()
    row = await db.fetchrow(
        "SELECT n.status, p.stage FROM registry.needs n JOIN registry.need_procurement p ON p.need_id = n.id"
    )
    assert (row["status"], row["stage"]) == ("published", "cancelled")  # the status stays; the stage tells
    # A planning release may still not reopen a final status (as before).
    planning = copy.deepcopy(EXAMPLE_RELEASE)
    response = await import_(registry, token, planning)
    assert response.status == 422 and (await response.json())["errors"][0]["code"] == "status_final"


async def test_only_the_buyer_moves_its_needs(registry, falun, make_org, make_token, organiser_token, db):
    _, token = falun
    assert (await import_(registry, token, EXAMPLE_RELEASE)).status == 200
    other = await make_org("buyer", name="Borlänge kommun", orgnr="212000-2098", buyer_category="municipality")
    other_token = await make_token(Role.BUYER, other)
    response = await import_(registry, other_token, award_release())
    assert response.status == 422
    assert (await response.json())["errors"][0]["code"] == "not_your_organisation"
    hijack = award_release()
    hijack["parties"][0]["identifier"]["id"] = "212000-2098"
    response = await import_(registry, other_token, hijack)
    assert [(e["pointer"], e["code"]) for e in (await response.json())["errors"]] == [
        ("/ocid", "ocid_of_another_buyer")
    ]
    # Nor in one package: a new process's award by another buyer than its planning release's.
    second = dict(EXAMPLE_RELEASE, ocid="ocds-example-falun-2026-002")
    hijack["ocid"] = second["ocid"]
    response = await import_(registry, organiser_token, package(second, hijack))
    assert [(e["pointer"], e["code"]) for e in (await response.json())["errors"]] == [
        ("/releases/1/ocid", "ocid_of_another_buyer")
    ]
    sme_token = await make_token(Role.SME, await make_org("sme"))
    assert (await import_(registry, sme_token, award_release())).status == 403
    assert await db.fetchval("SELECT count(*) FROM registry.need_awards") == 0

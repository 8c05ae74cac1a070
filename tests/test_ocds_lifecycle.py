"""The OCDS export writes a need's procurement (tender period, awards with SE-BLV suppliers, contracts, the
right tags), and importing that export where the need is not known gives back the same stage and awards."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from services.registry.need_models import AwardRead, AwardSupplier, ContractRead, ProcurementRead, TenderPeriod
from services.registry.ocds import EXAMPLE_RELEASE, release_to_fields, validate_release
from services.registry.ocds_export import need_to_release
from services.registry.procurement import ProcurementState, merge, release_facts
from shared.auth import Role
from tests.conftest import bearer
from tests.test_procurement import (
    FALUN_ORGNR,
    SUPPLIER_ORGNR,
    award_release,
    contract_release,
    package,
    tender_release,
)

BORLANGE_ORGNR = "212000-2098"


async def test_export_writes_the_procurement_and_imports_back_the_same(
    registry, make_org, make_token, organiser_token, db
):
    falun = await make_org("buyer", name="Falu kommun", orgnr=FALUN_ORGNR, buyer_category="municipality")
    borlange = await make_org("buyer", name="Borlänge kommun", orgnr=BORLANGE_ORGNR, buyer_category="municipality")
    falun_token, borlange_token = await make_token(Role.BUYER, falun), await make_token(Role.BUYER, borlange)
    planned_only = dict(EXAMPLE_RELEASE, ocid="ocds-example-falun-2026-009")
    document = package(EXAMPLE_RELEASE, tender_release(), award_release(), contract_release(), planned_only)
    response = await registry.post("/needs/import/ocds", json=document, headers=bearer(falun_token))
    assert response.status == 200, await response.text()

    exported = await (await registry.get("/needs/export/ocds", headers=bearer(falun_token))).json()
    by_ocid = {r["ocid"]: r for r in exported["releases"]}
    release = by_ocid[EXAMPLE_RELEASE["ocid"]]
    assert release["tag"] == ["tender", "award", "contract"]
    assert by_ocid["ocds-example-falun-2026-009"]["tag"] == ["planning"]
    assert release["tender"]["tenderPeriod"] == {"startDate": "2026-03-31T22:00:00+00:00",
                                                 "endDate": "2026-05-04T21:59:59+00:00"}  # fmt: skip
    [award] = release["awards"]
    assert award["value"] == {"amount": 1150000, "currency": "SEK"} and award["status"] == "active"
    supplier = next(p for p in release["parties"] if p["id"] == award["suppliers"][0]["id"])
    assert supplier["identifier"] == {"scheme": "SE-BLV", "id": SUPPLIER_ORGNR} and supplier["roles"] == ["supplier"]
    [contract] = release["contracts"]
    assert contract["awardID"] == "award-1" and contract["period"]["endDate"] == "2028-04-30T21:59:59+00:00"
    assert release_facts(release).awards[0].suppliers[0].orgnr == SUPPLIER_ORGNR  # our own reader reads it

    async def procurement() -> dict:
        needs = await (await registry.get("/needs", headers=bearer(organiser_token))).json()
        return {n["ocid"]: n["procurement"] for n in needs["items"]}

    before = await procurement()
    assert before[EXAMPLE_RELEASE["ocid"]]["stage"] == "contract"
    # Where the needs are not known (their rows and everything hanging off them gone), for another buyer.
    await db.execute("DELETE FROM registry.needs WHERE buyer_id = $1", falun)
    assert await db.fetchval("SELECT count(*) FROM registry.need_awards") == 0
    for entry in exported["releases"]:
        entry["parties"][0]["identifier"]["id"] = BORLANGE_ORGNR
    response = await registry.post("/needs/import/ocds", json=exported, headers=bearer(borlange_token))
    assert response.status == 200, await response.text()
    after = await procurement()
    assert after == before
    stages = {row["stage"] for row in await db.fetch("SELECT stage FROM registry.changes WHERE kind = 'need.stage'")}
    assert "contract" in stages


# --- the pure way there and back ----------------------------------------------------------------------

instants = st.datetimes(min_value=datetime(2025, 1, 1), max_value=datetime(2030, 12, 31), timezones=st.just(UTC)).map(
    lambda moment: moment.replace(microsecond=0)
)
# An organisation has one name (it is one party); a supplier without an org.nr may have any, or none.
NAMES = {SUPPLIER_ORGNR: "Snö & Is AB", FALUN_ORGNR: "Falu kommun"}
suppliers = st.sampled_from([SUPPLIER_ORGNR, FALUN_ORGNR]).map(
    lambda orgnr: AwardSupplier(orgnr=orgnr, name=NAMES[orgnr])
) | st.builds(AwardSupplier, orgnr=st.none(), name=st.sampled_from([None, "Åkeri i Dalarna"]))


@st.composite
def procurements(draw) -> ProcurementRead:
    awards = [
        AwardRead(id=award_id, status=draw(st.sampled_from(["pending", "active", "cancelled", "unsuccessful"])),
                  date=draw(st.none() | instants), value_sek=draw(st.none() | st.integers(0, 10**9)),
                  suppliers=draw(st.lists(suppliers, max_size=2, unique_by=lambda s: s.orgnr or "")))
        for award_id in draw(st.lists(st.sampled_from(["a1", "a2", "a3"]), unique=True, max_size=2))
    ]  # fmt: skip
    contracts = [
        ContractRead(id=contract_id, status=draw(st.sampled_from(["pending", "active", "cancelled", "terminated"])),
                     award_id=draw(st.none() | st.just("a1")), period_start=draw(st.none() | instants),
                     value_sek=draw(st.none() | st.integers(0, 10**9)), date_signed=draw(st.none() | instants))
        for contract_id in draw(st.lists(st.sampled_from(["c1", "c2"]), unique=True, max_size=2))
    ]  # fmt: skip
    start = draw(st.none() | instants)
    state = ProcurementRead(
        tender_status=draw(st.sampled_from([None, "complete", "unsuccessful", "cancelled"])),
        tender_published=draw(st.booleans()),
        tender_period=TenderPeriod(start=start, end=None if start is None else start + timedelta(days=30)),
        awards=awards,
        contracts=contracts,
    )
    return state


@settings(max_examples=150, deadline=None)
@given(procurements())
def test_procurement_to_release_and_back_keeps_the_awards_and_the_stage(procurement):
    need = validate_release(release_to_fields(EXAMPLE_RELEASE))
    need = need.model_copy(update={"status": "published"})  # the tender status when nothing later is known
    release = need_to_release(need, ocid=need.ocid, release_id="r", released_at=datetime(2031, 1, 1, tzinfo=UTC),
                              buyer_name="Falu kommun", buyer_orgnr=FALUN_ORGNR, procurement=procurement)  # fmt: skip
    state = merge(ProcurementState(), release_facts(release))

    def awards(items) -> list[tuple]:
        return [(a.id, a.status, a.date, a.value_sek, [(s.orgnr, s.name) for s in a.suppliers]) for a in items]

    def contracts(items) -> list[tuple]:
        return [(c.id, c.status, c.award_id, c.period_start, c.value_sek, c.date_signed) for c in items]

    assert awards(state.awards.values()) == awards(procurement.awards)
    assert contracts(state.contracts.values()) == contracts(procurement.contracts)
    if procurement.tender_period.start is not None:
        assert (state.tender.start, state.tender.end) == (
            procurement.tender_period.start,
            procurement.tender_period.end,
        )
    else:  # no period stored: the planned tender date's day, as a planning release gives it
        assert state.tender.start == datetime(2026, 3, 31, 22, tzinfo=UTC) and state.tender.end is None
    assert state.tender.published == (procurement.tender_published or state.tender.status in ("active", "complete"))

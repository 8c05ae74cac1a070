"""The OCDS export writes a need's procurement (tender period, awards with SE-BLV suppliers, contracts, the
right tags), and importing that export where the need is not known gives back the same stage and awards."""

from __future__ import annotations

from services.registry.ocds import EXAMPLE_RELEASE
from services.registry.procurement import release_facts
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

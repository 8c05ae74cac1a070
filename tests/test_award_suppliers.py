"""A need's awards name the registered organisation of each supplier (the matcher credits awards to the firms
that met the buyer by it), and an award added to a need whose stage does not move still reaches the feed."""

from __future__ import annotations

import copy

from shared.auth import Role
from shared.reference.orgnr import orgnr_from_serial
from tests.conftest import bearer
from tests.test_procurement import FALUN_ORGNR, SUPPLIER_ORGNR, award_release, package, tender_release

FOREIGN_ORGNR = orgnr_from_serial(90_001)  # a firm that is not registered here


async def test_the_need_names_each_suppliers_registered_organisation(registry, make_org, make_token, service_token):
    falun = await make_org("buyer", name="Falu kommun", orgnr=FALUN_ORGNR, buyer_category="municipality")
    firm = await make_org("sme", name="Snö & Is AB", orgnr=SUPPLIER_ORGNR)
    token = await make_token(Role.BUYER, falun)
    imported = await registry.post("/needs/import/ocds", json=package(tender_release()), headers=bearer(token))
    assert imported.status == 200, await imported.text()
    [need_id] = (await imported.json())["needs"]
    awarded = await registry.post("/needs/import/ocds", json=package(award_release()), headers=bearer(token))
    assert awarded.status == 200, await awarded.text()

    need = await (await registry.get(f"/needs/{need_id}", headers=bearer(service_token))).json()
    [award] = need["procurement"]["awards"]
    assert award["suppliers"] == [{"orgnr": SUPPLIER_ORGNR, "name": "Snö & Is AB", "organisation_id": str(firm)}]

    # A second award to an unregistered firm: the stage stays "awarded", but the feed says the need changed
    # (so the matcher mirrors the new award), and the unknown supplier names no organisation.
    second = copy.deepcopy(award_release())
    second["id"] += "-2"
    second["date"] = "2026-06-20T10:00:00+02:00"
    second["parties"][1]["identifier"]["id"] = FOREIGN_ORGNR.replace("-", "")
    second["parties"][1]["name"] = "Utsocknes AB"
    second["awards"][0]["id"] = "award-2"
    second["awards"][0]["suppliers"][0]["name"] = "Utsocknes AB"
    again = await registry.post("/needs/import/ocds", json=package(second), headers=bearer(token))
    assert again.status == 200, await again.text()
    need = await (await registry.get(f"/needs/{need_id}", headers=bearer(service_token))).json()
    by_id = {a["id"]: a["suppliers"] for a in need["procurement"]["awards"]}
    assert by_id["award-2"] == [{"orgnr": FOREIGN_ORGNR, "name": "Utsocknes AB", "organisation_id": None}]
    assert by_id["award-1"][0]["organisation_id"] == str(firm)
    feed = await (await registry.get("/changes", headers=bearer(service_token))).json()
    assert [(c["need_id"], c["stage"]) for c in feed["items"] if c["kind"] == "need.stage"] == [
        (need_id, "tender"),
        (need_id, "awarded"),
        (need_id, "awarded"),
    ]

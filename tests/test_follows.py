"""Firms follow a need or a CPV division (``/organisations/{id}/follows``), the follows are in the firm's GDPR
export, and an erasure leaves neither them nor the firm's name and org.nr on the awards that named it."""

from __future__ import annotations

import uuid

import pytest

from services.registry.ocds import EXAMPLE_RELEASE
from shared.auth import Role
from tests.conftest import bearer
from tests.test_privacy import insert_event, register
from tests.test_procurement import FALUN_ORGNR, SUPPLIER_ORGNR, award_release, package

SUPPLIER_NAME = "Snö & Is AB"


@pytest.fixture
async def setting(registry, make_org, make_token):
    """Falun with an advertised need (and one still in planning), and the firm its award will name."""
    falun = await make_org("buyer", name="Falu kommun", orgnr=FALUN_ORGNR, buyer_category="municipality")
    falun_token = await make_token(Role.BUYER, falun)
    published = dict(EXAMPLE_RELEASE, tender=dict(EXAMPLE_RELEASE["tender"], status="active"))
    planning = dict(EXAMPLE_RELEASE, ocid="ocds-example-falun-2026-002")
    response = await registry.post("/needs/import/ocds", json=package(published, planning), headers=bearer(falun_token))
    assert response.status == 200, await response.text()
    need, hidden = (await response.json())["needs"]
    firm = await make_org("sme", orgnr=SUPPLIER_ORGNR, name=SUPPLIER_NAME)
    return {"falun": falun, "falun_token": falun_token, "need": need, "hidden": hidden, "firm": firm,
            "token": await make_token(Role.SME, firm)}  # fmt: skip


async def test_a_firm_follows_a_need_and_a_division(registry, setting, make_org, make_token, organiser_token):
    url, token = f"/organisations/{setting['firm']}/follows", bearer(setting["token"])
    response = await registry.post(url, json={"need_id": setting["need"]}, headers=token)
    assert response.status == 201, await response.text()
    follow = await response.json()
    assert (follow["need_id"], follow["label"]) == (setting["need"], "Snöröjning Falun")
    again = await registry.post(url, json={"need_id": setting["need"]}, headers=token)
    assert again.status == 200 and (await again.json())["id"] == follow["id"]  # following twice is once
    response = await registry.post(url, json={"cpv_division": "45"}, headers=token)
    assert response.status == 201 and (await response.json())["label"] == "Anläggningsarbete"
    listed = await (await registry.get(url, headers=token)).json()
    assert [(f["need_id"], f["cpv_division"]) for f in listed["items"]] == [(setting["need"], None), (None, "45")]

    async def errors(body: dict) -> list[tuple[str, str]]:
        response = await registry.post(url, json=body, headers=token)
        assert response.status == 422
        return [(e["pointer"], e["code"]) for e in (await response.json())["errors"]]

    assert await errors({"need_id": setting["hidden"]}) == [("/need_id", "unknown_need")]  # still in planning
    assert await errors({"need_id": str(uuid.uuid4())}) == [("/need_id", "unknown_need")]
    assert await errors({"cpv_division": "00"}) == [("/cpv_division", "unknown_division")]
    assert (await errors({"cpv_division": "4"}))[0][0] == "/cpv_division"
    assert len(await errors({"need_id": setting["need"], "cpv_division": "45"})) == 1
    other = await make_token(Role.SME, await make_org("sme"))
    assert (await registry.get(url, headers=bearer(other))).status == 403
    assert (await registry.post(url, json={"cpv_division": "45"}, headers=bearer(setting["falun_token"]))).status == 403
    buyer_url = f"/organisations/{setting['falun']}/follows"
    assert (await registry.get(buyer_url, headers=bearer(organiser_token))).status == 404  # buyers follow nothing
    assert (await registry.get(url, headers=bearer(organiser_token))).status == 200

    assert (await registry.delete(f"{url}?cpv_division=45", headers=token)).status == 204
    assert (await registry.delete(f"{url}?cpv_division=45", headers=token)).status == 404
    assert (await registry.delete(url, headers=token)).status == 422  # say what to stop following
    listed = await (await registry.get(url, headers=token)).json()
    assert [f["need_id"] for f in listed["items"]] == [setting["need"]]


async def _award_and_follow(registry, setting) -> None:
    award = award_release()
    award["parties"][1]["name"] = SUPPLIER_NAME
    response = await registry.post("/needs/import/ocds", json=award, headers=bearer(setting["falun_token"]))
    assert response.status == 200, await response.text()
    url = f"/organisations/{setting['firm']}/follows"
    for body in ({"need_id": setting["need"]}, {"cpv_division": "90"}):
        assert (await registry.post(url, json=body, headers=bearer(setting["token"]))).status == 201


async def test_the_export_lists_the_follows_and_the_awards_naming_the_firm(registry, matcher, setting):
    await _award_and_follow(registry, setting)
    response = await registry.get(f"/organisations/{setting['firm']}/export", headers=bearer(setting["token"]))
    assert response.status == 200, await response.text()
    document = await response.json()
    assert {(f["need_id"], f["cpv_division"]) for f in document["follows"]} == {(setting["need"], None), (None, "90")}
    [award] = document["awards"]
    assert (award["need_id"], award["award_id"], award["supplier_name"]) == (setting["need"], "award-1", SUPPLIER_NAME)


async def _traces(db, *needles: str) -> list[str]:
    """Every row of the registry's tables whose text holds one of the needles (table: row)."""
    tables = await db.fetch("SELECT tablename FROM pg_tables WHERE schemaname = 'registry'")
    found = []
    for table in (row["tablename"] for row in tables):
        for row in await db.fetch(f"SELECT t::text AS text FROM registry.{table} AS t"):  # noqa: S608
            found += [f"{table}: {row['text']}" for needle in needles if needle.lower() in row["text"].lower()]
    return found


@pytest.mark.parametrize("referenced", [False, True], ids=["deleted", "anonymised"])
async def test_erasure_takes_the_follows_and_the_firm_off_its_awards(registry, db, setting, referenced):
    await _award_and_follow(registry, setting)
    firm = setting["firm"]
    if referenced:  # registered for a published event: an anonymised row stays
        await register(db, await insert_event(db, "published"), firm, "sme")
    assert await db.fetchval("SELECT count(*) FROM registry.follows WHERE organisation_id = $1", firm) == 2
    assert await _traces(db, SUPPLIER_ORGNR, SUPPLIER_NAME)  # the search finds them before
    response = await registry.delete(f"/organisations/{firm}", headers=bearer(setting["token"]))
    assert response.status == 204
    assert await db.fetchval("SELECT count(*) FROM registry.follows") == 0
    assert await _traces(db, SUPPLIER_ORGNR, SUPPLIER_ORGNR.replace("-", ""), SUPPLIER_NAME) == []
    # The award itself stays (the buyer's public record), with a supplier no longer named.
    row = await db.fetchrow("SELECT supplier_orgnr, supplier_name FROM registry.need_award_suppliers")
    assert tuple(row) == (None, None)
    stage = await db.fetchval(
        "SELECT stage FROM registry.need_procurement WHERE need_id = $1", uuid.UUID(setting["need"])
    )
    assert stage == "awarded"


async def test_the_matcher_asks_who_follows_a_need(registry, db, setting, make_org, service_token):
    by_division, elsewhere = await make_org("sme", name="Allt i Snö AB"), await make_org("sme", name="Bygg AB")
    await db.execute(
        "INSERT INTO registry.contacts (organisation_id, position, name, email) VALUES ($1, 0, 'Åsa Berg', $2)",
        by_division,
        "asa@alltisno.example.se",
    )
    follows = ((setting["firm"], {"need_id": setting["need"]}), (by_division, {"cpv_division": "90"}),
               (elsewhere, {"cpv_division": "45"}), (setting["firm"], {"cpv_division": "90"}))  # fmt: skip
    for firm, body in follows:
        response = await registry.post(f"/organisations/{firm}/follows", json=body, headers=bearer(service_token))
        assert response.status == 403  # the matcher reads follows, it does not make them
        await db.execute(
            "INSERT INTO registry.follows (organisation_id, need_id, cpv_division) VALUES ($1, $2, $3)",
            firm,
            uuid.UUID(body["need_id"]) if "need_id" in body else None,
            body.get("cpv_division"),
        )
    url = f"/needs/{setting['need']}/followers"
    response = await registry.get(url, headers=bearer(service_token))
    assert response.status == 200, await response.text()
    assert (await response.json())["items"] == [
        {"organisation_id": str(by_division), "name": "Allt i Snö AB", "follows_need": False,
         "contact_name": "Åsa Berg", "contact_email": "asa@alltisno.example.se"},
        {"organisation_id": str(setting["firm"]), "name": SUPPLIER_NAME, "follows_need": True,
         "contact_name": None, "contact_email": None},
    ]  # fmt: skip
    assert (await registry.get(url, headers=bearer(setting["token"]))).status == 403
    missing = await registry.get(f"/needs/{uuid.uuid4()}/followers", headers=bearer(service_token))
    assert missing.status == 404

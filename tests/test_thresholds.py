"""Procurement thresholds: values in force by date, the value band of needs, organiser-only writes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from services.registry.thresholds import ThresholdTable, value_band
from shared.auth import Role
from tests.conftest import bearer

ROWS = st.lists(
    st.tuples(st.sampled_from(["a", "b"]), st.dates(), st.integers(1, 10**9)), unique_by=lambda r: r[:2], max_size=8
)


@given(rows=ROWS, day=st.dates())
def test_value_in_force_is_the_latest_row_not_after_the_day(rows, day):
    in_force = ThresholdTable(rows).on(day)
    for kind in ("a", "b"):
        valid = [(valid_from, amount) for k, valid_from, amount in rows if k == kind and valid_from <= day]
        assert in_force.get(kind) == (max(valid)[1] if valid else None)


@given(value=st.integers(0, 10**10), limit=st.integers(1, 10**7), extra=st.integers(0, 10**8))
def test_value_band_is_monotonic_in_the_value(value, limit, extra):
    order = ["below_direct_award", "below_eu_threshold", "above_eu_threshold"]
    eu = limit + 1 + extra
    assert order.index(value_band(value, limit, eu)) <= order.index(value_band(value + 1, limit, eu))


async def test_thresholds_in_force_on_a_day(registry, make_org, make_token):
    token = await make_token(Role.SME, await make_org("sme"))

    async def on(day: str) -> dict[str, int]:
        response = await registry.get(f"/thresholds?on={day}", headers=bearer(token))
        assert response.status == 200
        return {row["kind"]: row["amount_sek"] for row in (await response.json())["items"]}

    assert await on("2022-01-15") == {
        "eu_supplies_services_central": 1_456_476,
        "eu_supplies_services_other": 2_236_731,
        "eu_works": 55_991_099,
        "eu_social_services": 7_802_550,
    }
    assert (await on("2023-06-01"))["direct_award_lou"] == 700_000
    in_2025 = await on("2025-06-01")
    assert in_2025["eu_supplies_services_other"] == 2_389_585 and in_2025["direct_award_lou"] == 700_000
    assert await on("2000-01-01") == {}
    everything = await (await registry.get("/thresholds", headers=bearer(token))).json()
    assert len(everything["items"]) >= 9 and all(row["source"] for row in everything["items"])
    response = await registry.get("/thresholds?on=igår", headers=bearer(token))
    assert response.status == 422 and (await response.json())["errors"][0]["parameter"] == "on"
    assert (await registry.get("/thresholds")).status == 401


async def test_only_organisers_add_thresholds_and_duplicates_conflict(
    registry, organiser_token, make_org, make_token, db
):
    row = {"kind": "direct_award_lou", "valid_from": "2026-07-01", "amount_sek": 1_000_000, "source": "test"}
    buyer = await make_token(Role.BUYER, await make_org("buyer", buyer_category="municipality"))
    before = await db.fetchval("SELECT count(*) FROM registry.procurement_thresholds")
    assert (await registry.post("/thresholds", json=row, headers=bearer(buyer))).status == 403
    response = await registry.post("/thresholds", json={**row, "amount_sek": 0}, headers=bearer(organiser_token))
    assert response.status == 422 and (await response.json())["errors"][0]["pointer"] == "/amount_sek"
    assert await db.fetchval("SELECT count(*) FROM registry.procurement_thresholds") == before
    response = await registry.post("/thresholds", json=row, headers=bearer(organiser_token))
    assert response.status == 201 and (await response.json())["amount_sek"] == 1_000_000
    response = await registry.post("/thresholds", json=row, headers=bearer(organiser_token))
    assert response.status == 409 and (await response.json())["errors"][0]["pointer"] == "/valid_from"
    listed = await (await registry.get("/thresholds?on=2026-08-01", headers=bearer(buyer))).json()
    assert {r["kind"]: r["amount_sek"] for r in listed["items"]}["direct_award_lou"] == 1_000_000


async def test_value_band_and_warnings_of_needs(registry, organiser_token, make_org, make_token):
    municipality = await make_org("buyer", buyer_category="municipality")
    agency = await make_org("buyer", buyer_category="county_board")

    async def band(buyer, value, day="2024-05-01", cpv="90620000", procedure="open"):
        body = {"title": "Behov", "cpv_main": cpv, "estimated_value_sek": value, "buyer_id": str(buyer),
                "planned_tender_date": day, "procedure": procedure}  # fmt: skip
        need = await (await registry.post("/needs", json=body, headers=bearer(organiser_token))).json()
        return need["value_band"], [w["code"] for w in need["warnings"]]

    assert await band(municipality, 700_000) == ("below_direct_award", [])
    assert await band(municipality, 2_000_000) == ("below_eu_threshold", [])
    assert await band(agency, 2_000_000) == ("above_eu_threshold", [])  # central government threshold is lower
    assert await band(municipality, 2_389_585) == ("above_eu_threshold", [])
    assert await band(municipality, 50_000_000, cpv="45214200") == ("below_eu_threshold", [])  # works
    assert await band(municipality, None) == (None, [])
    assert await band(municipality, 900_000, procedure="direct_award") == (
        "below_eu_threshold",
        ["direct_award_above_limit"],
    )
    assert await band(municipality, 3_000_000, procedure="simplified") == (
        "above_eu_threshold",
        ["simplified_above_eu_threshold"],
    )
    row = {"kind": "direct_award_lou", "valid_from": "2026-07-01", "amount_sek": 1_000_000, "source": "test"}
    await registry.post("/thresholds", json=row, headers=bearer(organiser_token))
    assert await band(municipality, 900_000, day="2026-08-01", procedure="direct_award") == ("below_direct_award", [])
    assert await band(municipality, 900_000, day="2026-06-30", procedure="direct_award") == (
        "below_eu_threshold",
        ["direct_award_above_limit"],
    )

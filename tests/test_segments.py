"""The segment of firms to invite (GET /segments/firms), through the real registry app on real PostgreSQL."""

from __future__ import annotations

from shared.auth import Role
from tests.conftest import bearer
from tests.test_events import NEXT_YEAR, PROBLEM, create_event, create_past_event


async def segment(registry, token: str, **query: str):
    response = await registry.get("/segments/firms", params=query, headers=bearer(token))
    assert response.status == 200, await response.text()
    return await response.json()


def names(page: dict) -> list[str]:
    return [item["name"] for item in page["items"]]


async def sign_up(db, event_id, organisation_id, *, cancelled: bool = False) -> None:
    status, at = ("cancelled", "now()") if cancelled else ("active", "NULL")
    await db.execute(
        f"INSERT INTO registry.registrations (event_id, organisation_id, kind, status, cancelled_at) "  # noqa: S608
        f"VALUES ($1, $2, 'sme', $3, {at})",
        event_id,
        organisation_id,
        status,
    )


async def contact(db, organisation_id, name: str, email: str, position: int = 0) -> None:
    await db.execute(
        "INSERT INTO registry.contacts (organisation_id, position, name, email) VALUES ($1, $2, $3, $4)",
        organisation_id,
        position,
        name,
        email,
    )


async def world(registry, organiser_token, db, make_org) -> dict:
    """Five firms and a buyer around two events: last year's (Falun) and the coming one."""
    earlier = await create_past_event(
        registry,
        db,
        organiser_token,
        name="Affärsträff Falun 2025",
        event_date=f"{NEXT_YEAR - 2}-10-07",
        signup_deadline=f"{NEXT_YEAR - 2}-10-01T12:00:00+02:00",
    )
    coming = await create_event(registry, organiser_token)
    firms = {
        "Bygg i Falun AB": await make_org(municipality_code="2080", cpv_codes=["45210000", "90910000"]),
        "Städ i Falun AB": await make_org(municipality_code="2080", cpv_codes=["90910000"]),
        "Bygg i Ludvika AB": await make_org(municipality_code="2085", cpv_codes=["45000000"]),
        "Åkeri i Ludvika AB": await make_org(municipality_code="2085", cpv_codes=["60100000"]),
        "Ångrade i Falun AB": await make_org(municipality_code="2080", cpv_codes=["45210000"]),
        "Raderad AB": await make_org(municipality_code="2080", cpv_codes=["45210000"]),
    }
    for name, organisation_id in firms.items():
        await db.execute("UPDATE registry.organisations SET name = $2 WHERE id = $1", organisation_id, name)
    await db.execute(
        "UPDATE registry.organisations SET erased_at = now(), orgnr = NULL WHERE id = $1", firms["Raderad AB"]
    )
    await make_org("buyer", municipality_code="2080", cpv_codes=["45210000"])
    await contact(db, firms["Bygg i Falun AB"], "Bo Bygg", "bo@bygg.se")
    await contact(db, firms["Bygg i Falun AB"], "Vice Bygg", "vice@bygg.se", position=1)
    await sign_up(db, earlier["id"], firms["Bygg i Falun AB"])
    await sign_up(db, earlier["id"], firms["Bygg i Ludvika AB"])
    await sign_up(db, earlier["id"], firms["Ångrade i Falun AB"], cancelled=True)
    await sign_up(db, coming["id"], firms["Städ i Falun AB"])
    return {"earlier": earlier, "coming": coming, "firms": firms}


async def test_each_criterion_and_their_combination(registry, organiser_token, db, make_org):
    w = await world(registry, organiser_token, db, make_org)
    every = await segment(registry, organiser_token)
    # SMEs only, not the erased one, in Swedish order (Å after B, S).
    assert names(every) == ["Bygg i Falun AB", "Bygg i Ludvika AB", "Städ i Falun AB", "Åkeri i Ludvika AB",
                            "Ångrade i Falun AB"]  # fmt: skip
    assert every["count"] == 5 and "Raderad AB" not in names(every) and every["signed_up"] is None

    falun = await segment(registry, organiser_token, municipality="2080")
    assert sorted(names(falun)) == ["Bygg i Falun AB", "Städ i Falun AB", "Ångrade i Falun AB"]
    building = await segment(registry, organiser_token, cpv_division="45")
    assert sorted(names(building)) == ["Bygg i Falun AB", "Bygg i Ludvika AB", "Ångrade i Falun AB"]
    before = await segment(registry, organiser_token, took_part_before="true")
    assert sorted(names(before)) == ["Bygg i Falun AB", "Bygg i Ludvika AB"]  # the cancelled one did not take part
    assert (await segment(registry, organiser_token, took_part_before="false"))["count"] == 5  # no criterion

    both = await segment(registry, organiser_token, municipality="2080", cpv_division="45", took_part_before="true")
    assert names(both) == ["Bygg i Falun AB"] and both["count"] == 1
    firm = both["items"][0]
    assert (firm["contact_name"], firm["contact_email"]) == ("Bo Bygg", "bo@bygg.se")  # the first contact
    assert firm["earlier_event"]["name"] == "Affärsträff Falun 2025"
    assert firm["municipality_code"] == "2080" and "45210000" in firm["cpv_codes"]

    # For the coming event: the firm already signed up is left out and counted apart.
    coming = await segment(registry, organiser_token, municipality="2080", event=w["coming"]["id"])
    assert sorted(names(coming)) == ["Bygg i Falun AB", "Ångrade i Falun AB"]
    assert (coming["count"], coming["signed_up"]) == (2, 1)
    # Earlier is before the event's day: last year's event counts for the coming one, not for itself.
    itself = await segment(registry, organiser_token, took_part_before="true", event=w["earlier"]["id"])
    assert itself["count"] == 0 and itself["signed_up"] == 0
    earlier = await segment(registry, organiser_token, event=w["earlier"]["id"])
    assert (earlier["count"], earlier["signed_up"]) == (3, 2)  # the cancelled sign-up is no sign-up


async def test_paging_covers_the_segment_once(registry, organiser_token, db, make_org, make_token):
    for n in range(7):
        await make_org(municipality_code="2062", name=f"Mora firma {n}")
    service = await make_token(Role.SERVICE, label="matcher")
    seen, cursor, pages = [], None, 0
    while True:
        query = {"municipality": "2062", "limit": "3", **({"cursor": cursor} if cursor else {})}
        response = await registry.get("/segments/firms", params=query, headers=bearer(service))
        page = await response.json()
        assert page["count"] == (7 if pages == 0 else None)  # counted on the first page
        seen += names(page)
        pages += 1
        cursor = page.get("next_cursor")
        assert ("Link" in response.headers) == (cursor is not None)
        if cursor is None:
            break
    assert pages == 3 and seen == [f"Mora firma {n}" for n in range(7)]


async def test_a_segment_outside_dalarna(registry, organiser_token, make_org):
    """Any of Sweden's municipalities is a criterion (issue 15): an event in Skåne invites Malmö's firms."""
    await make_org(municipality_code="1280", name="Malmö Bygg AB", cpv_codes=["45210000"])
    await make_org(municipality_code="1281", name="Lunds Bygg AB", cpv_codes=["45210000"])
    await make_org(municipality_code="2080", name="Falu Bygg AB", cpv_codes=["45210000"])
    event = await create_event(registry, organiser_token, municipality_code="1280", region="12")
    malmo = await segment(registry, organiser_token, municipality="1280", cpv_division="45", event=event["id"])
    assert (names(malmo), malmo["count"]) == (["Malmö Bygg AB"], 1)
    assert malmo["items"][0]["municipality_code"] == "1280"


async def test_invalid_criteria_are_named_one_by_one(registry, organiser_token):
    query = {"municipality": "9999", "cpv_division": "00", "took_part_before": "maybe", "event": "x", "limit": "0"}
    response = await registry.get("/segments/firms", params=query, headers=bearer(organiser_token))
    assert response.status == 422 and response.content_type == PROBLEM
    problem = await response.json()
    assert {e["parameter"] for e in problem["errors"]} == set(query)
    unknown = {"event": "7d2c0c1e-3f43-4a36-9e8a-1b2d6f0f4b11"}
    response = await registry.get("/segments/firms", params=unknown, headers=bearer(organiser_token))
    assert response.status == 422
    assert [(e["parameter"], e["code"]) for e in (await response.json())["errors"]] == [("event", "unknown_event")]
    response = await registry.get("/segments/firms", params={"cursor": "bm90IGEgY3Vyc29y"},
                                  headers=bearer(organiser_token))  # fmt: skip
    assert response.status == 422


async def test_firms_and_buyers_may_not_read_the_contacts(registry, make_org, make_token):
    sme = await make_org()
    token = await make_token(Role.SME, organisation_id=sme)
    response = await registry.get("/segments/firms", headers=bearer(token))
    assert response.status == 403

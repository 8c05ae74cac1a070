"""The sign-up lists in a real browser: a firm's needs and a buyer's firms come best fit first with why,
the filter box hides rows as one types without losing anything typed, and without JavaScript its button
sends the form back, saving nothing and keeping every value. Audited with axe-core; screenshots
``relevance-*.png``.

The tests make an event of their own through the APIs (the sample event moves on as the journey runs): Leksands
kommun brings a cleaning need delivered in Leksand and a snow-clearing need; a Leksand cleaner, a Leksand
snow clearer and a Mora builder are signed up, and a second cleaner that has not signed up yet signs in.
"""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest
from playwright.async_api import expect

from shared.reference.orgnr import orgnr_from_serial
from tests.test_events import event_body

from .conftest import Stack, check_page
from .test_journey import sign_in
from .test_without_javascript import shot

BUYER_PASSWORD = "ett långt lösenord för leksand"
_serials = itertools.count(778_100)
_worlds = itertools.count(1)


async def _post(stack: Stack, url: str, body: dict[str, Any]) -> dict[str, Any]:
    status, answer = await stack.api("POST", url, body)
    assert status in (200, 201), answer
    return answer


async def _organisation(stack: Stack, kind: str, name: str, municipality: str, **fields: Any) -> str:
    body = {"kind": kind, "orgnr": orgnr_from_serial(next(_serials)), "name": name,
            "municipality_code": municipality, **fields}  # fmt: skip
    return (await _post(stack, f"{stack.registry}/organisations", body))["id"]


@pytest.fixture
async def fair(stack: Stack) -> dict[str, Any]:
    """The event of the module docstring, a world per test (addresses are unique across the session)."""
    world = next(_worlds)
    buyer_email, newcomer_email = f"upphandling{world}@leksand.example.se", f"kontakt{world}@nyastad.example.se"
    event = await _post(stack, f"{stack.registry}/events", event_body(name="Affärsträff Leksand"))
    await _post(stack, f"{stack.registry}/events/{event['id']}/transitions", {"to": "open"})
    buyer = await _organisation(stack, "buyer", "Leksands kommun", "2029", buyer_category="municipality")
    await _post(
        stack,
        f"{stack.registry}/auth/accounts",
        {"email": buyer_email, "password": BUYER_PASSWORD, "role": "buyer", "organisation_id": buyer, "name": "Lo"},
    )
    needs = {}
    for key, title, cpv, place in (
        ("cleaning", "Lokalvård i Leksands skolor", "90910000", "2029"),
        ("snow", "Snöröjning av gång- och cykelvägar", "90620000", None),
    ):
        body = {"buyer_id": buyer, "title": title, "cpv_main": cpv, "status": "planned", "delivery_municipality": place}
        needs[key] = (await _post(stack, f"{stack.registry}/needs", body))["id"]
    registrations = f"{stack.registry}/events/{event['id']}/registrations"
    await _post(stack, registrations, {"organisation_id": buyer, "brought_needs": list(needs.values())})
    firms = {
        "cleaner": await _organisation(stack, "sme", "Leksands Lokalvård AB", "2029", cpv_codes=["90910000"]),
        "snow": await _organisation(stack, "sme", "Siljans Snöröjning AB", "2029", cpv_codes=["90620000"]),
        "builder": await _organisation(stack, "sme", "Mora Takbygg AB", "2062", cpv_codes=["45261000"]),
    }
    for firm in firms.values():
        await _post(stack, registrations, {"organisation_id": firm})
    contact = {"name": "Nora Ny", "email": newcomer_email}
    await _organisation(stack, "sme", "Nya Leksandsstäd AB", "2029", cpv_codes=["90911200"], contacts=[contact])
    return {"event": event["id"], "needs": needs, "firms": firms, "buyer_email": buyer_email,
            "newcomer_email": newcomer_email}  # fmt: skip


async def _firm_signs_in(page: Any, email: str) -> None:
    await page.goto("/logga-in/lank")
    await page.get_by_label("E-post").fill(email)
    await page.get_by_role("button", name="Skicka länk").click()
    await page.locator("a.dev-sign-in-link").first.click()
    await page.get_by_role("main").get_by_role("button", name="Logga in").click()
    await page.wait_for_url(re.compile(r"/foretag"))


async def test_a_firm_ranks_needs_best_fit_first_and_filters_them_in_place(new_page, fair: dict[str, Any]) -> None:
    page = await new_page()
    await _firm_signs_in(page, fair["newcomer_email"])
    await page.goto(f"/foretag/evenemang/{fair['event']}/anmalan")
    rows = page.locator("#interest-list > .list-row")
    await expect(rows).to_have_count(2)
    first = rows.first
    # Not signed up yet, and still in order: its cleaning code lies in the cleaning need's class.
    assert await first.get_attribute("id") == f"interest-{fair['needs']['cleaning']}"
    await expect(first).to_contain_text("Passar er: samma CPV-område 90910000 Städning, verksamma i Leksand")
    await check_page(page, "relevance-firm-needs")

    cleaning = page.locator(f"#f-rank-{fair['needs']['cleaning']}")
    await cleaning.fill("1")
    await page.get_by_label("Meddelande till arrangören").fill("Vi har elbilar")
    box = page.get_by_label("Filtrera upphandlingarna")
    # The whole list is on the page: the script filters it, the no-JavaScript button is gone.
    await expect(page.locator("#filter-interest-list")).to_have_count(0)
    await box.fill("snö")
    await expect(first).to_be_hidden()
    await expect(rows.nth(1)).to_be_visible()
    await expect(page.locator("#interest-list-status")).to_have_text("Visar 1 av 2.")
    await box.press("Enter")  # filters here; neither saves nor sends the page back
    await expect(page.locator("#search-notice")).to_have_count(0)
    await check_page(page, "relevance-firm-needs-filtered")
    await box.fill("")
    await expect(first).to_be_visible()
    await expect(cleaning).to_have_value("1")
    await expect(page.get_by_label("Meddelande till arrangören")).to_have_value("Vi har elbilar")


async def test_a_buyer_wishes_for_firms_best_fit_first_and_filters_keeping_what_was_typed(
    new_page, fair: dict[str, Any]
) -> None:
    page = await new_page()
    await sign_in(page, fair["buyer_email"], BUYER_PASSWORD)
    await page.wait_for_url(re.compile(r"/kopare$"))
    await page.goto(f"/kopare/evenemang/{fair['event']}/anmalan")
    firms = fair["firms"]
    table = page.locator("#sme-choices tbody")
    order = [await row.locator("input[type=number]").get_attribute("name") for row in await table.locator("tr").all()]
    positions = {name: order.index(f"rank.{firm}") for name, firm in firms.items()}
    assert positions["builder"] > max(positions["cleaner"], positions["snow"]), order
    cleaner_row = table.locator("tr", has=page.locator(f"#f-rank\\.{firms['cleaner']}"))
    await expect(cleaner_row).to_contain_text("Leksand")  # the municipality's name, not 2029
    await expect(cleaner_row).not_to_contain_text("2029")
    await expect(cleaner_row).to_contain_text("samma CPV-kod 90910000 Städning")
    await check_page(page, "relevance-buyer-firms")

    await page.get_by_label("Antal bord").fill("2")
    await page.locator(f"#f-rank\\.{firms['cleaner']}").fill("1")
    search = page.get_by_label("Sök företag")
    await search.fill("mora")
    await expect(cleaner_row).to_be_hidden()
    await expect(table.locator("tr", has=page.locator(f"#f-rank\\.{firms['builder']}"))).to_be_visible()
    await expect(page.get_by_label("Antal bord")).to_have_value("2")  # no reload: nothing lost
    await check_page(page, "relevance-buyer-firms-filtered")

    # The button searches every registered firm on the server: the page comes back, nothing saved, all kept.
    await page.locator("#filter-sme-choices").click()
    await page.locator("#search-notice").wait_for()
    await expect(page.get_by_label("Antal bord")).to_have_value("2")
    await expect(page.locator(f"#f-rank\\.{firms['cleaner']}")).to_have_value("1")
    await expect(page.get_by_label("Sök företag")).to_have_value("mora")
    await check_page(page, "relevance-buyer-searched")


async def test_without_javascript_the_filter_button_keeps_what_was_typed(new_page, fair: dict[str, Any]) -> None:
    page = await new_page(javascript=False)
    await sign_in(page, fair["buyer_email"], BUYER_PASSWORD)
    await page.wait_for_url(re.compile(r"/kopare$"))
    await page.goto(f"/kopare/evenemang/{fair['event']}/anmalan")
    firms = fair["firms"]
    await page.get_by_label("Antal bord").fill("3")
    await page.locator(f"#f-rank\\.{firms['snow']}").fill("2")
    await page.get_by_label("Sök företag").fill("Leksands Lokalvård")
    await page.locator("#filter-sme-choices").click()
    await page.locator("#search-notice").wait_for()
    # The server hid the rows that do not match; the hidden one still holds its rank, sent with the form.
    snow = page.locator(f"#f-rank\\.{firms['snow']}")
    await expect(snow).to_be_hidden()
    await expect(snow).to_have_value("2")
    await expect(page.locator(f"#f-rank\\.{firms['cleaner']}")).to_be_visible()
    await expect(page.get_by_label("Antal bord")).to_have_value("3")
    await shot(page, "relevance-buyer-nojs-searched")  # axe-core needs scripts: the audit is of the JS pages

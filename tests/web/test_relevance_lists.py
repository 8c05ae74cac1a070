"""The sign-up lists in order of fit, on the real front end, registry and matcher: a firm's needs and a
buyer's firms best fit first with a reason, names instead of codes, the filter that keeps what was typed,
two equal ranks refused, and every mistake of the sign-up and need forms named in one round."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from shared.auth import Role
from tests.conftest import bearer
from tests.test_events import create_event, move_to

from .conftest import Browser

pytestmark = pytest.mark.db

SAME_RANK = "Två önskemål har rang 1 – välj olika rangordning."


async def _need(registry, token: str, **fields: object) -> str:
    response = await registry.post("/needs", json={"status": "planned", **fields}, headers=bearer(token))
    assert response.status == 201, await response.text()
    return (await response.json())["id"]


async def _sign_up(registry, event_id: str, token: str, body: dict | None = None) -> None:
    response = await registry.post(f"/events/{event_id}/registrations", json=body or {}, headers=bearer(token))
    assert response.status == 201, await response.text()


@pytest.fixture
async def fair(registry, organiser_token: str, make_org: Callable, make_token: Callable) -> dict[str, Any]:
    """Falu kommun brings a snow-clearing need and a cleaning need delivered in Falun; a cleaner, a builder in
    Mora and two firms both called "Dala Fönster AB" (Falun and Borlänge) are signed up."""
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open")
    buyer = await make_org("buyer", name="Falu kommun", cpv_codes=["90910000"])
    buyer_token = await make_token(Role.BUYER, buyer)
    snow = await _need(registry, buyer_token, title="Snöröjning av gator", cpv_main="90620000")
    cleaning = await _need(
        registry, buyer_token, title="Lokalvård i förskolor", cpv_main="90910000", delivery_municipality="2080"
    )
    await _sign_up(registry, event["id"], buyer_token, {"brought_needs": [snow, cleaning]})
    firms = {
        "cleaner": await make_org("sme", name="Falu Städ AB", cpv_codes=["90910000"], description="Städning"),
        "builder": await make_org("sme", name="Mora Bygg AB", municipality_code="2062", cpv_codes=["45000000"]),
        "windows_falun": await make_org("sme", name="Dala Fönster AB", cpv_codes=["90911300"]),
        "windows_borlange": await make_org(
            "sme", name="Dala Fönster AB", municipality_code="2081", cpv_codes=["90911300"]
        ),
    }
    tokens = {name: await make_token(Role.SME, firm) for name, firm in firms.items()}
    for token in tokens.values():
        await _sign_up(registry, event["id"], token)
    newcomer = await make_org("sme", name="Nya Snöröjarna AB", cpv_codes=["90620000"])
    return {
        "event": event["id"],
        "buyer": str(buyer),
        "buyer_token": buyer_token,
        "snow": snow,
        "cleaning": cleaning,
        "firms": {name: str(firm) for name, firm in firms.items()},
        "tokens": tokens,
        "newcomer_token": await make_token(Role.SME, newcomer),
        "sme_page": f"/foretag/evenemang/{event['id']}/anmalan",
        "buyer_page": f"/kopare/evenemang/{event['id']}/anmalan",
    }


async def _sme_registrations(registry, organiser_token: str, event_id: str) -> list[dict[str, Any]]:
    response = await registry.get(f"/events/{event_id}/registrations?kind=sme", headers=bearer(organiser_token))
    return (await response.json())["items"]


def _row(html: str, row_id: str) -> str:
    """The opening tag of the row (an element with that id, or the table row of that rank box)."""
    match = re.search(rf'<div id="{row_id}"[^>]*>', html)
    assert match, f"no row {row_id}"
    return match.group(0)


def _firm_row(html: str, firm_id: str) -> str:
    rows = re.findall(r'<tr class="list-row[^"]*"[^>]*>.*?</tr>', html, flags=re.S)
    [row] = [row for row in rows if f'name="rank.{firm_id}"' in row]
    return row


# --- a firm's needs -------------------------------------------------------------------------------------


async def test_a_firm_sees_the_needs_that_fit_it_first_with_why(web: Browser, fair: dict[str, Any]) -> None:
    web.sign_in_with(fair["tokens"]["cleaner"])
    html = await web.page(fair["sme_page"])
    assert html.index(f'id="interest-{fair["cleaning"]}"') < html.index(f'id="interest-{fair["snow"]}"')
    assert "Passar er: samma CPV-kod 90910000 Städning, verksamma i Falun" in html
    assert "CPV 90910000 Städning" in html and "Leverans i Falun" in html
    assert "list-filter.js" in html and 'data-list-filter="interest-list"' in html

    # A firm not signed up yet is ordered from its profile: a snow clearer sees snow first.
    web.sign_in_with(fair["newcomer_token"])
    html = await web.page(fair["sme_page"])
    assert html.index(f'id="interest-{fair["snow"]}"') < html.index(f'id="interest-{fair["cleaning"]}"')
    english = await web.page(fair["sme_page"] + "?lang=en")
    assert "Fits you: same CPV code 90620000" in english and "Filter the procurements" in english


async def test_filtering_without_javascript_keeps_what_was_typed_and_saves_nothing(
    web: Browser, registry, organiser_token: str, fair: dict[str, Any]
) -> None:
    web.sign_in_with(fair["newcomer_token"])
    form = [("slot", "0"), (f"rank-{fair['cleaning']}", "1"), ("max_meetings", "2"), ("note", "Elbilar")]
    response = await web.submit(fair["sme_page"], fair["sme_page"], [*form, ("q", "snö"), ("action", "search")])
    html = await response.text()
    assert response.status == 200, html
    assert 'id="search-notice"' in html and 'value="snö"' in html
    assert " hidden" in _row(html, f"interest-{fair['cleaning']}")  # filtered out, yet in the form
    assert " hidden" not in _row(html, f"interest-{fair['snow']}")
    assert f'name="rank-{fair["cleaning"]}" type="number" value="1"' in html
    assert 'value="2"' in html and "Elbilar" in html and "Visar 1 av 2." in html
    assert all(r["note"] != "Elbilar" for r in await _sme_registrations(registry, organiser_token, fair["event"]))

    # Sent for real, the hidden row's rank goes with it.
    response = await web.submit(fair["sme_page"], fair["sme_page"], form)
    assert response.status == 303, await response.text()
    mine = [r for r in await _sme_registrations(registry, organiser_token, fair["event"]) if r["note"] == "Elbilar"]
    assert [r["wanted_needs"] for r in mine] == [[fair["cleaning"]]]


async def test_two_needs_with_one_rank_are_refused_not_renumbered(
    web: Browser, registry, organiser_token: str, fair: dict[str, Any]
) -> None:
    web.sign_in_with(fair["newcomer_token"])
    before = await _sme_registrations(registry, organiser_token, fair["event"])
    form = [("slot", "0"), (f"rank-{fair['cleaning']}", "1"), (f"rank-{fair['snow']}", "1")]
    response = await web.submit(fair["sme_page"], fair["sme_page"], form)
    html = await response.text()
    assert response.status == 422
    assert html.count(SAME_RANK) >= 2  # next to both boxes (and in the summary)
    assert f'id="f-rank-{fair["cleaning"]}-error"' in html and f'id="f-rank-{fair["snow"]}-error"' in html
    assert await _sme_registrations(registry, organiser_token, fair["event"]) == before


async def test_every_mistake_of_the_firm_sign_up_is_named_in_one_round(
    web: Browser, registry, organiser_token: str, fair: dict[str, Any]
) -> None:
    web.sign_in_with(fair["newcomer_token"])
    form = [
        (f"rank-{fair['cleaning']}", "2"),
        (f"rank-{fair['snow']}", "2"),
        ("max_meetings", "99"),  # the event allows 6
        ("note", "x" * 2001),
    ]
    response = await web.submit(fair["sme_page"], fair["sme_page"], form)
    html = await response.text()
    assert response.status == 422
    for field in ("slots", "max_meetings", "note", f"rank-{fair['cleaning']}", f"rank-{fair['snow']}"):
        assert f'id="f-{field}-error"' in html, field
    assert "Skriv ett heltal från 1 till 6." in html and "högst 2000 tecken" in html


# --- a buyer's firms ------------------------------------------------------------------------------------


async def test_a_buyer_sees_the_firms_that_fit_first_by_name_with_places_and_org_numbers(
    web: Browser, registry, fair: dict[str, Any]
) -> None:
    web.sign_in_with(fair["buyer_token"])
    html = await web.page(fair["buyer_page"])
    firms = fair["firms"]
    assert html.index(f'name="rank.{firms["cleaner"]}"') < html.index(f'name="rank.{firms["builder"]}"')
    cleaner, builder = _firm_row(html, firms["cleaner"]), _firm_row(html, firms["builder"])
    assert "Passar er: vill" not in cleaner and "samma CPV-kod 90910000 Städning" in cleaner
    assert ">Falun<" in cleaner and ">Mora<" in builder and "2062" not in builder  # names, not codes
    assert "Få gemensamma nämnare." in builder
    # The two firms called the same are told apart by place and org.nr.
    orgnrs = []
    for name in ("windows_falun", "windows_borlange"):
        row = _firm_row(html, firms[name])
        found = re.search(r"org\.nr (\d{6}-\d{4})", row)
        assert found, row
        orgnrs.append(found.group(1))
    assert len(set(orgnrs)) == 2 and ">Borlänge<" in _firm_row(html, firms["windows_borlange"])
    assert "Sökningen laddar om sidan" not in html and 'data-list-filter="sme-choices"' in html


async def test_the_buyer_form_names_every_mistake_at_once_and_refuses_two_equal_ranks(
    web: Browser, registry, fair: dict[str, Any]
) -> None:
    web.sign_in_with(fair["buyer_token"])
    firms = fair["firms"]
    form = [
        ("tables", "99"),
        ("representative_rows", "1"),
        ("note", "y" * 2001),
        (f"rank.{firms['cleaner']}", "1"),
        (f"rank.{firms['builder']}", "1"),
        ("version", ""),
    ]
    response = await web.submit(fair["buyer_page"], fair["buyer_page"], form)
    html = await response.text()
    assert response.status == 422
    for field in ("tables", "slots", "note", f"rank.{firms['cleaner']}", f"rank.{firms['builder']}"):
        assert f'id="f-{field}-error"' in html, field
    assert html.count(SAME_RANK) >= 2 and 'value="99"' in html


async def test_the_buyers_search_keeps_what_was_typed(web: Browser, registry, fair: dict[str, Any]) -> None:
    web.sign_in_with(fair["buyer_token"])
    firms = fair["firms"]
    form = [("tables", "2"), ("slots", "0"), (f"rank.{firms['cleaner']}", "1"), ("q", "Mora"), ("action", "search")]
    response = await web.submit(fair["buyer_page"], fair["buyer_page"], form)
    html = await response.text()
    assert response.status == 200, html
    assert 'id="search-notice"' in html and 'id="f-tables" name="tables" type="number" value="2"' in html
    assert " hidden" in _firm_row(html, firms["cleaner"]).split(">", 1)[0]
    assert f'name="rank.{firms["cleaner"]}" type="number" min="1" inputmode="numeric" value="1"' in html
    assert " hidden" not in _firm_row(html, firms["builder"]).split(">", 1)[0]
    listing = await (
        await registry.get(f"/events/{fair['event']}/registrations", headers=bearer(fair["buyer_token"]))
    ).json()
    assert listing["items"][0]["wanted_smes"] == []  # the search saved nothing


# --- the buyer's need form ------------------------------------------------------------------------------


async def test_the_need_form_has_the_cpv_picker_and_names_every_mistake_at_once(
    web: Browser, registry, fair: dict[str, Any]
) -> None:
    web.sign_in_with(fair["buyer_token"])
    html = await web.page("/kopare/behov/ny")
    assert 'data-cpv-picker data-field="cpv"' in html and "cpv-picker.js" in html
    form = {
        "title": "Fönsterputs",
        "cpv": "90911300, 12345678, 99999999",
        "estimated_value_sek": "",
        "procedure": "other",
        "contract_start": "2028-01-01",
        "contract_end": "2027-01-01",
        "status": "planned",
    }
    response = await web.submit("/kopare/behov/ny", "/kopare/behov/ny", form)
    html = await response.text()
    assert response.status == 422
    assert 'id="f-contract_end-error"' in html and 'id="f-cpv-error"' in html
    assert "12345678, 99999999 är inga CPV-koder" in html
    needs = await (await registry.get(f"/needs?buyer_id={fair['buyer']}", headers=bearer(fair["buyer_token"]))).json()
    assert {need["title"] for need in needs["items"]} == {"Snöröjning av gator", "Lokalvård i förskolor"}

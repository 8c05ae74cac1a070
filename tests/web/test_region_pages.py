"""The region an event serves and all of Sweden's municipalities on the real front end against the real
registry (issue 15, "Flera kan göra som vi"): the event form's county select (Dalarna by default), pickers
grouped by county with the event's region first, and a firm in Malmö registering through the form."""

from __future__ import annotations

import re
from html import unescape

import pytest

from tests.conftest import bearer

from .conftest import Browser
from .test_organiser_pages import create_through_form, event_form
from .test_sme_pages import registration_form, session_token

pytestmark = pytest.mark.db


def select_html(html: str, name: str) -> str:
    match = re.search(rf'<select id="f-{re.escape(name)}" name="{re.escape(name)}".*?</select>', html, re.S)
    assert match, f"no select {name}"
    return match.group(0)


def options(select: str) -> list[tuple[str, str, bool]]:
    """(value, text, selected) of each option, in page order."""
    return [
        (value, unescape(text.strip()), bool(selected))
        for value, selected, text in re.findall(r'<option value="([^"]*)"( selected)?>([^<]*)</option>', select)
    ]


def groups(select: str) -> list[str]:
    return [unescape(label) for label in re.findall(r'<optgroup label="([^"]*)">', select)]


async def test_the_new_event_form_offers_the_21_counties_with_dalarna_chosen(organiser_browser: Browser) -> None:
    html = await organiser_browser.page("/arrangor/evenemang/ny")
    region = options(select_html(html, "region"))
    assert len(region) == 21
    assert [(value, text) for value, text, chosen in region if chosen] == [("20", "Dalarnas län")]
    assert ("12", "Skåne län", False) in region and region[0][:2] == ("01", "Stockholms län")
    assert '<label for="f-region">Län som evenemanget vänder sig till' in html

    venue = select_html(html, "municipality_code")
    assert groups(venue)[0] == "Dalarnas län" and len(groups(venue)) == 21
    venue_options = options(venue)
    assert len(venue_options) == 290
    assert [text for value, text, chosen in venue_options if chosen] == ["Falun"]
    assert ("1280", "Malmö", False) in venue_options


async def test_an_event_for_skane_is_saved_with_its_region_and_lists_skane_first(
    organiser_browser: Browser, registry, organiser_token: str
) -> None:
    event_id = await create_through_form(
        organiser_browser, name="Affärsträff Malmö", municipality_code="1280", region="12"
    )
    event = await (await registry.get(f"/events/{event_id}", headers=bearer(organiser_token))).json()
    assert (event["region"], event["municipality_code"]) == ("12", "1280")
    assert "Malmö" in await organiser_browser.page(f"/arrangor/evenemang/{event_id}")

    page = f"/arrangor/evenemang/{event_id}/andra"
    html = await organiser_browser.page(page)
    assert [value for value, _, chosen in options(select_html(html, "region")) if chosen] == ["12"]
    venue = select_html(html, "municipality_code")
    assert groups(venue)[:2] == ["Skåne län", "Stockholms län"]
    assert [text for _, text, chosen in options(venue) if chosen] == ["Malmö"]

    # A form without the region (an old page) keeps the event's region; a new choice is saved.
    form = {**event_form(name="Affärsträff Lund", municipality_code="1281"), "version": "1"}
    assert "region" not in form
    response = await organiser_browser.submit(page, page, form)
    assert response.status == 303, await response.text()
    event = await (await registry.get(f"/events/{event_id}", headers=bearer(organiser_token))).json()
    assert (event["region"], event["name"]) == ("12", "Affärsträff Lund")
    response = await organiser_browser.submit(page, page, {**form, "region": "21", "version": "2"})
    assert response.status == 303, await response.text()
    event = await (await registry.get(f"/events/{event_id}", headers=bearer(organiser_token))).json()
    assert event["region"] == "21"


async def test_a_region_that_is_no_county_comes_back_next_to_the_field(
    organiser_browser: Browser, registry, organiser_token: str
) -> None:
    response = await organiser_browser.submit(
        "/arrangor/evenemang/ny", "/arrangor/evenemang/ny", event_form(region="11")
    )
    html = await response.text()
    assert response.status == 422, html[:2000]
    assert 'id="f-region-error"' in html
    events = await (await registry.get("/events", headers=bearer(organiser_token))).json()
    assert events["items"] == []


async def test_the_event_form_in_english_names_the_region_field(organiser_browser: Browser) -> None:
    html = await organiser_browser.page("/arrangor/evenemang/ny?lang=en")
    assert "County the event serves" in html and "Dalarna unless you choose another." in html
    assert [text for _, text, chosen in options(select_html(html, "region")) if chosen] == ["Dalarnas län"]


async def test_a_firm_in_malmo_registers_through_the_form_from_all_of_swedens_municipalities(
    web: Browser, registry, organiser_token: str
) -> None:
    html = await web.page("/registrera")
    home = select_html(html, "municipality_code")
    assert groups(home)[0] == "Dalarnas län" and len(options(home)) == 1 + 290  # "Välj kommun" first
    assert options(home)[0] == ("", "Välj kommun", True)
    # Served municipalities: one box each, a county a fold, Dalarna's open.
    assert len(re.findall(r'<input type="checkbox" id="f-municipalities-\d{4}"', html)) == 290
    assert re.search(r'<details class="county" open>\s*<summary>Dalarnas län</summary>', html)
    assert re.search(r'<details class="county">\s*<summary>Skåne län</summary>', html)

    form = [
        (name, value)
        for name, value in registration_form(orgnr="5560160680", name="Malmö Fönsterputs AB", municipality_code="1280")
        if name != "municipalities"
    ] + [("municipalities", "1280"), ("municipalities", "1281")]
    response = await web.submit("/registrera", "/registrera", form)
    assert response.status == 303, await response.text()
    principal = await (await registry.get("/auth/whoami", headers=bearer(await session_token(web)))).json()
    stored = await (
        await registry.get(f"/organisations/{principal['organisation_id']}", headers=bearer(organiser_token))
    ).json()
    assert stored["municipality_code"] == "1280"
    assert stored["areas_served"]["municipalities"] == ["1280", "1281"]
    start = await web.page("/foretag")
    assert "Malmö" in start and "Lund" in start

    profile = await web.page("/foretag/profil")
    # Skåne is folded open because a municipality in it is ticked.
    assert re.search(r'<details class="county" open>\s*<summary>Skåne län \(2 valda\)</summary>', profile)
    assert 'name="municipalities" value="1281" checked' in profile

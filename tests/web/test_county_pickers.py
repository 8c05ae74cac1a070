"""Pickers that follow the county in context, on the real front end, registry and matcher (issue 15): the
invitation segment lists the event's region first and invites firms there, the buyer's need form lists the
buyer's own county first, and a firm serves whole counties, its own first ("Hela Skåne län"), with what
was stored as Dalarna's whole county (``served_counties = {20}``) still shown and kept."""

from __future__ import annotations

import re
from html import unescape

import pytest

from shared.auth import Role
from tests.conftest import bearer
from tests.test_events import create_event, move_to
from tests.test_segments import contact

from .conftest import Browser
from .test_region_pages import groups, options, select_html
from .test_sme_pages import registration_form

pytestmark = pytest.mark.db


def folds(html: str) -> list[str]:
    """The county folds of the served areas in page order, with what their summary says."""
    return [
        unescape(summary) for summary in re.findall(r'<details class="county"[^>]*>\s*<summary>([^<]*)</summary>', html)
    ]


async def test_an_event_in_skane_lists_skane_first_and_invites_firms_in_malmo(
    organiser_browser: Browser, registry, matcher, organiser_token, db, make_org
) -> None:
    event = await create_event(
        registry, organiser_token, name="Affärsträff Malmö", municipality_code="1280", region="12"
    )
    await move_to(registry, organiser_token, event["id"], "open")
    for n in range(2):
        await contact(
            db, await make_org(name=f"Malmö Bygg {n} AB", municipality_code="1280"), f"P {n}", f"m{n}@bygg.se"
        )
    await contact(db, await make_org(name="Falu Bygg AB", municipality_code="2080"), "Q", "q@bygg.se")
    page = f"/arrangor/evenemang/{event['id']}/bjud-in"

    picker = select_html(await organiser_browser.page(page), "municipality")
    assert groups(picker)[:2] == ["Skåne län", "Stockholms län"] and len(groups(picker)) == 21
    found = options(picker)
    assert found[0] == ("", "Alla kommuner", True) and len(found) == 1 + 290
    assert found[1:3] == [("1260", "Bjuv", False), ("1272", "Bromölla", False)]
    assert ("2080", "Falun", False) in found  # all of Sweden stays available

    preview = unescape(await organiser_browser.page(f"{page}?municipality=1280&visa=1"))
    assert "2 företag matchar, 0 redan anmälda, 0 redan inbjudna" in preview
    assert [text for _, text, chosen in options(select_html(preview, "municipality")) if chosen] == ["Malmö"]
    sent = await organiser_browser.submit(
        f"{page}?municipality=1280&visa=1", page, {"municipality": "1280", "confirm": "1"}
    )
    assert sent.status == 303 and sent.headers["Location"].endswith("/bjud-in?skickade=2")

    # An event with the default region still lists Dalarna first.
    dalarna = await create_event(registry, organiser_token)
    picker = select_html(await organiser_browser.page(f"/arrangor/evenemang/{dalarna['id']}/bjud-in"), "municipality")
    assert groups(picker)[0] == "Dalarnas län"


async def test_a_buyer_in_malmo_sees_skane_first_on_its_need_form(web: Browser, registry, make_org, make_token) -> None:
    org = await make_org("buyer", name="Malmö stad", municipality_code="1280", buyer_category="municipality")
    web.sign_in_with(await make_token(Role.BUYER, org))
    html = await web.page("/kopare/behov/ny")
    picker = select_html(html, "delivery_municipality")
    assert groups(picker)[:2] == ["Skåne län", "Stockholms län"]
    found = options(picker)
    assert found[0] == ("", "Ingen särskild kommun", True) and len(found) == 1 + 290

    form = {
        "title": "Snöröjning Malmö", "cpv": "90620000", "procedure": "other", "delivery_municipality": "1281",
        "status": "planned", "contact_name": "Anna", "contact_email": "anna@malmo.se",
    }  # fmt: skip
    response = await web.submit("/kopare/behov/ny", "/kopare/behov/ny", form)
    assert response.status == 303, await response.text()
    need_id = response.headers["Location"].split("/kopare/behov/", 1)[1].split("?", 1)[0]
    stored = await db_need(registry, make_token, need_id)
    assert stored["delivery_municipality"] == "1281"
    edit = select_html(await web.page(f"/kopare/behov/{need_id}"), "delivery_municipality")
    assert groups(edit)[0] == "Skåne län"
    assert [text for _, text, chosen in options(edit) if chosen] == ["Lund"]
    # Its own organisation's page lists Skåne first too.
    home = select_html(await web.page("/kopare/organisation"), "municipality_code")
    assert groups(home)[0] == "Skåne län" and [text for _, text, chosen in options(home) if chosen] == ["Malmö"]


async def db_need(registry, make_token, need_id: str) -> dict:
    token = await make_token(Role.ORGANISER, label="reads the need")
    return await (await registry.get(f"/needs/{need_id}", headers=bearer(token))).json()


async def test_a_firm_in_malmo_serves_all_of_skane_and_a_dalarna_county_is_kept(
    web: Browser, registry, make_org, make_token, organiser_token
) -> None:
    # Stored before: the whole of Dalarna, as the "Hela Dalarna" box saved it.
    firm = await make_org(name="Malmö Städ AB", municipality_code="1280", served_counties=["20"])
    web.sign_in_with(await make_token(Role.SME, firm))
    profile = await web.page("/foretag/profil")
    assert groups(select_html(profile, "municipality_code"))[0] == "Skåne län"
    assert folds(profile)[0] == "Skåne län" and "Dalarnas län (hela länet)" in folds(profile)
    assert re.search(r'<details class="county" open>\s*<summary>Dalarnas län \(hela länet\)</summary>', profile)
    assert '<input type="checkbox" id="f-counties-20" name="counties" value="20" checked>' in profile
    assert '<input type="checkbox" id="f-counties-12" name="counties" value="12">' in profile
    assert '<label for="f-counties-12">Hela Skåne län</label>' in unescape(profile)
    assert len(re.findall(r'name="counties"', profile)) == 21
    assert "Hela Dalarnas län" in unescape(await web.page("/foretag"))

    version = profile.split('name="version" value="', 1)[1].split('"', 1)[0]
    form = [
        (name, value)
        for name, value in registration_form(name="Malmö Städ AB", municipality_code="1280")
        if name not in ("orgnr", "municipalities")
    ] + [("version", version), ("counties", "12"), ("counties", "20"), ("municipalities", "0180")]
    response = await web.submit("/foretag/profil", "/foretag/profil", form)
    assert response.status == 303, await response.text()
    stored = await (await registry.get(f"/organisations/{firm}", headers=bearer(organiser_token))).json()
    assert stored["areas_served"]["counties"] == ["12", "20"]
    assert stored["areas_served"]["municipalities"] == ["0180"]
    start = unescape(await web.page("/foretag"))
    assert "Hela Skåne län, Hela Dalarnas län, Stockholm" in start

    english = unescape(await web.page("/foretag/profil?lang=en"))
    assert '<label for="f-counties-12">All of Skåne län</label>' in english
    assert "Skåne län (the whole county)" in english

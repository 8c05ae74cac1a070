"""The reception pages on the event's day, through the web front end, the registry and the matcher on real
PostgreSQL with one ManualClock: a host signs in with the organiser's link, finds and checks in participants
with one tap (by name, by a scanned agenda link), undoes a mistake, registers a walk-in onto the stand-by
list; nothing changes the day before."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.matcher.app import create_app as create_matcher_app
from services.registry.app import create_app as create_registry_app
from services.web.app import create_app as create_web_app
from shared.auth import Role
from shared.clock import ManualClock
from shared.reference.orgnr import orgnr_from_serial
from tests.matcher.test_reception import DAY_BEFORE, ON_THE_DAY, published_event
from tests.web.conftest import Browser


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(DAY_BEFORE)


@pytest.fixture
async def registry(registry_settings, clock) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_registry_app(registry_settings, clock=clock), host="127.0.0.1")) as client:
        yield client


@pytest.fixture
async def matcher(matcher_settings, matcher_port, clock) -> AsyncIterator[TestClient]:
    server = TestServer(create_matcher_app(matcher_settings, clock=clock), host="127.0.0.1", port=matcher_port)
    async with TestClient(server) as client:
        yield client


@pytest.fixture
async def web(web_settings, clock) -> AsyncIterator[Browser]:
    async with TestClient(TestServer(create_web_app(web_settings, clock=clock), host="127.0.0.1")) as client:
        yield Browser(client)


@pytest.fixture
async def event(registry, matcher, db, make_org, make_token, service_token) -> dict:
    return await published_event(registry, matcher, db, make_org, make_token, service_token)


async def arrived(db) -> list[tuple[str, str]]:
    rows = await db.fetch("SELECT organisation_id, how FROM matcher.arrivals ORDER BY arrived_at")
    return [(str(row["organisation_id"]), row["how"]) for row in rows]


async def test_host_signs_in_with_the_organisers_link_and_checks_in_on_the_day(web, db, event, clock, make_token):
    desk = f"/arrangor/evenemang/{event['id']}/reception"
    web.sign_in_with(event["organiser"])
    response = await web.submit(desk, desk + "/vardar", {"label": "Anna vid dörren"})
    assert response.status == 201
    url = re.search(r'id="host-link"[^>]*>([^<]+)<', await response.text()).group(1)
    path = "/logga-in/vard/" + url.rsplit("/logga-in/vard/", 1)[1]

    web.client.session.cookie_jar.clear()
    signed_in = await web.submit(path, path, {}, follow=True)
    html = await signed_in.text()
    assert signed_in.status == 200 and str(signed_in.url.path) == desk, html[:500]
    assert "Anlända: 0 av 3 väntade" in html
    assert html.count(">Anländ<") == 3

    # The day before: refused, nothing recorded.
    found = await web.page(desk + "?q=städ")
    assert "Falu Städ &amp; Fönsterputs AB" in found and "Mora Snöröjning" not in found
    tapped = await web.submit(
        desk + "?q=städ", desk + "/incheckning", {"organisation_id": event["orgs"]["sme"], "q": "städ"}, follow=True
    )
    assert "Incheckning går bara på evenemangsdagen." in await tapped.text()
    assert await arrived(db) == []

    clock.set(ON_THE_DAY)
    tapped = await web.submit(
        desk + "?q=städ", desk + "/incheckning", {"organisation_id": event["orgs"]["sme"], "q": "städ"}, follow=True
    )
    html = await tapped.text()
    assert "Falu Städ &amp; Fönsterputs AB är incheckad." in html and "Anlända: 1 av 3 väntade" in html
    assert await arrived(db) == [(event["orgs"]["sme"], "name")]

    # Undo, then scan the agenda link's QR code (the scanner types its URL into the search box).
    await web.submit(desk, f"{desk}/{event['orgs']['sme']}/angra", {})
    assert await arrived(db) == []
    scanned = await web.page(desk + "?q=" + f"https://agenda.example/a/{event['links']['buyer']}")
    assert "Skannad agendalänk" in scanned
    done = await web.submit(
        desk, desk + "/incheckning", {"link_token": event["links"]["buyer"], "how": "qr"}, follow=True
    )
    assert "Falu kommun är incheckad." in await done.text()
    assert await arrived(db) == [(event["orgs"]["buyer"], "qr")]

    # The host serves this event only, and may not make more hosts.
    assert (await web.client.get(f"/arrangor/evenemang/{event['id']}/schema")).status == 403


async def test_walk_in_is_registered_checked_in_and_on_standby(web, db, event, clock):
    desk = f"/arrangor/evenemang/{event['id']}/reception"
    web.sign_in_with(event["host"])
    form = {
        "orgnr": orgnr_from_serial(4_343_434),
        "name": "Säters Måleri AB",
        "contact_name": "Lisa Lund",
        "contact_email": "lisa@malerisater.se",
        "cpv_codes": "45442100",
    }
    early = await web.submit(desk + "/ny", desk + "/ny", form)
    assert early.status == 422
    assert "Firmor registreras på plats bara på evenemangsdagen." in await early.text()

    clock.set(ON_THE_DAY)
    missing = await web.submit(desk + "/ny", desk + "/ny", {**form, "contact_email": ""})
    assert missing.status == 422 and "Fyll i en e-postadress." in await missing.text()
    done = await web.submit(desk + "/ny", desk + "/ny", form, follow=True)
    assert "Säters Måleri AB är registrerad, incheckad och står på reservlistan." in await done.text()
    walk_in = await db.fetchval("SELECT id FROM registry.organisations WHERE name = 'Säters Måleri AB'")
    assert await arrived(db) == [(str(walk_in), "walk_in")]
    assert await db.fetchval("SELECT source FROM matcher.standby WHERE organisation_id = $1", walk_in) == "walk_in"
    english = await web.page(desk + "?lang=en")
    assert "Arrived: 1 of 4 expected" in english and "Register a firm on the spot" in english


async def test_arrived_firm_with_free_time_goes_on_standby(web, db, event, clock):
    desk = f"/arrangor/evenemang/{event['id']}/reception"
    web.sign_in_with(event["host"])
    clock.set(ON_THE_DAY)
    firm = event["orgs"]["sme_free"]
    await web.submit(desk, desk + "/incheckning", {"organisation_id": firm})
    page = await web.page(desk + "?q=Mora")
    assert "Sätt på reservlistan" in page
    await web.submit(desk, f"{desk}/{firm}/reserv", {"q": "Mora"})
    assert await db.fetchval("SELECT count(*) FROM matcher.standby WHERE left_at IS NULL") == 1
    assert "Ta bort från reservlistan" in await web.page(desk + "?q=Mora")
    await web.submit(desk, f"{desk}/{firm}/reserv", {"leave": "1"})
    assert await db.fetchval("SELECT count(*) FROM matcher.standby WHERE left_at IS NULL") == 0


async def test_scanned_qr_opens_check_in_for_a_signed_in_organiser(web, db, event, clock, make_token):
    clock.set(ON_THE_DAY)
    path = f"/incheckning/{event['links']['sme']}"
    anonymous = await web.client.get(path, allow_redirects=False)
    assert anonymous.status == 303 and anonymous.headers["Location"].endswith(f"/a/{event['links']['sme']}.html")
    web.sign_in_with(await make_token(Role.ORGANISER))
    page = await web.page(path)
    assert "Checka in Falu Städ &amp; Fönsterputs AB" in page
    done = await web.submit(
        path,
        f"/arrangor/evenemang/{event['id']}/reception/incheckning",
        {"link_token": event["links"]["sme"], "how": "qr"},
        follow=True,
    )
    assert "är incheckad." in await done.text()
    assert await arrived(db) == [(event["orgs"]["sme"], "qr")]
    # A buyer may not use the reception.
    web.sign_in_with(event["tokens"]["buyer"])
    assert (await web.client.get(f"/arrangor/evenemang/{event['id']}/reception")).status == 403


async def test_the_buyers_agenda_page_shows_who_has_arrived(web, db, event, clock, matcher):
    clock.set(ON_THE_DAY)
    web.sign_in_with(event["tokens"]["buyer"])
    page = f"/kopare/evenemang/{event['id']}/agenda"
    assert "Har anlänt" not in await web.page(page)
    response = await matcher.post(
        f"/events/{event['id']}/arrivals",
        json={"organisation_id": event["orgs"]["sme"]},
        headers={"Authorization": f"Bearer {event['host']}"},
    )
    assert response.status == 201
    html = await web.page(page)
    assert f'id="arrived-{event["orgs"]["sme"]}"' in html and "Har anlänt" in html
    assert "Has arrived" in await web.page(page + "?lang=en")


async def test_the_log_page_names_check_ins_and_the_host(web, event, clock, matcher):
    clock.set(ON_THE_DAY)
    response = await matcher.post(
        f"/events/{event['id']}/arrivals",
        json={"organisation_id": event["orgs"]["sme"]},
        headers={"Authorization": f"Bearer {event['host']}"},
    )
    assert response.status == 201
    web.sign_in_with(event["organiser"])
    html = await web.page(f"/arrangor/evenemang/{event['id']}/logg")
    assert "Checkade in en deltagare" in html and "Värd" in html

"""A phone's camera on a participant's QR code: the code on the real HTML and PDF agendas (and the reception's
file) holds the web's check-in address of the agenda link's token (``MATCHER_WEB_URL/incheckning/{token}``),
decoded with zxing-cpp; followed over real HTTP it gives the event's host the one-tap check-in (and, once
done, says so with the time), and sends anyone else (no session, the participant, a host of another event)
on to the participant's agenda page on the matcher. Registry, matcher and web on loopback, one ManualClock."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urlencode, urlsplit

import pytest
from aiohttp.test_utils import TestClient, TestServer

from services.matcher.app import create_app as create_matcher_app
from services.registry.app import create_app as create_registry_app
from services.web.app import create_app as create_web_app
from shared.auth import Role
from shared.clock import ManualClock
from tests.conftest import bearer, free_port
from tests.matcher.test_agenda_qr import pdf_codes, svg_codes
from tests.matcher.test_reception import DAY_BEFORE, ON_THE_DAY, published_event
from tests.test_events import NEXT_YEAR, create_event
from tests.web.conftest import Browser

# Another event, a month on (the clock stands on this one's day, past its sign-up deadline).
ANOTHER_DAY = {"event_date": f"{NEXT_YEAR}-11-05", "signup_deadline": f"{NEXT_YEAR}-11-01T12:00:00+01:00"}


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(DAY_BEFORE)


@pytest.fixture
def web_port() -> int:
    return free_port()


@pytest.fixture
async def registry(registry_settings, clock) -> AsyncIterator[TestClient]:
    async with TestClient(TestServer(create_registry_app(registry_settings, clock=clock), host="127.0.0.1")) as client:
        yield client


@pytest.fixture
async def matcher(matcher_settings, matcher_port, web_port, clock) -> AsyncIterator[TestClient]:
    settings = matcher_settings.model_copy(update={"web_url": f"http://127.0.0.1:{web_port}"})
    server = TestServer(create_matcher_app(settings, clock=clock), host="127.0.0.1", port=matcher_port)
    async with TestClient(server) as client:
        yield client


@pytest.fixture
async def web(web_settings, web_port, clock) -> AsyncIterator[Browser]:
    server = TestServer(create_web_app(web_settings, clock=clock), host="127.0.0.1", port=web_port)
    async with TestClient(server) as client:
        yield Browser(client)


@pytest.fixture
async def event(registry, matcher, db, make_org, make_token, service_token) -> dict:
    return await published_event(registry, matcher, db, make_org, make_token, service_token)


async def scanned(matcher: TestClient, token: str) -> tuple[list[str], list[str]]:
    """The codes on the participant's own agenda page and PDF, read by its link."""
    html = await (await matcher.get(f"/a/{token}.html")).text()
    pdf = await (await matcher.get(f"/a/{token}.pdf")).read()
    return svg_codes(html), [code for page in pdf_codes(pdf) for code in page]


async def test_the_code_opens_check_in_for_the_host_and_the_agenda_for_anyone_else(
    web, registry, matcher, db, event, clock, make_token, web_port
):
    token = event["links"]["sme"]
    address = f"http://127.0.0.1:{web_port}/incheckning/{token}"
    html_codes, pdf_codes_found = await scanned(matcher, token)
    assert set(html_codes) == {address} and pdf_codes_found and set(pdf_codes_found) == {address}
    buyer_html, buyer_pdf = await scanned(matcher, event["links"]["buyer"])
    assert set(buyer_html) == set(buyer_pdf) == {f"http://127.0.0.1:{web_port}/incheckning/{event['links']['buyer']}"}
    # The reception's file: each firm's page holds its check-in address too.
    file = await matcher.get(f"/events/{event['id']}/agendas/smes.pdf", headers=bearer(event["organiser"]))
    codes = {code for page in pdf_codes(await file.read()) for code in page}
    assert f"http://127.0.0.1:{web_port}/incheckning/{token}" in codes and all("/incheckning/" in c for c in codes)

    path = urlsplit(address).path
    # No session (the firm scanning its own code): on to its agenda page on the matcher, never cached.
    anonymous = await web.client.get(path, allow_redirects=False)
    assert anonymous.status == 303, await anonymous.text()
    assert anonymous.headers["Location"] == str(matcher.make_url(f"/a/{token}.html"))
    assert "no-store" in anonymous.headers["Cache-Control"]
    agenda = await web.client.session.get(anonymous.headers["Location"])
    assert agenda.status == 200 and "Falu Städ &amp; Fönsterputs AB" in await agenda.text()
    english = await web.client.get(path + "?lang=en", allow_redirects=False)
    assert english.headers["Location"].endswith(f"/a/{token}.html?lang=en")
    # The participant signed in as itself, and a host of another event: the agenda too.
    web.sign_in_with(event["tokens"]["sme"])
    as_firm = await web.client.get(path + "?lang=sv", allow_redirects=False)  # Swedish again (the choice is kept)
    assert as_firm.headers["Location"].endswith(f"/a/{token}.html")
    elsewhere = await create_event(registry, event["organiser"], **ANOTHER_DAY)
    other_event = await make_token(Role.HOST, label="Reception 2", event_id=elsewhere["id"])
    web.sign_in_with(other_event)
    assert (await web.client.get(path, allow_redirects=False)).status == 303
    assert await db.fetchval("SELECT count(*) FROM matcher.arrivals") == 0

    # The event's host, the day before: the page, but no check-in yet.
    web.sign_in_with(event["host"])
    before = await web.page(path)
    assert "Checka in Falu Städ &amp; Fönsterputs AB" in before and "går bara på evenemangsdagen" in before
    assert 'name="link_token"' not in before
    # On the day: one tap checks in by the scanned link.
    clock.set(ON_THE_DAY)
    page = await web.page(path)
    assert 'name="link_token"' in page and "redan incheckad" not in page
    done = await web.submit(
        path,
        f"/arrangor/evenemang/{event['id']}/reception/incheckning",
        {"link_token": token, "how": "qr"},
        follow=True,
    )
    assert "är incheckad." in await done.text()
    rows = await db.fetch("SELECT organisation_id, how, by_role FROM matcher.arrivals")
    assert [(str(r["organisation_id"]), r["how"], r["by_role"]) for r in rows] == [(event["orgs"]["sme"], "qr", "host")]
    # Scanned again: it says so, with the time it arrived (09:00 in Stockholm), and offers no second tap.
    again = await web.page(path)
    assert "Falu Städ &amp; Fönsterputs AB är redan incheckad (anlände 09:00)." in again
    assert 'name="link_token"' not in again
    assert "has already checked in (arrived 09:00)" in await web.page(path + "?lang=en")
    # An organiser gets the same page.
    web.sign_in_with(event["organiser"])
    assert "redan incheckad (anlände 09:00)" in await web.page(path + "?lang=sv")


async def test_a_forged_or_revoked_code_is_refused_to_the_host_and_changes_nothing(web, matcher, db, event, clock):
    clock.set(ON_THE_DAY)
    web.sign_in_with(event["host"])
    forged = "A" * 43
    page = await web.page(f"/incheckning/{forged}", status=404)
    assert "finns inte eller är återkallad" in page and 'name="link_token"' not in page
    assert (await web.client.get("/incheckning/too-short", allow_redirects=False)).status == 404
    links = await (await matcher.get(f"/events/{event['id']}/agenda-links", headers=bearer(event["organiser"]))).json()
    sme_link = next(item for item in links["items"] if item["organisation_id"] == event["orgs"]["sme"])
    revoked = await matcher.delete(
        f"/events/{event['id']}/agenda-links/{sme_link['id']}", headers=bearer(event["organiser"])
    )
    assert revoked.status == 204
    assert "finns inte" in await web.page(f"/incheckning/{event['links']['sme']}", status=404)
    assert await db.fetchval("SELECT count(*) FROM matcher.arrivals") == 0


async def test_the_scan_lookup_api_serves_only_the_events_reception(registry, matcher, event, make_token, clock):
    token = event["links"]["sme"]
    ask = {"link_token": token}
    answer = await matcher.post("/reception/scans", json=ask, headers=bearer(event["host"]))
    assert answer.status == 200, await answer.text()
    body = await answer.json()
    assert body["event_id"] == event["id"] and body["organisation_id"] == event["orgs"]["sme"]
    assert body["name"] == "Falu Städ & Fönsterputs AB" and body["kind"] == "sme"
    assert body["arrived_at"] is None and body["event_day"] is False and body["cancelled"] is False
    elsewhere = await create_event(registry, event["organiser"], **ANOTHER_DAY)
    other = await make_token(Role.HOST, label="Reception 2", event_id=elsewhere["id"])
    assert (await matcher.post("/reception/scans", json=ask, headers=bearer(other))).status == 403
    for role_token in (event["tokens"]["sme"], event["tokens"]["buyer"]):
        assert (await matcher.post("/reception/scans", json=ask, headers=bearer(role_token))).status == 403
    unknown = await matcher.post("/reception/scans", json={"link_token": "B" * 43}, headers=bearer(event["host"]))
    assert unknown.status == 404 and unknown.content_type == "application/problem+json"
    bad = await matcher.post("/reception/scans", json={"link_token": ""}, headers=bearer(event["host"]))
    assert bad.status == 422
    assert [e["pointer"] for e in (await bad.json())["errors"]] == ["/link_token"]


async def test_the_reception_box_takes_the_check_in_address_and_the_agenda_link(
    web, matcher, db, event, clock, web_port
):
    clock.set(ON_THE_DAY)
    web.sign_in_with(event["host"])
    desk = f"/arrangor/evenemang/{event['id']}/reception"
    token = event["links"]["sme"]
    for pasted in (f"http://127.0.0.1:{web_port}/incheckning/{token}", str(matcher.make_url(f"/a/{token}"))):
        page = await web.page(desk + "?" + urlencode({"q": pasted}))
        assert 'id="scanned"' in page and f'value="{token}"' in page, pasted
    address = f"http://127.0.0.1:{web_port}/incheckning/{token}"
    done = await web.submit(desk, desk + "/incheckning", {"link_token": address, "how": "qr"}, follow=True)
    assert "är incheckad." in await done.text()
    rows = await db.fetch("SELECT organisation_id, how FROM matcher.arrivals")
    assert [(str(r["organisation_id"]), r["how"]) for r in rows] == [(event["orgs"]["sme"], "qr")]

"""The buyer's pages on the real front end, against the real registry and matcher: needs typed in and
imported, a sign-up with tables and availability, the table agenda, and who may not use these pages."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable

import aiohttp
import pytest

from services.matcher.agendas import meetings_from_engine
from services.matcher.engine.encode import encode_snapshot
from services.matcher.engine.examples import synthetic_snapshot
from services.matcher.engine.pipeline import plan_bipartite
from services.registry.ocds import EXAMPLE_RELEASE
from services.web.session import CSRF_FIELD
from shared.auth import Role
from shared.snapshot import EventSnapshot
from tests.conftest import bearer
from tests.matcher.test_agenda_routes import publish, store_version, with_people
from tests.test_events import create_event, move_to

from .conftest import Browser, csrf_from

pytestmark = pytest.mark.db

FALUN_ORGNR = "212000-2080"


@pytest.fixture
async def buyer(make_org: Callable, make_token: Callable) -> dict:
    """Falu kommun (the orgnr of the OCDS example) with a buyer token."""
    org = await make_org("buyer", name="Falu kommun", orgnr=FALUN_ORGNR, buyer_category="municipality")
    return {"id": str(org), "token": await make_token(Role.BUYER, org)}


@pytest.fixture
async def buyer_web(web: Browser, buyer: dict) -> Browser:
    web.sign_in_with(buyer["token"])
    return web


def need_form(**overrides: str) -> dict[str, str]:
    form = {
        "title": "Snöröjning Falun",
        "description": "Plogning och sandning av kommunens gator",
        "cpv": "90620000-9, 90630000",
        "estimated_value_sek": "1 200 000",
        "procedure": "simplified",
        "planned_tender_date": "2027-04-01",
        "contract_start": "2027-10-01",
        "contract_end": "2029-04-30",
        "delivery_municipality": "2080",
        "suitable_for_smes": "on",
        "reference": "KS 2027/0042",
        "status": "planned",
        "contact_name": "Anna Andersson",
        "contact_email": "anna@falun.se",
        "contact_phone": "023-123 45",
        "version": "",
    }
    form.update(overrides)
    return form


async def api_get(client, path: str, token: str) -> dict:
    response = await client.get(path, headers=bearer(token))
    assert response.status == 200, await response.text()
    return await response.json()


async def needs_of(registry, buyer: dict) -> list[dict]:
    return (await api_get(registry, f"/needs?buyer_id={buyer['id']}", buyer["token"]))["items"]


async def test_a_buyer_adds_a_need_with_the_form(buyer_web: Browser, registry, buyer: dict) -> None:
    response = await buyer_web.submit("/kopare/behov/ny", "/kopare/behov/ny", need_form())
    assert response.status == 303, await response.text()
    need_id = response.headers["Location"].split("/")[3].split("?")[0]
    need = await api_get(registry, f"/needs/{need_id}", buyer["token"])
    assert (need["title"], need["cpv_main"], need["cpv_additional"]) == ("Snöröjning Falun", "90620000", ["90630000"])
    assert need["estimated_value_sek"] == 1_200_000 and need["procedure"] == "simplified"
    assert (need["planned_tender_date"], need["contract_end"]) == ("2027-04-01", "2029-04-30")
    assert need["status"] == "planned" and need["delivery_municipality"] == "2080"
    assert need["contact"] == {"name": "Anna Andersson", "email": "anna@falun.se", "phone": "+462312345"}
    assert need["buyer"]["id"] == buyer["id"]
    html = await buyer_web.page(response.headers["Location"])
    assert "Behovet är sparat." in html and 'value="Snöröjning Falun"' in html
    start = await buyer_web.page("/kopare")
    assert "Snöröjning Falun" in start and "Falu kommun" in start


async def test_bad_input_is_shown_next_to_each_field_and_nothing_is_saved(
    buyer_web: Browser, registry, buyer: dict
) -> None:
    form = need_form(title="", cpv="90620000, 12345678", estimated_value_sek="ungefär en miljon")
    response = await buyer_web.submit("/kopare/behov/ny", "/kopare/behov/ny", form)
    html = await response.text()
    assert response.status == 422
    for name in ("title", "cpv", "estimated_value_sek"):
        assert f'id="f-{name}-error"' in html, name
    assert "Fyll i det här fältet." in html
    assert "12345678 är ingen CPV-kod" in html
    assert "Skriv ett heltal." in html
    # What was typed is still there.
    assert 'value="90620000, 12345678"' in html and 'value="ungefär en miljon"' in html
    assert 'value="KS 2027/0042"' in html and 'value="Anna Andersson"' in html
    assert 'id="error-summary"' in html and 'aria-invalid="true"' in html
    assert await needs_of(registry, buyer) == []

    backwards = need_form(contract_start="2028-01-01", contract_end="2027-01-01")
    response = await buyer_web.submit("/kopare/behov/ny", "/kopare/behov/ny", backwards)
    assert response.status == 422 and 'id="f-contract_end-error"' in await response.text()
    assert await needs_of(registry, buyer) == []


async def create_need(registry, token: str, **fields: object) -> dict:
    body = {"title": "Skolskjuts", "cpv_main": "60130000", "status": "planned", **fields}
    response = await registry.post("/needs", json=body, headers=bearer(token))
    assert response.status == 201, await response.text()
    return await response.json()


async def test_a_buyer_edits_moves_and_deletes_a_need(buyer_web: Browser, registry, buyer: dict) -> None:
    need = await create_need(registry, buyer["token"], status="planning")
    path = f"/kopare/behov/{need['id']}"
    html = await buyer_web.page(path)
    assert 'value="Skolskjuts"' in html and "data-cpv-picker" in html
    form = need_form(title="Skolskjuts 2027", cpv="60130000", estimated_value_sek="", version=str(need["version"]))
    response = await buyer_web.submit(path, path, form)
    assert response.status == 303, await response.text()
    stored = await api_get(registry, f"/needs/{need['id']}", buyer["token"])
    assert stored["title"] == "Skolskjuts 2027" and stored["estimated_value_sek"] is None
    assert stored["status"] == "planning"  # the status changes only through its own form

    # A second tab with the old version does not silently overwrite the change.
    stale = need_form(title="Gammal rubrik", cpv="60130000", version=str(need["version"]))
    response = await buyer_web.submit(path, path, stale)
    assert response.status == 422 and "Någon annan har ändrat" in await response.text()
    assert (await api_get(registry, f"/needs/{need['id']}", buyer["token"]))["title"] == "Skolskjuts 2027"

    response = await buyer_web.submit(path, path + "/status", {"status": "planned", "reason": ""})
    assert response.status == 303
    assert (await api_get(registry, f"/needs/{need['id']}", buyer["token"]))["status"] == "planned"

    assert "Ja, ta bort behovet" in await buyer_web.page(path + "/ta-bort")
    response = await buyer_web.submit(path + "/ta-bort", path + "/ta-bort", {})
    assert response.status == 303 and response.headers["Location"].startswith("/kopare")
    assert (await registry.get(f"/needs/{need['id']}", headers=bearer(buyer["token"]))).status == 404


async def post_file(web: Browser, path: str, content: bytes) -> aiohttp.ClientResponse:
    """The import form posted as a browser does: multipart with the file."""
    html = await web.page(path)
    data = aiohttp.FormData()
    data.add_field(CSRF_FIELD, csrf_from(html))
    data.add_field("file", content, filename="behov.json", content_type="application/json")
    data.add_field("json", "")
    return await web.client.post(path, data=data, allow_redirects=False)


async def test_needs_are_imported_from_an_ocds_file(buyer_web: Browser, registry, buyer: dict) -> None:
    second = copy.deepcopy(EXAMPLE_RELEASE)
    second["ocid"] = "ocds-example-falun-2026-002"
    second["tender"]["title"] = "Skolmåltider"
    package = {"uri": "https://example.org/p.json", "version": "1.1", "releases": [EXAMPLE_RELEASE, second]}
    response = await post_file(buyer_web, "/kopare/behov/importera", json.dumps(package).encode())
    html = await response.text()
    assert response.status == 200, html
    assert "Nya behov: 2. Uppdaterade behov: 0." in html and "Skolmåltider" in html
    titles = sorted(need["title"] for need in await needs_of(registry, buyer))
    assert titles == ["Skolmåltider", "Snöröjning Falun"]

    # Pasted JSON works too; a broken release is reported by its number and nothing is imported.
    broken = copy.deepcopy(second)
    broken["ocid"] = "ocds-example-falun-2026-003"
    broken["tender"]["items"] = [{"id": "1", "classification": {"scheme": "CPV", "id": "12345678"}}]
    pasted = json.dumps({"releases": [EXAMPLE_RELEASE, broken]})
    response = await buyer_web.submit("/kopare/behov/importera", "/kopare/behov/importera", {"json": pasted})
    html = await response.text()
    assert response.status == 422 and "Release 2" in html and "ocds-example-falun-2026-003" in html
    assert "Inget importerades" in html
    assert len(await needs_of(registry, buyer)) == 2

    response = await buyer_web.submit("/kopare/behov/importera", "/kopare/behov/importera", {"json": "{nej"})
    assert response.status == 422 and "inte giltig JSON" in await response.text()
    deep = await post_file(buyer_web, "/kopare/behov/importera", b"[" * 100_000 + b"]" * 100_000)
    assert deep.status == 422 and "inte giltig JSON" in await deep.text()


async def test_a_buyer_signs_up_with_tables_availability_and_wanted_smes(
    buyer_web: Browser, registry, organiser_token: str, make_org: Callable, buyer: dict
) -> None:
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open")
    sme = str(await make_org("sme", name="Dala Städ AB"))
    other_sme = str(await make_org("sme", name="Mora Bygg AB"))
    need = await create_need(registry, buyer["token"])
    path = f"/kopare/evenemang/{event['id']}/anmalan"
    assert f"/kopare/evenemang/{event['id']}/anmalan" in await buyer_web.page("/kopare")
    html = await buyer_web.page(path)
    assert "Dala Städ AB" in html and "Mora Bygg AB" in html and "09:00–09:20" in html
    filtered = await buyer_web.page(path + "?q=Dala")
    assert "Dala Städ AB" in filtered and "Mora Bygg AB" not in filtered

    form = [
        ("tables", "2"),
        *(("slots", str(index)) for index in (0, 1, 2)),
        ("representative_rows", "2"),
        ("representatives.0.name", "Anna Andersson"),
        ("representatives.0.title", "Upphandlare"),
        ("representatives.1.name", "Bo Berg"),
        ("representatives.1.title", ""),
        ("brought_needs", need["id"]),
        (f"rank.{other_sme}", "2"),
        (f"rank.{sme}", "1"),
        ("languages", "sv"),
        ("note", "Vi kommer med två bord"),
        ("version", ""),
    ]
    response = await buyer_web.submit(path, path, form)
    assert response.status == 303, await response.text()
    listing = await api_get(registry, f"/events/{event['id']}/registrations", buyer["token"])
    [registration] = listing["items"]
    assert registration["tables"] == 2 and registration["available_slots"] == [0, 1, 2]
    assert [p["name"] for p in registration["representatives"]] == ["Anna Andersson", "Bo Berg"]
    assert registration["brought_needs"] == [need["id"]]
    assert sorted(registration["wanted_smes"]) == sorted([sme, other_sme])
    assert registration["note"] == "Vi kommer med två bord"

    # The form shows the sign-up again; a change is a PATCH of the same registration.
    html = await buyer_web.page(path)
    assert "Anmälan är sparad." in await buyer_web.page(path + "?sparad=1")
    assert 'value="Anna Andersson"' in html and "Spara ändringarna" in html
    changed = [(k, v) for k, v in form if k not in ("tables", "version", "slots")]
    changed += [("tables", "1"), ("version", str(registration["version"]))]
    changed += [("slots", str(index)) for index in range(6)]  # every slot: all day
    response = await buyer_web.submit(path, path, changed)
    assert response.status == 303, await response.text()
    [again] = (await api_get(registry, f"/events/{event['id']}/registrations", buyer["token"]))["items"]
    assert again["id"] == registration["id"] and again["tables"] == 1 and again["available_slots"] is None

    # Too many tables and no slot at all: both shown next to their fields.
    bad = [(k, v) for k, v in changed if k not in ("tables", "slots", "version")]
    bad += [("tables", "99"), ("version", str(again["version"]))]
    response = await buyer_web.submit(path, path, bad)
    html = await response.text()
    assert response.status == 422 and 'id="f-slots-error"' in html
    bad.append(("slots", "0"))
    response = await buyer_web.submit(path, path, bad)
    html = await response.text()
    assert response.status == 422 and 'id="f-tables-error"' in html and 'value="99"' in html

    response = await buyer_web.submit(
        f"/kopare/evenemang/{event['id']}/avboka", f"/kopare/evenemang/{event['id']}/avboka", {"reason": "Sjukdom"}
    )
    assert response.status == 303
    [cancelled] = (await api_get(registry, f"/events/{event['id']}/registrations", buyer["token"]))["items"]
    assert cancelled["status"] == "cancelled" and cancelled["cancel_reason"] == "Sjukdom"


async def test_the_table_agenda_before_and_after_publication(
    web: Browser, registry, matcher, db, make_org: Callable, make_token: Callable, organiser_token: str
) -> None:
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open")
    data = with_people(synthetic_snapshot(smes=6, buyers=2, needs_per_buyer=2, seed=3)).model_dump()
    data["event"]["id"] = event["id"]  # the schedule of an event the registry knows
    snapshot = EventSnapshot.model_validate(data)
    encoded = encode_snapshot(snapshot)
    meetings = meetings_from_engine(encoded, plan_bipartite(encoded.instance).schedule)
    buyer = snapshot.buyers[0].organisation.id
    await make_org("buyer", id=buyer)
    web.sign_in_with(await make_token(Role.BUYER, buyer))
    event_id = snapshot.event.id
    await store_version(db, snapshot, meetings, 1)
    html = await web.page(f"/kopare/evenemang/{event_id}/agenda")
    assert 'id="agenda-not-published"' in html

    await publish(db, event_id, 1)
    html = await web.page(f"/kopare/evenemang/{event_id}/agenda")
    names = {sme.organisation.id: sme.organisation.name for sme in snapshot.smes}
    theirs = [m for m in meetings if m.buyer_id == buyer]
    assert theirs and all(names[m.sme_id] in html for m in theirs)
    assert "Bord 1 (ert bord 1)" in html and "Bord 2 (ert bord 2)" in html
    pdf = await web.client.get(f"/kopare/evenemang/{event_id}/agenda.pdf")
    assert pdf.status == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert (await pdf.read()).startswith(b"%PDF")
    ics = await web.client.get(f"/kopare/evenemang/{event_id}/agenda.ics")
    assert ics.status == 200 and b"BEGIN:VCALENDAR" in await ics.read()


async def test_only_the_buyer_itself_uses_its_pages(
    web: Browser, registry, make_org: Callable, make_token: Callable, buyer: dict
) -> None:
    sme = await make_org("sme")
    web.sign_in_with(await make_token(Role.SME, sme))
    for path in ("/kopare", "/kopare/behov/ny", "/kopare/organisation"):
        await web.page(path, status=403)

    other = await make_org("buyer", name="Region Dalarna")
    other_token = await make_token(Role.BUYER, other)
    theirs = await create_need(registry, other_token, title="Regionens behov")
    web.sign_in_with(buyer["token"])
    path = f"/kopare/behov/{theirs['id']}"
    await web.page(path, status=403)
    response = await web.submit("/kopare/behov/ny", path, need_form(title="Kapad", cpv="60130000"))
    assert response.status == 403
    assert (await api_get(registry, f"/needs/{theirs['id']}", other_token))["title"] == "Regionens behov"

    web.client.session.cookie_jar.clear()
    response = await web.client.get("/kopare", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/logga-in")


async def test_the_buyer_changes_its_organisation(buyer_web: Browser, registry, buyer: dict) -> None:
    html = await buyer_web.page("/kopare/organisation")
    assert 'value="Falu kommun"' in html
    form = {
        "version": "1",
        "name": "Falu kommun",
        "municipality_code": "2080",
        "buyer_category": "municipality",
        "description": "Kommunen i Dalarnas mitt",
        "website": "https://www.falun.se",
        "keywords": "snöröjning, skolmat",
        "cpv_codes": "90620000",
        "contact_rows": "1",
        "contacts.0.name": "Anna Andersson",
        "contacts.0.title": "Upphandlingschef",
        "contacts.0.email": "anna@falun.se",
        "contacts.0.phone": "",
    }
    response = await buyer_web.submit("/kopare/organisation", "/kopare/organisation", form)
    assert response.status == 303, await response.text()
    stored = await api_get(registry, f"/organisations/{buyer['id']}", buyer["token"])
    assert stored["description"] == "Kommunen i Dalarnas mitt" and stored["keywords"] == ["snöröjning", "skolmat"]
    assert [c["email"] for c in stored["contacts"]] == ["anna@falun.se"]

    bad = {**form, "version": str(stored["version"]), "name": "", "contacts.0.email": "inte-en-adress"}
    response = await buyer_web.submit("/kopare/organisation", "/kopare/organisation", bad)
    html = await response.text()
    assert response.status == 422
    assert 'id="f-name-error"' in html and 'id="f-contacts.0.email-error"' in html
    assert 'value="inte-en-adress"' in html
    assert (await api_get(registry, f"/organisations/{buyer['id']}", buyer["token"]))["name"] == "Falu kommun"


async def test_sign_up_is_refused_in_words_once_the_event_is_closed(
    buyer_web: Browser, registry, organiser_token: str
) -> None:
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open")
    path = f"/kopare/evenemang/{event['id']}/anmalan"
    html = await buyer_web.page(path)  # the form, with its CSRF token, while still open
    await move_to(registry, organiser_token, event["id"], "closed")
    assert 'id="signup-closed"' in await buyer_web.page(path)
    response = await buyer_web.client.post(
        path, data={"tables": "1", "slots": "0", CSRF_FIELD: csrf_from(html)}, allow_redirects=False
    )
    assert response.status == 409 and "inte öppet för anmälan" in await response.text()
    listing = await api_get(registry, f"/events/{event['id']}/registrations", organiser_token)
    assert listing["items"] == []

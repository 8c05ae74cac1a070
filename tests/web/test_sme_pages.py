"""The firm's pages on the real front end against the real registry and matcher: registering without an
account, the CPV and org.nr look-ups, browsing needs, signing up, changing and cancelling, the agenda,
and that no other organisation gets at a firm's pages."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from shared.auth import Role
from tests.conftest import bearer
from tests.test_events import create_event, move_to
from tests.test_registrations import add_need

from .conftest import Browser, unique_email

pytestmark = pytest.mark.db

ORGNR = "556036-0793"


def registration_form(**overrides: Any) -> list[tuple[str, str]]:
    values = {
        "orgnr": "5560360793",
        "name": "Dala Fönsterputs AB",
        "municipality_code": "2080",
        "employees_band": "1-9",
        "description": "Fönsterputs och städning",
        "cpv_codes": "90910000, 90911300-9",
        "contact_name": "Sara Berg",
        "contact_email": unique_email(),
        "contact_phone": "070-123 45 67",
        "website": "",
    }
    values.update(overrides)
    fields = list(values.items())
    fields += [("municipalities", "2080"), ("municipalities", "2062")]
    return fields


async def session_token(web: Browser) -> str:
    cookie = web.client.session.cookie_jar.filter_cookies(web.client.make_url("/"))["atr_session"]
    return cookie.value


async def organisation_count(db) -> int:
    return await db.fetchval("SELECT count(*) FROM registry.organisations")


# --- registration ---------------------------------------------------------------------------------------


async def test_register_creates_the_firm_and_signs_it_in(web: Browser, registry, organiser_token: str) -> None:
    form = registration_form()
    email = dict(form)["contact_email"]
    html = await web.page("/registrera")
    assert 'id="f-orgnr"' in html and 'aria-live="polite"' in html and "cpv-picker.js" in html
    response = await web.submit("/registrera", "/registrera", form)
    assert response.status == 303, await response.text()
    assert response.headers["Location"] == "/foretag?registrerad=1"

    whoami = await registry.get("/auth/whoami", headers=bearer(await session_token(web)))
    principal = await whoami.json()
    assert principal["role"] == "sme"
    stored = await (
        await registry.get(f"/organisations/{principal['organisation_id']}", headers=bearer(organiser_token))
    ).json()
    assert stored["orgnr"] == ORGNR and stored["name"] == "Dala Fönsterputs AB"
    assert stored["cpv_codes"] == ["90910000", "90911300"]
    assert stored["areas_served"] == {"whole_country": False, "counties": [], "municipalities": ["2080", "2062"]}
    assert stored["employees_band"] == "1-9"
    assert stored["contacts"][0]["email"] == email and stored["contacts"][0]["phone"] == "+46701234567"

    start = await web.page("/foretag?registrerad=1")
    assert "Dala Fönsterputs AB" in start and "Företaget är registrerat" in start
    assert "Städning" in start and "Falun" in start


async def test_bad_orgnr_and_missing_fields_are_shown_next_to_the_fields(web: Browser, db) -> None:
    before = await organisation_count(db)
    form = registration_form(orgnr="556036-0794", name="", cpv_codes="", contact_email="sara@example.se")
    response = await web.submit("/registrera", "/registrera", form)
    html = await response.text()
    assert response.status == 422
    assert 'id="f-orgnr-error"' in html and "Kontrollsiffran stämmer inte" in html
    assert 'id="f-name-error"' in html and 'id="f-cpv_codes-error"' in html
    assert 'value="556036-0794"' in html and 'value="sara@example.se"' in html and 'value="Sara Berg"' in html
    assert 'name="municipalities" value="2080" checked' in html and 'value="2062" checked' in html
    assert 'id="error-summary"' in html
    assert await organisation_count(db) == before


async def test_registry_field_errors_come_back_next_to_the_fields(web: Browser, db) -> None:
    before = await organisation_count(db)
    response = await web.submit(
        "/registrera", "/registrera", registration_form(contact_email="inte-en-adress", contact_phone="12")
    )
    html = await response.text()
    assert response.status == 422
    assert 'id="f-contact_email-error"' in html and 'id="f-contact_phone-error"' in html
    assert 'value="inte-en-adress"' in html and 'value="Dala Fönsterputs AB"' in html
    assert await organisation_count(db) == before


async def test_an_orgnr_already_registered_says_how_to_sign_in(web: Browser, make_org: Callable) -> None:
    await make_org("sme", orgnr=ORGNR)
    response = await web.submit("/registrera", "/registrera", registration_form())
    html = await response.text()
    assert response.status == 422 and 'id="f-orgnr-error"' in html and "redan registrerat" in html


# --- look-ups -------------------------------------------------------------------------------------------


async def test_cpv_search_finds_cleaning_with_its_hierarchy(web: Browser) -> None:
    response = await web.client.get("/api/cpv", params={"q": "städ"})
    assert response.status == 200
    found = {item["code"]: item for item in await response.json()}
    assert found["90910000"]["label"] == "Städning"
    assert found["90910000"]["path"][-1] == "Städning och renhållning"
    assert found["90911200"]["path"][-2:] == ["Städning", "Städning av bostäder och byggnader samt fönsterputsning"]
    # Words that start with the text come before words that merely contain it ("bostäder").
    assert next(iter(found)) == "90900000"
    english = await (await web.client.get("/api/cpv", params={"q": "cleaning", "lang": "en"})).json()
    assert any(item["code"] == "90910000" and item["label"] == "Cleaning services" for item in english)
    assert await (await web.client.get("/api/cpv", params={"q": "s"})).json() == []
    page = await web.page("/cpv?q=st%C3%A4d&lang=sv")
    assert "90910000" in page and "Städning och renhållning ›" in page


async def test_orgnr_check_as_you_type(web: Browser) -> None:
    valid = await (await web.client.get("/api/orgnr", params={"value": "5560360793"})).json()
    assert valid == {"valid": True, "normalised": ORGNR, "message": "Giltigt"}
    wrong = await (await web.client.get("/api/orgnr", params={"value": "556036-0794"})).json()
    assert wrong["valid"] is False and wrong["normalised"] is None and "Kontrollsiffran" in wrong["message"]
    short = await (await web.client.get("/api/orgnr", params={"value": "5560", "lang": "en"})).json()
    assert short["valid"] is False and "ten digits" in short["message"]


# --- an event -------------------------------------------------------------------------------------------


@pytest.fixture
async def world(registry, organiser_token: str, make_org: Callable, make_token: Callable, db) -> dict[str, Any]:
    """An open event, a buyer signed up with two needs, a firm (signed in on ``web``) and another firm."""
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open")
    buyer = await make_org("buyer", name="Falu kommun")
    sme = await make_org("sme", name="Falu Städ AB")
    other_sme = await make_org("sme", name="Mora Bygg AB")
    snow = await add_need(db, buyer, title="Snöröjning")
    school = await add_need(db, buyer, title="Skolskjuts")
    buyer_token = await make_token(Role.BUYER, buyer)
    response = await registry.post(
        f"/events/{event['id']}/registrations", json={"brought_needs": [snow, school]}, headers=bearer(buyer_token)
    )
    assert response.status == 201, await response.text()
    return {
        "event": event,
        "base": f"/foretag/evenemang/{event['id']}",
        "sme": sme,
        "sme_token": await make_token(Role.SME, sme),
        "other_sme_token": await make_token(Role.SME, other_sme),
        "buyer_token": buyer_token,
        "snow": snow,
        "school": school,
    }


async def registrations(registry, organiser_token: str, event_id: str) -> list[dict[str, Any]]:
    response = await registry.get(f"/events/{event_id}/registrations?kind=sme", headers=bearer(organiser_token))
    return (await response.json())["items"]


async def test_firm_browses_the_needs_with_filters(web: Browser, world: dict[str, Any]) -> None:
    web.sign_in_with(world["sme_token"])
    html = await web.page(world["base"])
    assert "Snöröjning" in html and "Skolskjuts" in html and "Falu kommun" in html
    assert "Tas upp på träffen" in html
    filtered = await web.page(world["base"] + "?q=sn%C3%B6&cpv=&status=")
    assert "Snöröjning" in filtered and "Skolskjuts" not in filtered
    bad = await web.page(world["base"] + "?cpv=abc", status=422)
    assert 'id="f-cpv-error"' in bad and 'value="abc"' in bad


async def test_firm_signs_up_changes_and_cancels(
    web: Browser, registry, organiser_token: str, world: dict[str, Any]
) -> None:
    web.sign_in_with(world["sme_token"])
    page = world["base"] + "/anmalan"
    html = await web.page(page)
    assert "09:00–09:20" in html and "Snöröjning" in html and "1 = helst" in html
    data = [("slot", "0"), ("slot", "2"), (f"rank-{world['snow']}", "2"), (f"rank-{world['school']}", "1")]
    data += [("max_meetings", "2"), ("note", "Vi har elbilar")]
    response = await web.submit(page, page, data)
    assert response.status == 303, await response.text()
    [stored] = await registrations(registry, organiser_token, world["event"]["id"])
    assert stored["organisation_id"] == str(world["sme"])
    assert stored["available_slots"] == [0, 2] and stored["max_meetings"] == 2
    assert stored["wanted_needs"] == [world["school"], world["snow"]]
    assert stored["note"] == "Vi har elbilar"

    # The form shows what is stored; a change replaces it.
    html = await web.page(page + "?sparad=1")
    assert "Anmälan är sparad" in html and 'value="2"' in html
    data = [("slot", str(index)) for index in range(6)] + [(f"rank-{world['snow']}", "1"), ("max_meetings", "3")]
    response = await web.submit(page, page, data)
    assert response.status == 303, await response.text()
    [stored] = await registrations(registry, organiser_token, world["event"]["id"])
    assert stored["available_slots"] is None and stored["wanted_needs"] == [world["snow"]]
    assert stored["max_meetings"] == 3

    confirm = await web.page(world["base"] + "/avboka")
    assert "Ja, avboka anmälan" in confirm
    response = await web.submit(world["base"] + "/avboka", world["base"] + "/avboka", {"reason": "Sjuk"})
    assert response.status == 303 and response.headers["Location"] == "/foretag?avanmald=1"
    [stored] = await registrations(registry, organiser_token, world["event"]["id"])
    assert stored["status"] == "cancelled" and stored["cancel_reason"] == "Sjuk"
    assert "Anmälan är avbokad" in await web.page("/foretag?avanmald=1")


async def test_sign_up_errors_keep_what_was_typed(
    web: Browser, registry, organiser_token: str, world: dict[str, Any]
) -> None:
    web.sign_in_with(world["sme_token"])
    page = world["base"] + "/anmalan"
    response = await web.submit(page, page, [(f"rank-{world['snow']}", "abc"), ("max_meetings", "99")])
    html = await response.text()
    assert response.status == 422
    assert 'id="f-slots-error"' in html and f'id="f-rank-{world["snow"]}-error"' in html
    assert 'value="abc"' in html and 'value="99"' in html
    assert await registrations(registry, organiser_token, world["event"]["id"]) == []
    # Too many meetings is the registry's rule: its error comes back next to the field.
    response = await web.submit(page, page, [("slot", "1"), ("max_meetings", "99")])
    html = await response.text()
    assert response.status == 422 and 'id="f-max_meetings-error"' in html
    assert 'id="f-slot-1" name="slot" value="1" checked' in html
    assert await registrations(registry, organiser_token, world["event"]["id"]) == []


async def test_agenda_before_publication_says_so(web: Browser, registry, world: dict[str, Any]) -> None:
    web.sign_in_with(world["sme_token"])
    response = await registry.post(
        f"/events/{world['event']['id']}/registrations", json={}, headers=bearer(world["sme_token"])
    )
    assert response.status == 201
    start = await web.page("/foretag")
    assert "Falu Städ AB" in start and '<span class="badge ok">Anmäld</span>' in start and "Affärsträff Falun" in start
    html = await web.page(world["base"] + "/agenda")
    assert 'id="agenda-not-published"' in html and "inte publicerat" in html
    response = await web.client.get(world["base"] + "/agenda.ics")
    assert response.status == 404


async def test_profile_change_is_saved(web: Browser, registry, organiser_token: str, world: dict[str, Any]) -> None:
    web.sign_in_with(world["sme_token"])
    html = await web.page("/foretag/profil")
    assert "Falu Städ AB" in html and 'name="version"' in html
    form = registration_form(name="Falu Städ & Fönster AB", cpv_codes="90910000")
    form = [(name, value) for name, value in form if name != "orgnr"]
    form.append(("version", html.split('name="version" value="', 1)[1].split('"', 1)[0]))
    form.append(("counties", "20"))  # the "Hela Dalarnas län" box
    response = await web.submit("/foretag/profil", "/foretag/profil", form)
    assert response.status == 303, await response.text()
    stored = await (await registry.get(f"/organisations/{world['sme']}", headers=bearer(organiser_token))).json()
    assert stored["name"] == "Falu Städ & Fönster AB" and stored["areas_served"]["counties"] == ["20"]
    # A form based on an older version does not overwrite the newer one.
    stale = [(n, v) for n, v in form if n not in ("version", "name")] + [("version", "1"), ("name", "Gammalt")]
    response = await web.submit("/foretag/profil", "/foretag/profil", stale)
    assert response.status == 422 and "Någon annan ändrade profilen" in await response.text()


async def test_other_organisations_cannot_use_the_firms_pages(web: Browser, registry, world: dict[str, Any]) -> None:
    response = await registry.post(
        f"/events/{world['event']['id']}/registrations", json={"note": "hemligt"}, headers=bearer(world["sme_token"])
    )
    assert response.status == 201
    anonymous = await web.client.get("/foretag", allow_redirects=False)
    assert anonymous.status == 303 and anonymous.headers["Location"].startswith("/logga-in")

    web.sign_in_with(world["buyer_token"])
    for path in ("/foretag", world["base"], world["base"] + "/anmalan", world["base"] + "/agenda"):
        await web.page(path, status=403)
    assert (await web.client.get(world["base"] + "/agenda.pdf")).status == 403

    # Another firm sees only its own sign-up (none), never the first firm's.
    web.sign_in_with(world["other_sme_token"])
    start = await web.page("/foretag")
    assert "Mora Bygg AB" in start and "Falu Städ AB" not in start
    signup = await web.page(world["base"] + "/anmalan")
    assert "hemligt" not in signup and "Skicka anmälan" in signup
    # Nothing to cancel: the confirmation page sends it back to the sign-up page.
    response = await web.client.get(world["base"] + "/avboka", allow_redirects=False)
    assert response.status == 303
    await web.page("/foretag/evenemang/00000000-0000-0000-0000-000000000000/anmalan", status=404)
    await web.page("/foretag/evenemang/inte-ett-id/agenda", status=404)


async def test_published_agenda_shows_meetings_reasons_and_files(
    web: Browser, registry, organiser_token: str, make_org: Callable, make_token: Callable, db
) -> None:
    from services.matcher.agendas import meetings_from_engine
    from services.matcher.engine.encode import encode_snapshot
    from services.matcher.engine.examples import synthetic_snapshot
    from services.matcher.engine.pipeline import plan_bipartite
    from tests.matcher.test_agenda_routes import busy_sme, publish, store_version, with_people

    snapshot = with_people(synthetic_snapshot(smes=6, buyers=2, needs_per_buyer=2, seed=3))
    encoded = encode_snapshot(snapshot)
    meetings = meetings_from_engine(encoded, plan_bipartite(encoded.instance).schedule)
    sme = busy_sme(meetings)
    await make_org("sme", id=sme, name="Agenda AB")
    # The registry's event takes the snapshot's id, so the page's event and the matcher's agenda agree.
    created = await create_event(registry, organiser_token)
    await db.execute(
        "UPDATE registry.events SET id = $1, status = 'published' WHERE id = $2", snapshot.event.id, created["id"]
    )
    web.sign_in_with(await make_token(Role.SME, sme))
    base = f"/foretag/evenemang/{snapshot.event.id}"
    await store_version(db, snapshot, meetings, 1)
    assert 'id="agenda-not-published"' in await web.page(base + "/agenda")

    await publish(db, snapshot.event.id, 1)
    html = await web.page(base + "/agenda")
    own = [m for m in meetings if m.sme_id == sme]
    assert 'id="agenda-meetings"' in html and "Varför ni möts" in html and "Version 1" in html
    assert f"{len(own)} möten" in html
    buyer_names = {b.organisation.id: b.organisation.name for b in snapshot.buyers}
    assert all(buyer_names[m.buyer_id] in html for m in own)
    ics = await web.client.get(base + "/agenda.ics")
    assert ics.status == 200 and ics.headers["Content-Type"].startswith("text/calendar")
    assert b"BEGIN:VCALENDAR" in await ics.read()
    pdf = await web.client.get(base + "/agenda.pdf")
    assert pdf.status == 200 and (await pdf.read()).startswith(b"%PDF")
    english = await web.page(base + "/agenda?lang=en")
    assert "Why you meet" in english

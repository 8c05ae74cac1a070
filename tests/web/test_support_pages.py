"""The support pages on the real front end, registry and matcher: the organiser's page of an event's requests
(linked from the event page) sets the allowance and assigns an adviser from the registry's adviser accounts;
the adviser signs in, lands on /radgivare, sees only its own firms and records hours, and an overshoot is
shown with the hours left and nothing stored; Swedish and English."""

from __future__ import annotations

from html import unescape

import pytest
from aiohttp.test_utils import TestClient

from shared.auth import Role
from tests.conftest import bearer
from tests.matcher.test_feedback import clock, contact_org
from tests.matcher.test_onsite_day import day_world
from tests.matcher.test_support import PASSWORD, account, ask
from tests.test_events import create_event, move_to
from tests.web.conftest import Browser
from tests.web.test_day_pages import matcher

__all__ = ["clock", "contact_org", "matcher"]  # the matcher on the test's clock, firms with a contact


@pytest.fixture
async def world(registry, matcher: TestClient, db, contact_org, make_token, service_token, clock) -> dict:
    return await day_world(registry, matcher, db, contact_org, make_token, service_token, clock)


async def test_an_organiser_assigns_an_adviser_who_records_hours_within_the_allowance(
    web: Browser, registry, matcher, world, db
) -> None:
    organiser = world["tokens"]["organiser"]
    rut_id, _ = await account(registry, organiser, "Rut")
    await account(registry, organiser, "Sven")
    assert (await ask(matcher, world, "a", note="Hjälp med anbudet")).status == 201
    assert (await ask(matcher, world, "b", note="<script>alert(1)</script>")).status == 201
    web.sign_in_with(organiser)
    path = f"/arrangor/evenemang/{world['event']}"
    assert f'href="{path}/stod"' in await web.page(path)
    raw = await web.page(f"{path}/stod")
    assert "<script>" not in raw and "&lt;script&gt;alert(1)&lt;/script&gt;" in raw  # a note is text, never HTML
    page = unescape(raw)
    assert "Individuellt stöd efter träffen" in page and "Hjälp med anbudet" in page
    assert page.count('<option value="') >= 2 and "Rut" in page and "Sven" in page
    saved = await web.submit(f"{path}/stod", f"{path}/stod/installningar", {"allowance_hours": "3,5"})
    assert saved.status == 303 and saved.headers["Location"].endswith("utfall=sparat")
    # The allowance applies to new requests; the two made already keep the default 10 hours.
    settings = await matcher.get(f"/events/{world['event']}/support-settings", headers=bearer(organiser))
    assert (await settings.json())["allowance_hours"] == 3.5
    firm = world["orgs"]["a"]
    assigned = await web.submit(f"{path}/stod", f"{path}/stod/{firm}/radgivare", {"adviser_account_id": rut_id})
    assert assigned.status == 303 and assigned.headers["Location"].endswith("utfall=sparat")
    row = unescape(await web.page(f"{path}/stod"))
    row = row[row.index(f'id="support-{firm}"') :]
    assert "Har rådgivare" in row[: row.index("</tr>")] and "Rut" in row[: row.index("</tr>")]
    english = unescape(await web.page(f"{path}/stod?lang=en"))
    assert "Requests for support" in english and "Has an adviser" in english

    # The adviser signs in with its password and lands on its own page.
    web.client.session.cookie_jar.clear()
    signed_in = await web.submit("/logga-in", "/logga-in", {"email": "rut@radgivning.se", "password": PASSWORD})
    assert signed_in.status == 303 and signed_in.headers["Location"] == "/radgivare"
    mine = unescape(await web.page("/radgivare"))
    assert '<a href="/radgivare" aria-current="page">Mina företag</a>' in mine
    assert "Hjälp med anbudet" in mine and f'id="firm-{firm}"' in mine
    assert f'id="firm-{world["orgs"]["b"]}"' not in mine  # not assigned to Rut
    action = f"/radgivare/{world['event']}/{firm}/timmar"
    done = await web.submit("/radgivare", action, {"worked_on": "2031-03-20", "hours": "2,5", "note": "Genomgång"})
    assert done.status == 303 and done.headers["Location"] == "/radgivare?sparat=1"
    shown = unescape(await web.page("/radgivare?sparat=1"))
    assert "Timmarna är sparade." in shown and '<dd class="hours-left">7,5</dd>' in shown
    over = await web.submit("/radgivare", action, {"worked_on": "2031-03-21", "hours": "8", "note": ""})
    assert over.status == 409
    assert "Det finns bara 7,5 timmar kvar av stödet; inget sparades." in unescape(await over.text())
    assert await db.fetchval("SELECT sum(hours) FROM matcher.support_hours") == 2.5
    unreadable = await web.submit("/radgivare", action, {"worked_on": "2031-03-21", "hours": "mycket"})
    assert unreadable.status == 422 and "till exempel 1,5" in unescape(await unreadable.text())
    # The organiser's pages are not the adviser's.
    assert (await web.client.get(f"{path}/stod", allow_redirects=False)).status == 403


async def test_a_firm_asks_for_the_support_when_it_signs_up(
    web: Browser, registry, organiser_token: str, make_org, make_token
) -> None:
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open")
    web.sign_in_with(await make_token(Role.SME, await make_org("sme", name="Falu Städ AB")))
    page = f"/foretag/evenemang/{event['id']}/anmalan"
    form = unescape(await web.page(page))
    assert "Vi vill gärna ha individuellt stöd efter träffen" in form and 'name="support"' in form
    assert "We would like individual support after the event" in unescape(await web.page(page + "?lang=en"))
    data = [("slot", "0"), ("support", "1"), ("support_note", "Hjälp att skriva anbud")]
    response = await web.submit(page, page, data)
    assert response.status == 303, await response.text()
    listed = await registry.get(f"/events/{event['id']}/registrations?kind=sme", headers=bearer(organiser_token))
    [stored] = (await listed.json())["items"]
    assert (stored["support_requested"], stored["support_note"]) == (True, "Hjälp att skriva anbud")
    shown = await web.page(page + "?sparad=1")
    assert 'name="support" value="1" checked' in shown and "Hjälp att skriva anbud" in unescape(shown)


async def test_an_organiser_creates_an_adviser_account_on_the_accounts_page(
    organiser_browser: Browser, registry
) -> None:
    page = unescape(await organiser_browser.page("/arrangor/konton"))
    assert '<option value="adviser">Rådgivare</option>' in page
    fields = {"email": "radgivare@almi.se", "name": "Rut Rådgivare", "role": "adviser", "organisation_id": ""}
    made = await organiser_browser.submit("/arrangor/konton", "/arrangor/konton", {**fields, "password": PASSWORD})
    assert made.status == 303, await made.text()
    login = await registry.post("/auth/login", json={"email": "radgivare@almi.se", "password": PASSWORD})
    assert login.status == 200 and (await login.json())["role"] == "adviser"

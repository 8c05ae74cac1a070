"""What a review of the pages found, kept from coming back: text people typed never runs as HTML, no
redirect leaves the site, ids in the address bar are checked before they reach a service, error summaries
link to fields that exist, and the services' technical wording stays off the pages."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from typing import Any

import aiohttp
import pytest

from services.web.backend import BackendError
from services.web.organiser.event_form import api_errors
from services.web.render import safe_next
from services.web.schedule.runs import refusal_text
from shared.auth import Role
from tests.conftest import bearer
from tests.test_events import create_event, move_to
from tests.test_registrations import add_need

from .conftest import Browser, csrf_from, unique_email
from .test_sme_pages import registration_form

SCRIPT = "<script>alert(1)</script>"
BREAKOUT = "\"'><img src=x onerror=alert(1)>"
FORMULA = '=HYPERLINK("http://evil.example")'


def assert_inert(html: str) -> None:
    """Neither hostile text reaches the page as markup (it is shown escaped)."""
    assert SCRIPT not in html and "<img src=x" not in html
    assert "onerror=alert(1)>" not in html.replace("&gt;", "")  # no unescaped attribute break-out


@pytest.fixture
async def hostile(registry, organiser_token: str, make_org: Callable, make_token: Callable, db) -> dict[str, Any]:
    """An open event whose name, participants, need titles and notes are all attempts at markup."""
    event = await create_event(registry, organiser_token, name="Träff " + BREAKOUT, venue=SCRIPT)
    await move_to(registry, organiser_token, event["id"], "open")
    created = await registry.post(
        "/organisations",
        json={
            "kind": "sme",
            "orgnr": "5560360793",
            "name": SCRIPT,
            "municipality_code": "2080",
            "description": BREAKOUT,
            "cpv_codes": ["90910000"],
            "contacts": [{"name": FORMULA, "email": unique_email()}],
        },
    )
    assert created.status == 201, await created.text()
    sme = await created.json()
    buyer = await make_org("buyer", name=BREAKOUT)
    need = await add_need(db, buyer, title=SCRIPT)
    buyer_token = await make_token(Role.BUYER, buyer)
    signed = await registry.post(
        f"/events/{event['id']}/registrations",
        json={"brought_needs": [need], "note": SCRIPT},
        headers=bearer(buyer_token),
    )
    assert signed.status == 201, await signed.text()
    signed = await registry.post(
        f"/events/{event['id']}/registrations",
        json={"wanted_needs": [need], "note": BREAKOUT},
        headers=bearer(sme["token"]),
    )
    assert signed.status == 201, await signed.text()
    return {"event_id": event["id"], "sme_token": sme["token"], "buyer_token": buyer_token}


async def test_typed_names_titles_and_notes_are_shown_as_text_on_every_page(
    web: Browser, hostile: dict[str, Any], organiser_token: str
) -> None:
    event_id = hostile["event_id"]
    web.sign_in_with(organiser_token)
    organiser_pages = ("/arrangor", f"/arrangor/evenemang/{event_id}", f"/arrangor/evenemang/{event_id}/anmalningar")
    for path in (*organiser_pages, "/arrangor/statistik"):
        html = await web.page(path)
        assert_inert(html)
    signups = await web.page(f"/arrangor/evenemang/{event_id}/anmalningar")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in signups and "&lt;img src=x onerror=alert(1)&gt;" in signups

    # The CSV export is a download, never a page, and a cell that starts like a formula is defused.
    response = await web.client.get(f"/arrangor/evenemang/{event_id}/export/anmalningar.csv")
    assert response.status == 200 and response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig")), delimiter=";"))
    sme_row = next(row for row in rows if row[0] == SCRIPT)
    assert sme_row[3] == "'" + FORMULA

    web.sign_in_with(hostile["sme_token"])
    for path in ("/foretag", f"/foretag/evenemang/{event_id}", f"/foretag/evenemang/{event_id}/anmalan"):
        html = await web.page(path)
        assert_inert(html)
    needs = await web.page(f"/foretag/evenemang/{event_id}")
    assert "&lt;script&gt;" in needs  # the need's title is there, as text

    web.sign_in_with(hostile["buyer_token"])
    for path in ("/kopare", f"/kopare/evenemang/{event_id}/anmalan", f"/kopare/evenemang/{event_id}/agenda"):
        html = await web.page(path)
        assert_inert(html)
    choices = await web.page(f"/kopare/evenemang/{event_id}/anmalan")
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in choices.split('id="sme-choices"', 1)[1]


# --- redirects -------------------------------------------------------------------------------------------


def test_sign_in_never_sends_a_person_off_the_site() -> None:
    # Browsers drop tabs and line breaks inside a URL: "/\t/evil.example" would open //evil.example.
    for hostile_next in ("/\t/evil.example", "/\n/evil.example", "/\r/evil.example", "//evil.example", "/\\evil"):
        assert safe_next(hostile_next, "/kopare") == "/kopare", hostile_next
    assert safe_next("/kopare/behov/ny?x=1", "/") == "/kopare/behov/ny?x=1"


async def test_sign_in_with_a_hidden_double_slash_stays_on_the_site(
    web: Browser, registry, organiser_token: str, make_org: Callable
) -> None:
    buyer = await make_org("buyer", name="Falu kommun")
    email = unique_email()
    response = await registry.post(
        "/auth/accounts",
        json={"email": email, "password": "ett långt lösenord", "role": "buyer", "organisation_id": str(buyer)},
        headers=bearer(organiser_token),
    )
    assert response.status == 201, await response.text()
    form = await web.page("/logga-in?next=%2F%09%2Fevil.example")
    assert 'name="next"' not in form
    response = await web.submit(
        "/logga-in", "/logga-in", {"email": email, "password": "ett långt lösenord", "next": "/\t/evil.example"}
    )
    assert response.status == 303 and response.headers["Location"] == "/kopare"


# --- ids in the address bar ---------------------------------------------------------------------------------


async def test_an_event_id_that_is_not_one_is_not_found_and_adds_nothing_to_the_services_call(
    organiser_browser: Browser, registry, organiser_token: str
) -> None:
    event = await create_event(registry, organiser_token)
    # %3F decodes to "?" in the path parameter: sent on as it was, it would add a query to the registry's
    # address and show the event anyway. Every organiser page takes only a real id.
    smuggled = f"{event['id']}%3Fstatus%3Ddraft"
    for suffix in ("", "/andra", "/anmalningar", "/export/anmalningar.csv", "/export/moten.csv"):
        response = await organiser_browser.client.get(f"/arrangor/evenemang/{smuggled}{suffix}")
        assert response.status == 404, suffix
    response = await organiser_browser.client.get("/arrangor/evenemang/..%2F..%2Fauth/anmalningar")
    assert response.status == 404
    assert (await organiser_browser.client.get(f"/arrangor/evenemang/{event['id']}")).status == 200


# --- error summaries ------------------------------------------------------------------------------------------

_SUMMARY_LINK = re.compile(r'<div class="error-summary".*?</div>', re.S)


def summary_targets_exist(html: str) -> list[str]:
    """Every link of the error summary, checked to name an element of the page; returns the targets."""
    summary = _SUMMARY_LINK.search(html)
    assert summary, "the page has no error summary"
    targets = re.findall(r'href="#([^"]+)"', summary.group(0))
    for target in targets:
        assert f'id="{target}"' in html, f"the error summary links to #{target}, which is not on the page"
    return targets


async def test_the_cpv_error_links_to_the_picker_not_the_field_its_script_hides(web: Browser, db) -> None:
    response = await web.submit("/registrera", "/registrera", registration_form(cpv_codes="1234", name=""))
    html = await response.text()
    assert response.status == 422
    targets = summary_targets_exist(html)
    assert "cpv-picker" in targets and "f-name" in targets and "f-cpv_codes" not in targets


async def test_error_summaries_of_the_organiser_and_buyer_forms_link_to_fields(
    organiser_browser: Browser, make_org: Callable, make_token: Callable
) -> None:
    from .test_organiser_pages import event_form

    response = await organiser_browser.submit(
        "/arrangor/evenemang/ny",
        "/arrangor/evenemang/ny",
        event_form(name="", tables="x", **{"breaks.0.start": "25:00"}),
    )
    assert response.status == 422
    assert {"f-name", "f-tables", "f-breaks.0.start"} <= set(summary_targets_exist(await response.text()))
    response = await organiser_browser.submit("/arrangor/konton", "/arrangor/konton", {"email": "", "role": "x"})
    assert response.status == 422
    summary_targets_exist(await response.text())

    buyer = await make_org("buyer", name="Falu kommun")
    organiser_browser.sign_in_with(await make_token(Role.BUYER, buyer))
    response = await organiser_browser.submit("/kopare/behov/importera", "/kopare/behov/importera", {"json": ""})
    assert response.status == 422
    assert summary_targets_exist(await response.text()) == ["f-file"]


# --- the services' wording stays off the pages ----------------------------------------------------------------


def test_a_refusal_without_field_errors_is_told_in_our_words() -> None:
    internal = "asyncpg.exceptions.CheckViolationError: events_check in registry.events"
    error = BackendError(422, {"title": "Unprocessable", "detail": internal, "errors": []})
    assert internal not in api_errors(error, [])["_form"]
    conflict = BackendError(409, {"type": "urn:affarstraff:problem:conflict", "detail": internal})
    assert internal not in refusal_text(conflict)


async def test_a_file_over_the_size_limit_gets_a_page_that_says_so(web, make_token, make_org) -> None:
    web.sign_in_with(await make_token(Role.BUYER, await make_org("buyer")))
    html = await web.page("/kopare/behov/importera")
    token = csrf_from(html)
    too_big = io.BytesIO(b"x" * (2 * 1024 * 1024))
    form = aiohttp.FormData()
    form.add_field("csrf_token", token)
    form.add_field("file", too_big, filename="stor.json", content_type="application/json")
    response = await web.client.post("/kopare/behov/importera", data=form)
    assert response.status == 413
    assert "Filen är för stor" in await response.text()

"""Who sees a buyer's need, in words that cannot be misread: the form offers "Synlig för företagen" (the
default) or "Utkast – syns bara för er", a need added from a träff's signup is visible and leads back to
the signup, and the need's procurement stage "Planerad" is a context of its own."""

from __future__ import annotations

import re
from collections.abc import Callable

import pytest

from shared.auth import Role
from tests.test_events import create_event, move_to

from .conftest import Browser
from .test_buyer_pages import api_get, create_need, need_form, needs_of

pytestmark = pytest.mark.db


@pytest.fixture
async def buyer(make_org: Callable, make_token: Callable) -> dict:
    org = await make_org("buyer", name="Borlänge kommun", buyer_category="municipality")
    return {"id": str(org), "token": await make_token(Role.BUYER, org)}


@pytest.fixture
async def buyer_web(web: Browser, buyer: dict) -> Browser:
    web.sign_in_with(buyer["token"])
    return web


def visibility_choices(html: str) -> list[tuple[str, bool, str]]:
    """The create form's radio buttons for who sees the need: (value, checked, label), in page order."""
    fieldset = html.split('id="f-status"', 1)[1].split("</fieldset>", 1)[0]
    found = re.findall(
        r'<input type="radio" id="f-status-(\w+)" name="status" value="(\w+)"( checked)?>\s*'
        r'<label for="f-status-\w+">([^<]+)</label>',
        fieldset,
    )
    assert all(ident == value for ident, value, _checked, _label in found)
    return [(value, bool(checked), label) for _ident, value, checked, label in found]


async def test_the_form_offers_two_visibilities_visible_by_default(buyer_web: Browser) -> None:
    html = await buyer_web.page("/kopare/behov/ny")
    assert visibility_choices(html) == [
        ("planned", True, "Synlig för företagen"),
        ("planning", False, "Utkast – syns bara för er"),
    ]
    assert "Vem ser behovet?" in html and "Planeras" not in html and 'name="for_event"' not in html
    english = await buyer_web.page("/kopare/behov/ny?lang=en")
    assert visibility_choices(english) == [
        ("planned", True, "Visible to firms"),
        ("planning", False, "Draft – only you can see it"),
    ]


async def test_the_choice_is_kept_and_saved(buyer_web: Browser, registry, buyer: dict) -> None:
    # A refused form keeps the draft choice.
    response = await buyer_web.submit("/kopare/behov/ny", "/kopare/behov/ny", need_form(title="", status="planning"))
    assert response.status == 422
    assert [value for value, checked, _ in visibility_choices(await response.text()) if checked] == ["planning"]

    response = await buyer_web.submit("/kopare/behov/ny", "/kopare/behov/ny", need_form(status="planning"))
    assert response.status == 303, await response.text()
    draft = (await needs_of(registry, buyer))[0]
    assert draft["status"] == "planning"
    page = await buyer_web.page(response.headers["Location"])
    assert '<dd id="need-status">Utkast – syns bara för er</dd>' in page
    # The move to visible says what it does; the procurement stage is "Planerad" in its own context.
    assert "Synlig för företagen: visa behovet för dem" in page and '<dd id="need-stage">Planerad' in page
    english = await buyer_web.page(response.headers["Location"] + "&lang=en")
    assert '<dd id="need-status">Draft – only you can see it</dd>' in english
    assert '<dd id="need-stage">Planned' in english

    # A form that leaves the choice out (an old tab) saves a visible need, as the form's default does.
    form = {key: value for key, value in need_form(title="Vinterväghållning").items() if key != "status"}
    response = await buyer_web.submit("/kopare/behov/ny", "/kopare/behov/ny", form)
    assert response.status == 303
    by_title = {need["title"]: need for need in await needs_of(registry, buyer)}
    assert by_title["Vinterväghållning"]["status"] == "planned"
    start = await buyer_web.page("/kopare?lang=sv")  # the English page above is remembered
    assert "Synlig för företagen" in start and "Utkast – syns bara för er" in start


async def test_a_need_added_from_a_traff_is_visible_and_leads_back(
    buyer_web: Browser, registry, organiser_token: str, buyer: dict
) -> None:
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open")
    signup = f"/kopare/evenemang/{event['id']}/anmalan"
    html = await buyer_web.page(signup)
    link = f'href="/kopare/behov/ny?traff={event["id"]}"'
    assert link in html and "Ni har inga behov att presentera ännu." in html

    form_page = f"/kopare/behov/ny?traff={event['id']}"
    html = await buyer_web.page(form_page)
    assert [value for value, checked, _ in visibility_choices(html) if checked] == ["planned"]
    assert f'<input type="hidden" name="for_event" value="{event["id"]}">' in html
    assert "kommer ni tillbaka till anmälan" in html
    response = await buyer_web.submit(form_page, "/kopare/behov/ny", need_form(status="planned", for_event=event["id"]))
    assert response.status == 303 and response.headers["Location"] == signup + "#f-brought_needs"
    need = (await needs_of(registry, buyer))[0]
    assert need["status"] == "planned"
    # Back at the signup the new need is offered, labelled as visible.
    assert f"{need['title']} (Synlig för företagen)" in await buyer_web.page(signup)

    # A draft brought along is labelled as one; the hint says drafts stay hidden.
    draft = await create_need(registry, buyer["token"], status="planning", title="Skolmat")
    html = await buyer_web.page(signup)
    assert f"{draft['title']} (Utkast – syns bara för er)" in html and "utom utkast" in html


async def test_a_made_up_event_id_is_ignored(buyer_web: Browser, registry, buyer: dict) -> None:
    html = await buyer_web.page("/kopare/behov/ny?traff=../ta-bort")
    assert 'name="for_event"' not in html
    response = await buyer_web.submit("/kopare/behov/ny", "/kopare/behov/ny", need_form(for_event="/../../x"))
    assert response.status == 303 and response.headers["Location"].startswith("/kopare/behov/")
    need = (await needs_of(registry, buyer))[0]
    assert (await api_get(registry, f"/needs/{need['id']}", buyer["token"]))["status"] == "planned"

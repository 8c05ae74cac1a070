"""The organiser's 'Skärm för lokalen' on the real front end against the real registry and matcher: make a
screen link (its address shown once), open it on the matcher without signing in, revoke it (the screen
then answers 410); Swedish with English; no way in for SMEs."""

from __future__ import annotations

import re
from collections.abc import Callable
from urllib.parse import urlsplit

import pytest

from services.web.session import CSRF_FIELD
from shared.auth import Role
from tests.conftest import bearer

from .conftest import Browser, csrf_from
from .test_organiser_pages import create_through_form

pytestmark = pytest.mark.db


async def test_organiser_makes_opens_and_revokes_a_screen_link(
    organiser_browser: Browser, matcher, organiser_token: str
) -> None:
    event_id = await create_through_form(organiser_browser)
    event_page = await organiser_browser.page(f"/arrangor/evenemang/{event_id}")
    assert f'href="/arrangor/evenemang/{event_id}/skarm" id="link-board"' in event_page
    page = f"/arrangor/evenemang/{event_id}/skarm"
    html = await organiser_browser.page(page)
    assert "<h1>Skärm för lokalen</h1>" in html and 'id="no-board-links"' in html

    made = await organiser_browser.submit(page, page, {})
    assert made.status == 201
    html = await made.text()
    url = re.search(r'<code id="board-link" class="break-anywhere">([^<]+)</code>', html).group(1)
    path = urlsplit(url).path
    assert re.fullmatch(r"/b/[A-Za-z0-9_-]{43}", path) and f'href="{url}" id="open-board"' in html
    # The screen opens without signing in (nothing is published yet: it says so and waits).
    screen = await matcher.get(path)
    assert screen.status == 200 and "Schemat är inte publicerat än" in await screen.text()
    # The address is not shown again; the list shows the live link with its revoke button.
    listed = await organiser_browser.page(page)
    assert path.removeprefix("/b/") not in listed
    links = await (await matcher.get(f"/events/{event_id}/board-links", headers=bearer(organiser_token))).json()
    link_id = links["items"][0]["id"]
    assert f'id="revoke-{link_id}"' in listed

    revoked = await organiser_browser.client.post(
        f"{page}/{link_id}/aterkalla", data={CSRF_FIELD: csrf_from(listed)}, allow_redirects=False
    )
    assert revoked.status == 303 and revoked.headers["Location"] == page
    assert (await matcher.get(path)).status == 410
    after = await organiser_browser.page(page)
    assert 'id="no-board-links"' in after and "Återkallade länkar: 1." in after
    english = await organiser_browser.page(page + "?lang=en")
    assert "Screen for the venue" in english and "Revoked links: 1." in english


async def test_smes_are_refused_the_screen_page(
    organiser_browser: Browser, make_token: Callable, make_org: Callable
) -> None:
    event_id = await create_through_form(organiser_browser)
    organiser_browser.sign_in_with(await make_token(Role.SME, await make_org("sme")))
    page = f"/arrangor/evenemang/{event_id}/skarm"
    assert (await organiser_browser.client.get(page, allow_redirects=False)).status == 403

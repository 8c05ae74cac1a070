"""The privacy page says what is kept, why, for how long, who sees it and how to have it erased (Swedish,
with English), and every form that asks for people's contact details links to it, as does every footer."""

from __future__ import annotations

import re
from collections.abc import Callable

from services.registry.sign_in_links import LINK_LIFETIME_SECONDS
from services.web.privacy_pages import SIGN_IN_LINK_MINUTES
from services.web.session import SESSION_SECONDS
from shared.auth import Role
from shared.privacy import ERASED_NAME
from tests.test_events import create_event, move_to
from tests.web.conftest import Browser

NOTICE_LINK = re.compile(r'<p class="hint privacy-notice">[^<]*<a href="/integritet">')


async def test_the_privacy_page_states_what_why_how_long_and_how_to_erase(web: Browser) -> None:
    html = await web.page("/integritet")
    for words in (
        "Personuppgiftsansvarig är den som arrangerar affärsträffen",  # who is the controller
        "e-postadress och telefonnummer",  # what: the contact people
        "personnummer",  # a sole trader's org.nr is a person's
        "lösenord (sparat som ett hashvärde",
        "för att ordna mötena",  # why
        "sparas tills organisationen raderas",  # how long: the rule the code keeps
        "De tas inte bort av sig själva efter en affärsträff",
        "DELETE /organisations/{id}",  # how to have it erased
        ERASED_NAME,
        "GET /organisations/{id}/export",
    ):
        assert words in html, words
    # The short-lived things say the figures the code uses.
    assert f"gäller i {LINK_LIFETIME_SECONDS // 60} minuter" in html and SIGN_IN_LINK_MINUTES == 20
    assert f"högst {SESSION_SECONDS // 3600} timmar" in html
    assert 'href="/integritet" aria-current="page"' in html

    english = await web.page("/integritet?lang=en")
    assert "How we handle personal data" in english and "kept until the organisation is erased" in english
    assert "is not deleted by itself after a meeting day" in english
    assert "A sign-in link is good once, for 20 minutes" in english


async def test_every_form_that_asks_for_contact_details_links_to_the_privacy_page(
    web: Browser, registry, organiser_token: str, make_org: Callable, make_token: Callable
) -> None:
    home = await web.page("/")
    assert '<a href="/integritet">' in home  # the footer, on every page
    assert NOTICE_LINK.search(await web.page("/registrera")), "the firm's registration"

    sme = await make_org("sme")
    web.sign_in_with(await make_token(Role.SME, sme))
    assert NOTICE_LINK.search(await web.page("/foretag/profil")), "the firm's profile"

    buyer = await make_org("buyer")
    web.sign_in_with(await make_token(Role.BUYER, buyer))
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open")
    for path in ("/kopare/organisation", "/kopare/behov/ny", f"/kopare/evenemang/{event['id']}/anmalan"):
        assert NOTICE_LINK.search(await web.page(path)), path

    web.sign_in_with(await make_token(Role.ORGANISER, label="privacy test organiser"))
    assert NOTICE_LINK.search(await web.page("/arrangor/konton")), "the organiser's new account form"

"""The firm's sign-up to a meeting day links the privacy page like every other form that takes people's
details: it asks for a free-text note to the organiser (the hint suggests accessibility needs or allergies)."""

from __future__ import annotations

from collections.abc import Callable

from shared.auth import Role
from tests.test_events import create_event, move_to
from tests.web.conftest import Browser
from tests.web.test_privacy_page import NOTICE_LINK


async def test_the_firms_event_sign_up_links_the_privacy_page(
    web: Browser, registry, organiser_token: str, make_org: Callable, make_token: Callable
) -> None:
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open")
    web.sign_in_with(await make_token(Role.SME, await make_org("sme")))
    html = await web.page(f"/foretag/evenemang/{event['id']}/anmalan")
    assert 'id="signup-form"' in html and NOTICE_LINK.search(html)
    assert "Anmälan sparas för att ordna mötena." in html
    english = await web.page(f"/foretag/evenemang/{event['id']}/anmalan?lang=en")
    assert "The sign-up is kept to arrange the meetings." in english

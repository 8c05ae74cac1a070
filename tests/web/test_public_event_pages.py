"""Dates that make sense on the real front end against the real registry and matcher: an event's public page
without signing in, the home page's coming events, a closed sign-up that says when it closed and whom to ask,
what a firm is told after signing up, and the organiser's form refusing a day gone by next to its field."""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta
from typing import Any

import pytest

from shared.auth import Role
from tests.test_events import NEXT_YEAR, create_event, move_to

from .conftest import Browser
from .test_organiser_pages import event_form, events_in_registry

pytestmark = pytest.mark.db

CONTACT = {"name": "Karin Arrangör", "email": "karin@falun.se", "phone": "023-123 45"}
LAST_NOVEMBER = datetime.fromisoformat(f"{date.today().year - 1}-11-05T12:00:00+01:00")


@pytest.fixture
async def world(registry, organiser_token: str, make_org, make_token) -> dict[str, Any]:
    """An open event (7 October next year, sign-up until 1 October, six rounds 09:00–11:40) with a contact."""
    event = await create_event(registry, organiser_token, contact=CONTACT)
    await move_to(registry, organiser_token, event["id"], "open")
    sme = await make_org("sme", name="Falu Städ AB")
    return {
        "event": event,
        "signup": f"/foretag/evenemang/{event['id']}/anmalan",
        "sme_token": await make_token(Role.SME, sme),
    }


async def close_on_last_november(db, event_id: str) -> None:
    """The deadline passed last 5 November while the event stayed open (nobody closed it by hand)."""
    await db.execute("UPDATE registry.events SET signup_deadline = $2 WHERE id = $1", event_id, LAST_NOVEMBER)


async def test_a_closed_sign_up_says_when_it_closed_and_whom_to_ask(web: Browser, db, world: dict[str, Any]) -> None:
    web.sign_in_with(world["sme_token"])
    assert 'id="signup-form"' in await web.page(world["signup"])
    await close_on_last_november(db, world["event"]["id"])

    html = await web.page(world["signup"])
    assert "Anmälan stängde 5 november." in html
    assert 'id="signup-form"' not in html and "Skicka anmälan" not in html
    assert 'href="mailto:karin@falun.se"' in html and "Karin Arrangör" in html
    assert f'href="/evenemang/{world["event"]["id"]}"' in html
    english = await web.page(world["signup"] + "?lang=en")
    assert "Sign-up closed on 5 November." in english and "Contact the organiser:" in english


async def test_a_sign_up_that_never_opened_says_so_and_names_no_date(
    web: Browser, registry, organiser_token: str, world: dict[str, Any]
) -> None:
    await move_to(registry, organiser_token, world["event"]["id"], "closed")  # closed by hand, deadline ahead
    web.sign_in_with(world["sme_token"])
    html = await web.page(world["signup"])
    assert "Anmälan är inte öppen för den här affärsträffen." in html and "stängde" not in html
    assert "karin@falun.se" in html


async def test_after_signing_up_the_firm_is_told_what_happens_next(web: Browser, world: dict[str, Any]) -> None:
    web.sign_in_with(world["sme_token"])
    response = await web.submit(world["signup"], world["signup"], [("slot", "0"), ("slot", "1"), ("max_meetings", "2")])
    assert response.status == 303, await response.text()
    html = await web.page(world["signup"] + "?sparad=1")
    assert "Vad händer nu?" in html
    assert "Anmälan stänger 1 oktober." in html
    assert "Schemat kommer med e-post före träffen den 7 oktober" in html and "kalenderfil (.ics)" in html
    assert "Räkna med upp till 2 möten." in html  # its own limit, under the event's six
    assert "Vad händer nu?" not in await web.page(world["signup"])  # only right after saving


async def test_the_public_page_needs_no_sign_in(web: Browser, registry, organiser_token: str, world: dict[str, Any]):
    event_id = world["event"]["id"]
    html = await web.page(f"/evenemang/{event_id}")
    assert "<h1>Affärsträff Falun</h1>" in html and "Lugnet" in html and "7 oktober" in html
    assert "1 oktober" in html  # the deadline
    # The programme: first meeting, the coffee break, the last meeting's end; 20-minute meetings, six rounds.
    for text in ("09:00", "Första mötet börjar", "10:15–10:30", "Fika", "11:40", "Sista mötet slutar"):
        assert text in html, text
    assert html.index("09:00") < html.index("10:15–10:30") < html.index("11:40")
    assert "Möten om 20 minuter, i 6 omgångar." in html and "upp till 6 möten" in html
    assert 'href="mailto:karin@falun.se"' in html
    assert f'href="/foretag/evenemang/{event_id}/anmalan" id="signup-button"' in html
    # The button leads to signing in, then back to the sign-up.
    response = await web.client.get(f"/foretag/evenemang/{event_id}/anmalan", allow_redirects=False)
    assert response.status == 303 and response.headers["Location"].startswith("/logga-in?next=")

    draft = await create_event(registry, organiser_token, name="Hemligt utkast")
    await web.page(f"/evenemang/{draft['id']}", status=404)
    await web.page("/evenemang/inte-ett-id", status=404)


async def test_the_home_page_lists_coming_events_open_ones_first(
    web: Browser, registry, organiser_token: str, db, world: dict[str, Any]
) -> None:
    sooner = await create_event(registry, organiser_token, name="Stängd i september", event_date=f"{NEXT_YEAR}-09-10",
                                signup_deadline=f"{NEXT_YEAR}-09-01T12:00:00+02:00")  # fmt: skip
    await move_to(registry, organiser_token, sooner["id"], "open", "closed")
    await create_event(registry, organiser_token, name="Hemligt utkast")
    html = await web.page("/")
    assert 'id="coming-events"' in html and "Hemligt utkast" not in html
    open_link = f'href="/evenemang/{world["event"]["id"]}"'
    closed_link = f'href="/evenemang/{sooner["id"]}"'
    assert html.index(open_link) < html.index(closed_link)  # open for sign-up first, though later in the year
    assert "Öppen för anmälan till 1 oktober" in html and "Anmälan stängd" in html


async def test_the_organisers_form_refuses_a_past_day_next_to_the_field(
    organiser_browser: Browser, registry, organiser_token: str
) -> None:
    yesterday = date.today() - timedelta(days=2)
    form = event_form(event_date=yesterday.isoformat(), signup_deadline=f"{yesterday - timedelta(days=7)}T12:00")
    response = await organiser_browser.submit("/arrangor/evenemang/ny", "/arrangor/evenemang/ny", form)
    html = await response.text()
    assert response.status == 422, html[:2000]
    assert 'id="f-event_date-error"' in html and "Dagen har redan varit." in html
    assert 'id="f-signup_deadline-error"' in html and "Sista anmälningsdag har redan passerat." in html
    assert f'value="{yesterday.isoformat()}"' in html  # what was typed stays
    assert await events_in_registry(registry, organiser_token) == []

    # With a day ahead and a contact, it is saved; its page links the public page once sign-up opens.
    contact = {"contact_name": "Karin Arrangör", "contact_email": "karin@falun.se", "contact_phone": ""}
    response = await organiser_browser.submit(
        "/arrangor/evenemang/ny", "/arrangor/evenemang/ny", event_form(**contact), follow=True
    )
    assert response.status == 200
    [saved] = await events_in_registry(registry, organiser_token)
    assert saved["contact"] == {"name": "Karin Arrangör", "email": "karin@falun.se", "phone": None}
    assert 'id="public-link"' not in await response.text()  # a draft has no public page
    await move_to(registry, organiser_token, saved["id"], "open")
    html = await organiser_browser.page(f"/arrangor/evenemang/{saved['id']}")
    assert f"/evenemang/{saved['id']}</a>" in html and 'id="public-link"' in html


async def test_opening_after_the_deadline_says_why(
    organiser_browser: Browser, registry, organiser_token: str, db
) -> None:
    event = await create_event(registry, organiser_token)
    await db.execute("UPDATE registry.events SET signup_deadline = $2 WHERE id = $1", event["id"], LAST_NOVEMBER)
    page = f"/arrangor/evenemang/{event['id']}"
    response = await organiser_browser.submit(page, page + "/status", {"to": "open"})
    html = await response.text()
    assert response.status == 409
    assert "Anmälan kan inte öppnas." in html and "Sista anmälningsdag har redan passerat." in html
    assert (await events_in_registry(registry, organiser_token))[0]["status"] == "draft"


async def test_a_copy_to_a_day_gone_by_is_refused_in_words(
    organiser_browser: Browser, registry, organiser_token: str
) -> None:
    source = await create_event(registry, organiser_token)
    page = f"/arrangor/evenemang/{source['id']}/kopiera"
    gone = (date.today() - timedelta(days=3)).isoformat()
    response = await organiser_browser.submit(
        page, page, {"name": "Kopia", "event_date": gone, "signup_deadline": "", "venue": ""}
    )
    html = await response.text()
    assert response.status == 422 and 'id="f-event_date-error"' in html
    assert "Dagen har redan varit." in html and "The day has already passed" not in html
    assert len(await events_in_registry(registry, organiser_token)) == 1


async def test_after_the_day_the_organiser_still_edits_the_event(
    organiser_browser: Browser, registry, organiser_token: str, db
) -> None:
    event = await create_event(registry, organiser_token)
    await move_to(registry, organiser_token, event["id"], "open", "closed")
    held = date.today() - timedelta(days=20)
    await db.execute(
        "UPDATE registry.events SET event_date = $2, signup_deadline = $3 WHERE id = $1",
        event["id"],
        held,
        datetime.fromisoformat(f"{held - timedelta(days=7)}T12:00:00+01:00"),
    )
    page = f"/arrangor/evenemang/{event['id']}/andra"
    html = await organiser_browser.page(page)
    assert f'value="{held.isoformat()}"' in html
    # The form sends every field back, the day and deadline as they were, with a new description.
    values = dict(re.findall(r'<input id="f-([\w.]+)" name="[\w.]+" type="(?:text|date|time|number|email|tel|'
                             r'datetime-local)" value="([^"]*)"', html))  # fmt: skip
    form = event_form(**{name: values[name] for name in ("event_date", "signup_deadline", "day_start", "day_end")})
    form.update(description="Tack för i år! Presentationerna finns hos arrangören.", version=str(event["version"] + 2))
    form.update({"breaks.0.start": "10:15", "breaks.0.end": "10:30", "tables": "10", "day_end": "12:00"})
    response = await organiser_browser.submit(page, page, form)
    assert response.status == 303, (await response.text())[:3000]
    [saved] = await events_in_registry(registry, organiser_token)
    assert saved["description"].startswith("Tack för i år!") and saved["event_date"] == held.isoformat()

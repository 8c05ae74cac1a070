""" "Bjud in företag" on the real front end, registry and matcher: the link on the event page, the segment
form and its preview count (no JavaScript), sending with the confirmation, the list of invitations sent, a
closed sign-up refused on the page, in Swedish and English."""

from __future__ import annotations

from html import unescape

import pytest

from tests.conftest import bearer
from tests.test_events import create_event, move_to
from tests.test_segments import contact, sign_up

from .conftest import Browser

pytestmark = pytest.mark.db


async def world(registry, organiser_token, db, make_org) -> dict:
    event = await create_event(registry, organiser_token, name="Affärsträff Ludvika")
    await move_to(registry, organiser_token, event["id"], "open")
    for n in range(3):
        firm = await make_org(name=f"Bygg {n} i Ludvika AB", municipality_code="2085", cpv_codes=["45210000"])
        await contact(db, firm, f"Person {n}", f"p{n}@bygg.se")
    signed = await make_org(name="Anmäld AB", municipality_code="2085", cpv_codes=["45210000"])
    await sign_up(db, event["id"], signed)
    return event


async def test_preview_then_send_then_the_list(
    organiser_browser: Browser, registry, matcher, organiser_token, db, make_org
):
    event = await world(registry, organiser_token, db, make_org)
    page = f"/arrangor/evenemang/{event['id']}"
    assert f'href="{page}/bjud-in"' in await organiser_browser.page(page)

    form = unescape(await organiser_browser.page(f"{page}/bjud-in"))
    assert '<option value="2085">Ludvika</option>' in form
    assert '<option value="45">45 Anläggningsarbete</option>' in form
    assert "Inga inbjudningar har skickats ännu." in form and 'id="send-form"' not in form

    preview = unescape(await organiser_browser.page(f"{page}/bjud-in?municipality=2085&cpv_division=45&visa=1"))
    assert "4 företag matchar, 1 redan anmälda, 0 redan inbjudna" in preview
    assert "Ja, skicka 3 inbjudningar med e-post" in preview
    assert await db.fetchval("SELECT count(*) FROM matcher.outbox WHERE kind = 'invitation'") == 0

    # Without the confirmation ticked: nothing is sent, and the page says why.
    data = {"municipality": "2085", "cpv_division": "45"}
    preview_page = f"{page}/bjud-in?municipality=2085&cpv_division=45&visa=1"
    unconfirmed = await organiser_browser.submit(preview_page, f"{page}/bjud-in", data)
    assert unconfirmed.status == 422 and "Bekräfta att inbjudningarna ska skickas." in unescape(
        await unconfirmed.text()
    )
    sent = await organiser_browser.submit(preview_page, f"{page}/bjud-in", {**data, "confirm": "1"})
    assert sent.status in (302, 303) and sent.headers["Location"].endswith("/bjud-in?skickade=3")
    listed = unescape(await organiser_browser.page(sent.headers["Location"]))
    assert "3 inbjudningar är köade och skickas inom kort." in listed
    assert "Skickade inbjudningar (3)" in listed and "Bygg 0 i Ludvika AB" in listed and "Väntar" in listed
    assert await db.fetchval("SELECT count(*) FROM matcher.outbox WHERE kind = 'invitation'") == 3

    again = unescape(await organiser_browser.page(f"{page}/bjud-in?municipality=2085&visa=1"))
    assert "4 företag matchar, 1 redan anmälda, 3 redan inbjudna" in again and "Ingen i urvalet" in again

    english = unescape(await organiser_browser.page(f"{page}/bjud-in?municipality=2085&visa=1&lang=en"))
    assert "Invite firms" in english and "4 firms match, 1 already signed up, 3 already invited" in english
    assert '<option value="45">45 Construction work</option>' in english


async def test_closed_sign_up_and_no_criteria_are_said_on_the_page(
    organiser_browser: Browser, registry, matcher, organiser_token
):
    draft = await create_event(registry, organiser_token)
    page = f"/arrangor/evenemang/{draft['id']}/bjud-in"
    closed = unescape(await organiser_browser.page(f"{page}?municipality=2085&visa=1&lang=sv", status=422))
    assert "Anmälan till evenemanget är inte öppen" in closed
    empty = unescape(await organiser_browser.page(f"{page}?visa=1", status=422))
    assert "Välj minst en av kommun, CPV-område och deltog tidigare." in empty


async def test_the_event_form_sets_avoiding_pairs_who_met_and_the_run_sends_it(
    organiser_browser: Browser, registry, matcher, organiser_token
):
    from tests.web.test_organiser_pages import event_form

    assert 'name="avoid_repeat_pairs" value="on" aria-describedby="f-avoid_repeat_pairs-hint" checked' in (
        await organiser_browser.page("/arrangor/evenemang/ny")
    )
    created = await organiser_browser.submit(
        "/arrangor/evenemang/ny", "/arrangor/evenemang/ny", event_form(avoid_repeat_pairs="on")
    )
    event_id = created.headers["Location"].rsplit("/", 1)[1]
    api = bearer(organiser_token)
    settings = await (await matcher.get(f"/events/{event_id}/day-settings", headers=api)).json()
    assert settings["avoid_repeat_pairs"] is True and settings["etag"] == '"defaults"'  # the default: nothing stored

    # The day page's own settings stay as they are when the event form turns it off.
    day = {"live_mode": True, "remind_minutes_before": 15}
    assert (await matcher.put(f"/events/{event_id}/day-settings", json=day, headers=api)).status in (200, 201)
    edit = f"/arrangor/evenemang/{event_id}/andra"
    form = unescape(await organiser_browser.page(edit))
    assert "Undvik par som redan träffats" in form and "paras inte ihop igen" in form
    version = (await (await registry.get(f"/events/{event_id}", headers=api)).json())["version"]
    saved = await organiser_browser.submit(edit, edit, event_form(version=str(version)))  # the box left unticked
    assert saved.status in (302, 303), await saved.text()
    settings = await (await matcher.get(f"/events/{event_id}/day-settings", headers=api)).json()
    assert (settings["avoid_repeat_pairs"], settings["live_mode"], settings["remind_minutes_before"]) == (
        False,
        True,
        15,
    )
    assert 'name="avoid_repeat_pairs" value="on" aria-describedby="f-avoid_repeat_pairs-hint">' in (
        await organiser_browser.page(edit)
    )
    # A PUT of the day page (without the field) leaves it as the event form set it.
    assert (await matcher.put(f"/events/{event_id}/day-settings", json=day, headers=api)).status == 200
    assert (await (await matcher.get(f"/events/{event_id}/day-settings", headers=api)).json())[
        "avoid_repeat_pairs"
    ] is False

    await move_to(registry, organiser_token, event_id, "open")
    schedule = f"/arrangor/evenemang/{event_id}/schema"
    run = await organiser_browser.submit(schedule, f"{schedule}/kor", {})
    assert run.status in (302, 303), await run.text()
    jobs = await (await matcher.get(f"/events/{event_id}/jobs", headers=api)).json()
    assert jobs["items"][0]["params"]["avoid_repeat_pairs"] is False

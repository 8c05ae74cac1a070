"""The organiser's event pages on the real front end against the real registry and matcher: the event
form (times in Europe/Stockholm, errors next to fields, the slot preview), status buttons, sign-ups,
CSV exports for the venue, accounts, and no way in for SMEs and buyers."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from services.matcher.agendas import meetings_from_engine
from services.matcher.engine.encode import encode_snapshot
from services.matcher.engine.examples import synthetic_snapshot
from services.matcher.engine.pipeline import plan_bipartite
from shared.auth import Role
from tests.conftest import bearer
from tests.matcher.test_agenda_routes import local_times, publish, store_version

from .conftest import Browser, unique_email

pytestmark = pytest.mark.db

STOCKHOLM = ZoneInfo("Europe/Stockholm")
EVENT_DAY = date(date.today().year + 1, 3, 12)  # winter time: Stockholm is UTC+1


def event_form(**changes: str) -> dict[str, str]:
    """A filled-in event form, as a person would type it (Stockholm times)."""
    values = {
        "name": "Affärsträff Falun",
        "description": "Möt kommunerna i Dalarna.",
        "venue": "Lugnet",
        "municipality_code": "2080",
        "event_date": EVENT_DAY.isoformat(),
        "day_start": "09:00",
        "day_end": "11:00",
        "meeting_minutes": "20",
        "changeover_minutes": "5",
        "breaks.0.start": "10:00",
        "breaks.0.end": "10:15",
        "breaks.0.label": "Fika",
        "breaks.1.start": "",
        "breaks.1.end": "",
        "breaks.1.label": "",
        "breaks.2.start": "",
        "breaks.2.end": "",
        "breaks.2.label": "",
        "tables": "6",
        "signup_deadline": f"{EVENT_DAY - timedelta(days=7)}T12:00",
        "default_meetings_per_sme": "3",
        "max_meetings_per_sme": "5",
    }
    values.update(changes)
    return values


async def events_in_registry(registry, token: str) -> list[dict]:
    response = await registry.get("/events", headers=bearer(token))
    assert response.status == 200
    return (await response.json())["items"]


async def create_through_form(browser: Browser, **changes: str) -> str:
    response = await browser.submit("/arrangor/evenemang/ny", "/arrangor/evenemang/ny", event_form(**changes))
    assert response.status == 303, await response.text()
    location = response.headers["Location"]
    assert re.fullmatch(r"/arrangor/evenemang/[0-9a-f-]{36}", location)
    return location.rsplit("/", 1)[1]


async def test_organiser_creates_an_event_through_the_form(
    organiser_browser: Browser, registry, organiser_token: str
) -> None:
    event_id = await create_through_form(organiser_browser)
    response = await registry.get(f"/events/{event_id}", headers=bearer(organiser_token))
    event = await response.json()
    assert event["name"] == "Affärsträff Falun" and event["venue"] == "Lugnet" and event["status"] == "draft"
    assert event["time_zone"] == "Europe/Stockholm" and event["tables"] == 6
    assert event["breaks"] == [{"start": "10:00", "end": "10:15", "label": "Fika"}]
    deadline = datetime.fromisoformat(event["signup_deadline"])
    assert deadline == datetime.combine(EVENT_DAY - timedelta(days=7), datetime.min.time().replace(hour=12), STOCKHOLM)
    assert deadline.utcoffset() is not None
    first = datetime.fromisoformat(event["slots"][0]["start"])
    assert first.astimezone(STOCKHOLM).strftime("%H:%M") == "09:00" and first.utcoffset().total_seconds() == 0
    # 09:00, 09:25; 09:50 would overlap the 10:00 break, so 10:15, 10:40 (ends 11:00)
    assert [s["label"] for s in event["slots"]] == ["09:00–09:20", "09:25–09:45", "10:15–10:35", "10:40–11:00"]

    page = await organiser_browser.page(f"/arrangor/evenemang/{event_id}")
    assert "Affärsträff Falun" in page and 'data-status="draft"' in page
    assert "10:40–11:00" in page and "Pass 4" in page and "Fika" in page
    assert "4 pass × 6 bord = högst 24 möten" in page
    listing = await organiser_browser.page("/arrangor")
    assert f'href="/arrangor/evenemang/{event_id}"' in listing and "Utkast" in listing


async def test_bad_input_is_shown_next_to_each_field_and_nothing_is_created(
    organiser_browser: Browser, registry, organiser_token: str
) -> None:
    form = event_form(name="", day_start="11:00", day_end="09:30", venue="Lugnet Arena")
    response = await organiser_browser.submit("/arrangor/evenemang/ny", "/arrangor/evenemang/ny", form)
    html = await response.text()
    assert response.status == 422
    assert 'id="f-name-error"' in html and 'id="f-day_end-error"' in html
    assert "Dagen måste sluta efter att den börjar." in html
    assert 'value="Lugnet Arena"' in html and 'value="11:00"' in html and 'value="09:30"' in html
    assert 'value="Fika"' in html  # the break rows keep what was typed too
    assert "error-summary" in html
    assert await events_in_registry(registry, organiser_token) == []


async def test_the_registrys_own_rules_come_back_next_to_their_fields(
    organiser_browser: Browser, registry, organiser_token: str
) -> None:
    # A deadline after the first meeting and a second break (typed in the third row) overlapping the first.
    form = event_form(
        signup_deadline=f"{EVENT_DAY}T10:00",
        **{"breaks.2.start": "10:10", "breaks.2.end": "10:30"},
    )
    response = await organiser_browser.submit("/arrangor/evenemang/ny", "/arrangor/evenemang/ny", form)
    html = await response.text()
    assert response.status == 422, html[:2000]
    assert 'id="f-breaks.2.start"' in html and "Pauserna överlappar varandra." in html
    assert 'value="10:10"' in html
    assert await events_in_registry(registry, organiser_token) == []
    form = event_form(signup_deadline=f"{EVENT_DAY}T10:00")
    response = await organiser_browser.submit("/arrangor/evenemang/ny", "/arrangor/evenemang/ny", form)
    html = await response.text()
    assert response.status == 422 and 'id="f-signup_deadline-error"' in html
    assert "Sista anmälningsdag måste vara före evenemangets start." in html
    assert f'value="{EVENT_DAY}T10:00"' in html


async def test_preview_shows_the_computed_slots_without_saving(
    organiser_browser: Browser, registry, organiser_token: str
) -> None:
    new = await organiser_browser.page("/arrangor/evenemang/ny")
    assert 'id="slot-preview"' in new and "js/slot-preview.js" in new
    form = event_form(meeting_minutes="30", changeover_minutes="0", **{"breaks.0.start": "", "breaks.0.end": ""})
    response = await organiser_browser.submit(
        "/arrangor/evenemang/ny", "/arrangor/evenemang/ny", {**form, "action": "preview"}
    )
    html = await response.text()
    assert response.status == 200
    assert all(span in html for span in ("09:00–09:30", "09:30–10:00", "10:00–10:30", "10:30–11:00"))
    assert "4 pass × 6 bord = högst 24 möten" in html and 'class="slot-bar"' in html
    assert await events_in_registry(registry, organiser_token) == []


async def test_organiser_edits_an_event(organiser_browser: Browser, registry, organiser_token: str) -> None:
    event_id = await create_through_form(organiser_browser)
    page = f"/arrangor/evenemang/{event_id}/andra"
    form_html = await organiser_browser.page(page)
    assert 'value="Affärsträff Falun"' in form_html and f'value="{EVENT_DAY - timedelta(days=7)}T12:00"' in form_html
    response = await organiser_browser.submit(
        page, page, {**event_form(name="Affärsträff Mora", tables="8"), "version": "1"}
    )
    assert response.status == 303
    event = await (await registry.get(f"/events/{event_id}", headers=bearer(organiser_token))).json()
    assert event["name"] == "Affärsträff Mora" and event["tables"] == 8


async def test_open_and_close_sign_up_with_the_buttons(
    organiser_browser: Browser, registry, organiser_token: str
) -> None:
    event_id = await create_through_form(organiser_browser)
    page = f"/arrangor/evenemang/{event_id}"
    assert 'id="transition-open"' in await organiser_browser.page(page)

    async def status() -> str:
        return (await (await registry.get(f"/events/{event_id}", headers=bearer(organiser_token))).json())["status"]

    response = await organiser_browser.submit(page, f"{page}/status", {"to": "open"})
    assert response.status == 303 and response.headers["Location"] == page
    assert await status() == "open"
    html = await organiser_browser.page(page)
    assert "Öppen för anmälan" in html and 'id="transition-closed"' in html
    response = await organiser_browser.submit(page, f"{page}/status", {"to": "closed"})
    assert response.status == 303 and await status() == "closed"
    # A move the event cannot make says so on the page and changes nothing.
    response = await organiser_browser.submit(page, f"{page}/status", {"to": "published"})
    assert response.status == 409 and "Statusen kunde inte ändras" in await response.text()
    assert await status() == "closed"


async def _open_event_with_signups(browser: Browser, registry, organiser_token: str, make_org: Callable) -> dict:
    """An open event with one SME (self-registered, with a contact) and one buyer signed up via the API."""
    event_id = await create_through_form(browser)
    opened = await registry.post(
        f"/events/{event_id}/transitions", json={"to": "open"}, headers=bearer(organiser_token)
    )
    assert opened.status == 200
    created = await registry.post(
        "/organisations",
        json={
            "kind": "sme",
            "orgnr": "5560360793",
            "name": "Dala Städ AB",
            "municipality_code": "2062",
            "cpv_codes": ["90910000"],
            "contacts": [{"name": "Sara Ek", "email": "sara@dalastad.se", "phone": "070-123 45 67"}],
        },
    )
    assert created.status == 201, await created.text()
    sme = await created.json()
    signed = await registry.post(
        f"/events/{event_id}/registrations", json={"available_slots": [0, 1]}, headers=bearer(sme["token"])
    )
    assert signed.status == 201, await signed.text()
    buyer = await make_org("buyer", name="Falu kommun")
    signed = await registry.post(
        f"/events/{event_id}/registrations",
        json={"organisation_id": str(buyer), "tables": 2},
        headers=bearer(organiser_token),
    )
    assert signed.status == 201, await signed.text()
    return {"event_id": event_id, "sme": sme, "buyer": buyer}


async def test_sign_up_list_shows_registrations_made_through_the_api(
    organiser_browser: Browser, registry, organiser_token: str, make_org: Callable
) -> None:
    world = await _open_event_with_signups(organiser_browser, registry, organiser_token, make_org)
    page = f"/arrangor/evenemang/{world['event_id']}/anmalningar"
    html = await organiser_browser.page(page)
    assert 'id="signups-sme"' in html and 'id="signups-buyer"' in html
    sme_table = html.split('id="signups-sme"', 1)[1].split("</table>", 1)[0]
    assert "Dala Städ AB" in sme_table and "2 av 4" in sme_table and "Anmäld" in sme_table
    buyer_table = html.split('id="signups-buyer"', 1)[1].split("</table>", 1)[0]
    assert "Falu kommun" in buyer_table
    only_buyers = await organiser_browser.page(page + "?typ=buyer")
    assert "Falu kommun" in only_buyers and "Dala Städ AB" not in only_buyers
    event_page = await organiser_browser.page(f"/arrangor/evenemang/{world['event_id']}")
    assert '<dd id="count-sme">1</dd>' in event_page and '<dd id="count-buyer">1</dd>' in event_page


async def test_participant_list_exports_as_csv_for_swedish_excel(
    organiser_browser: Browser, registry, organiser_token: str, make_org: Callable
) -> None:
    world = await _open_event_with_signups(organiser_browser, registry, organiser_token, make_org)
    response = await organiser_browser.client.get(f"/arrangor/evenemang/{world['event_id']}/export/anmalningar.csv")
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/csv")
    assert response.headers["Content-Disposition"].startswith("attachment;")
    body = await response.read()
    assert body.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig")), delimiter=";"))
    assert rows[0][:3] == ["Organisation", "Organisationsnummer", "Typ"]
    by_name = {row[0]: row for row in rows[1:]}
    assert set(by_name) == {"Dala Städ AB", "Falu kommun"}
    sme = by_name["Dala Städ AB"]
    assert sme[1].replace("-", "") == "5560360793" and sme[2] == "Företag"
    assert sme[3:7] == ["Sara Ek", "sara@dalastad.se", "+46701234567", "Mora"]
    assert by_name["Falu kommun"][2] == "Köpare" and by_name["Falu kommun"][7] == "2"


async def test_meeting_list_needs_a_published_schedule(
    organiser_browser: Browser, registry, organiser_token: str
) -> None:
    event_id = await create_through_form(organiser_browser)
    response = await organiser_browser.client.get(f"/arrangor/evenemang/{event_id}/export/moten.csv")
    assert response.status == 404
    assert "Inget publicerat schema" in await response.text()


async def test_organiser_creates_a_buyer_account(
    organiser_browser: Browser, registry, organiser_token: str, make_org: Callable
) -> None:
    buyer = await make_org("buyer", name="Region Dalarna")
    page = await organiser_browser.page("/arrangor/konton")
    assert f'value="{buyer}"' in page and "Region Dalarna" in page
    email = unique_email()
    fields = {"name": "Anna Berg", "email": email, "role": "buyer", "organisation_id": str(buyer)}
    response = await organiser_browser.submit("/arrangor/konton", "/arrangor/konton", {**fields, "password": "kort"})
    html = await response.text()
    assert response.status == 422 and 'id="f-password-error"' in html and f'value="{email}"' in html
    assert 'value="kort"' not in html

    password = "ett långt lösenord"
    response = await organiser_browser.submit("/arrangor/konton", "/arrangor/konton", {**fields, "password": password})
    assert response.status == 303
    accounts = (await (await registry.get("/auth/accounts", headers=bearer(organiser_token))).json())["items"]
    [account] = [a for a in accounts if a["email"] == email]
    assert account["role"] == "buyer" and account["organisation_id"] == str(buyer) and account["name"] == "Anna Berg"
    listing = await organiser_browser.page(response.headers["Location"])
    assert email in listing and "Kontot är skapat" in listing and password not in listing
    login = await registry.post("/auth/login", json={"email": email, "password": password})
    assert login.status == 200

    again = await organiser_browser.submit("/arrangor/konton", "/arrangor/konton", {**fields, "password": password})
    html = await again.text()
    assert again.status == 422 and "Det finns redan ett konto" in html and password not in html
    missing = await organiser_browser.submit(
        "/arrangor/konton", "/arrangor/konton", {**fields, "organisation_id": "", "password": password}
    )
    assert missing.status == 422 and 'id="f-organisation_id-error"' in await missing.text()


async def test_organiser_sets_a_new_password_and_disables_an_account(
    organiser_browser: Browser, registry, organiser_token: str, make_org: Callable
) -> None:
    email = unique_email()
    created = await registry.post(
        "/auth/accounts",
        json={
            "email": email,
            "password": "det gamla lösenordet",
            "role": "buyer",
            "organisation_id": str(await make_org("buyer")),
        },
        headers=bearer(organiser_token),
    )
    account_id = (await created.json())["id"]
    session = (
        await (await registry.post("/auth/login", json={"email": email, "password": "det gamla lösenordet"})).json()
    )["token"]
    action = f"/arrangor/konton/{account_id}/losenord"
    short = await organiser_browser.submit("/arrangor/konton", action, {"password": "kort"})
    html = await short.text()
    assert short.status == 422 and f'id="pw-{account_id}-error"' in html and 'value="kort"' not in html
    changed = await organiser_browser.submit("/arrangor/konton", action, {"password": "ett helt nytt lösenord"})
    assert changed.status == 303
    assert "Kontot är ändrat" in await organiser_browser.page(changed.headers["Location"])
    # The buyer's session from before is over; the new password signs in.
    assert (await registry.get("/auth/whoami", headers=bearer(session))).status == 401
    assert (
        await registry.post("/auth/login", json={"email": email, "password": "ett helt nytt lösenord"})
    ).status == 200
    off = await organiser_browser.submit("/arrangor/konton", f"/arrangor/konton/{account_id}/status", {"disabled": "1"})
    assert off.status == 303
    assert "Avstängt" in await organiser_browser.page("/arrangor/konton")
    assert (
        await registry.post("/auth/login", json={"email": email, "password": "ett helt nytt lösenord"})
    ).status == 401
    on = await organiser_browser.submit("/arrangor/konton", f"/arrangor/konton/{account_id}/status", {"disabled": "0"})
    assert on.status == 303
    assert (
        await registry.post("/auth/login", json={"email": email, "password": "ett helt nytt lösenord"})
    ).status == 200


@pytest.mark.parametrize("role", [Role.SME, Role.BUYER])
async def test_smes_and_buyers_are_refused_every_organiser_page(
    web: Browser, registry, organiser_token: str, make_token: Callable, make_org: Callable, role: Role
) -> None:
    created = await registry.post(
        "/events",
        json={
            "name": "Träff",
            "event_date": EVENT_DAY.isoformat(),
            "municipality_code": "2080",
            "day_start": "09:00",
            "day_end": "10:00",
            "meeting_minutes": 20,
            "tables": 2,
            "signup_deadline": f"{EVENT_DAY - timedelta(days=1)}T12:00:00+01:00",
        },
        headers=bearer(organiser_token),
    )
    assert created.status == 201, await created.text()
    event_id = (await created.json())["id"]
    await registry.post(f"/events/{event_id}/transitions", json={"to": "open"}, headers=bearer(organiser_token))
    web.sign_in_with(await make_token(role, await make_org(role.value)))
    base = f"/arrangor/evenemang/{event_id}"
    for path in (
        "/arrangor",
        "/arrangor/evenemang/ny",
        base,
        f"{base}/andra",
        f"{base}/anmalningar",
        f"{base}/export/anmalningar.csv",
        f"{base}/export/moten.csv",
        "/arrangor/konton",
    ):
        response = await web.client.get(path, allow_redirects=False)
        assert response.status == 403, path
    for path, data in (
        ("/arrangor/evenemang/ny", event_form()),
        (f"{base}/andra", event_form()),
        (f"{base}/status", {"to": "closed"}),
        ("/arrangor/konton", {"email": unique_email(), "password": "x" * 12, "role": "organiser"}),
    ):
        response = await web.submit("/logga-in", path, data)
        assert response.status == 403, path
    event = await (await registry.get(f"/events/{event_id}", headers=bearer(organiser_token))).json()
    assert event["status"] == "open" and len(await events_in_registry(registry, organiser_token)) == 1


async def test_a_scheduled_event_reopens_only_with_a_reason_and_keeps_its_name_editable(
    organiser_browser: Browser, registry, organiser_token: str
) -> None:
    event_id = await create_through_form(organiser_browser)
    for status in ("open", "closed", "scheduled"):
        moved = await registry.post(
            f"/events/{event_id}/transitions", json={"to": status}, headers=bearer(organiser_token)
        )
        assert moved.status == 200, await moved.text()
    page = f"/arrangor/evenemang/{event_id}"
    # The name can change after scheduling: the unchanged grid fields the form sends again are no change.
    edit = f"{page}/andra"
    response = await organiser_browser.submit(edit, edit, event_form(name="Affärsträff Ludvika"))
    assert response.status == 303, await response.text()
    # Moving the grid is refused with a message on the form, not an error page.
    response = await organiser_browser.submit(edit, edit, event_form(tables="9"))
    assert response.status == 409 and "Schemat är redan lagt" in await response.text()

    html = await organiser_browser.page(page)
    assert 'id="transition-closed"' in html and 'id="f-reason"' in html
    response = await organiser_browser.submit(page, f"{page}/status", {"to": "closed", "reason": ""})
    assert response.status == 422 and 'id="f-reason-error"' in await response.text()
    response = await organiser_browser.submit(
        page, f"{page}/status", {"to": "closed", "reason": "Två företag hoppade av"}
    )
    assert response.status == 303
    event = await (await registry.get(f"/events/{event_id}", headers=bearer(organiser_token))).json()
    assert event["status"] == "closed" and event["name"] == "Affärsträff Ludvika"


async def test_organiser_pages_in_english(organiser_browser: Browser) -> None:
    event_id = await create_through_form(organiser_browser)
    assert "New event" in await organiser_browser.page("/arrangor?lang=en")
    html = await organiser_browser.page(f"/arrangor/evenemang/{event_id}")
    assert "Open sign-up" in html and "4 slots × 6 tables = at most 24 meetings" in html
    assert "Meeting length (minutes)" in await organiser_browser.page(f"/arrangor/evenemang/{event_id}/andra")
    assert "Companies only" in await organiser_browser.page(f"/arrangor/evenemang/{event_id}/anmalningar")
    assert "New account" in await organiser_browser.page("/arrangor/konton")


@pytest.fixture(scope="module")
def planned() -> tuple:
    """A small event planned by the real engine (stored and published in SQL by the test, as the worker would)."""
    snapshot = synthetic_snapshot(smes=10, buyers=2, needs_per_buyer=2, seed=3)
    encoded = encode_snapshot(snapshot)
    return snapshot, meetings_from_engine(encoded, plan_bipartite(encoded.instance).schedule)


async def test_meeting_list_of_the_published_schedule_exports_as_csv(organiser_browser: Browser, db, planned) -> None:
    snapshot, meetings = planned
    await store_version(db, snapshot, meetings, 1)
    await publish(db, snapshot.event.id, 1)
    response = await organiser_browser.client.get(f"/arrangor/evenemang/{snapshot.event.id}/export/moten.csv")
    assert response.status == 200, await response.text()
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO((await response.read()).decode("utf-8-sig")), delimiter=";"))
    assert rows[0] == ["Tid", "Bord", "Köpare", "Företag"]
    names = {o.organisation.id: o.organisation.name for o in (*snapshot.smes, *snapshot.buyers)}
    times = local_times(snapshot)
    # The table is the room's table number (a buyer's own table index only says which of its tables).
    expected = sorted((times[m.slot], names[m.buyer_id], names[m.sme_id]) for m in meetings)
    assert sorted((row[0], row[2], row[3]) for row in rows[1:]) == expected
    assert all(row[1].isdigit() for row in rows[1:])
    assert len({(row[0], row[1]) for row in rows[1:]}) == len(meetings)  # one meeting per table and slot

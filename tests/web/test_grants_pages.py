""" "Behörigheter" on the real front end, registry and matcher: the event's owner grants a supporter account by
its e-mail address and revokes it; the supporter signs in to its granted events only, with the status buttons
only where it may edit; another organiser is told that only the owner grants; Swedish and English."""

from __future__ import annotations

from html import unescape

import pytest

from shared.auth import Role
from tests.supporters import grant, make_account, session
from tests.test_events import create_event

from .conftest import Browser

pytestmark = pytest.mark.db


async def test_the_owner_grants_and_revokes_a_supporter_by_its_address(web: Browser, registry, db, make_token):
    owner = await session(make_token, Role.ORGANISER, await make_account(db, "organiser"))
    event = await create_event(registry, owner)
    supporter = await make_account(db, "supporter", "naringsliv@falun.se")
    web.sign_in_with(owner)
    page = f"/arrangor/evenemang/{event['id']}/behorigheter"
    assert f'href="{page}"' in await web.page(f"/arrangor/evenemang/{event['id']}")
    html = unescape(await web.page(page))
    assert "Behörigheter" in html and "Inga stödkonton har tillgång än." in html

    unknown = await web.submit(page, page, {"email": "ingen@falun.se", "access": "read"})
    assert unknown.status == 422 and "Det finns inget stödkonto med den adressen" in unescape(await unknown.text())
    saved = await web.submit(page, page, {"email": "Naringsliv@Falun.se", "access": "edit"})
    assert saved.status == 303, await saved.text()
    assert await db.fetchval("SELECT access FROM registry.event_grants WHERE account_id = $1", supporter) == "edit"
    html = unescape(await web.page(page))
    assert "naringsliv@falun.se" in html and "Läsa och ändra" in html

    revoked = await web.submit(page, f"{page}/{supporter}/aterkalla", {})
    assert revoked.status == 303
    assert await db.fetchval("SELECT count(*) FROM registry.event_grants") == 0
    english = unescape(await web.page(page + "?lang=en"))
    assert "Permissions" in english and "No supporter accounts have access yet." in english


async def test_another_organiser_is_told_only_the_owner_grants(web: Browser, registry, db, make_token):
    owner = await session(make_token, Role.ORGANISER, await make_account(db, "organiser"))
    event = await create_event(registry, owner)
    web.sign_in_with(await session(make_token, Role.ORGANISER, await make_account(db, "organiser")))
    html = unescape(await web.page(f"/arrangor/evenemang/{event['id']}/behorigheter"))
    assert 'id="not-owner"' in html and 'id="grant-form"' not in html


async def test_a_supporter_sees_its_events_and_edits_only_where_granted(
    web: Browser, registry, db, make_token, organiser_token
):
    readable = await create_event(registry, organiser_token, name="Affärsträff Läsbar")
    editable = await create_event(registry, organiser_token, name="Affärsträff Ändringsbar")
    await create_event(registry, organiser_token, name="Affärsträff Hemlig")
    supporter = await make_account(db, "supporter")
    await grant(db, readable["id"], supporter, "read")
    await grant(db, editable["id"], supporter, "edit")
    web.sign_in_with(await session(make_token, Role.SUPPORTER, supporter))

    listing = unescape(await web.page("/arrangor"))
    assert "Affärsträff Läsbar" in listing and "Affärsträff Ändringsbar" in listing
    assert "Affärsträff Hemlig" not in listing
    assert 'id="new-event"' not in listing and 'href="/arrangor/statistik"' not in listing
    read_page = await web.page(f"/arrangor/evenemang/{readable['id']}")
    for control in ("transition-open", "edit-event", "link-grants", "copy-event", "day-settings"):
        assert f'id="{control}"' not in read_page, control
    edit_page = await web.page(f"/arrangor/evenemang/{editable['id']}")
    assert 'id="transition-open"' in edit_page and 'id="edit-event"' in edit_page and 'id="copy-event"' not in edit_page
    assert 'id="day-settings"' in edit_page
    await web.page(f"/arrangor/evenemang/{readable['id']}/behorigheter", status=403)


async def test_a_supporter_opens_the_reception_of_its_granted_event_only(
    web: Browser, registry, db, make_token, organiser_token
):
    mine = await create_event(registry, organiser_token)
    other = await create_event(registry, organiser_token, name="Affärsträff Mora")
    supporter = await make_account(db, "supporter")
    await grant(db, mine["id"], supporter, "read")
    web.sign_in_with(await session(make_token, Role.SUPPORTER, supporter))
    await web.page(f"/arrangor/evenemang/{mine['id']}/reception")
    await web.page(f"/arrangor/evenemang/{other['id']}/reception", status=403)


async def test_a_read_only_supporter_sees_the_schedule_without_its_run_button(
    web: Browser, registry, db, make_token, organiser_token
):
    event = await create_event(registry, organiser_token)
    supporter = await make_account(db, "supporter")
    await grant(db, event["id"], supporter, "read")
    web.sign_in_with(await session(make_token, Role.SUPPORTER, supporter))
    page = f"/arrangor/evenemang/{event['id']}/schema"
    assert 'id="run-button"' not in await web.page(page)
    await grant(db, event["id"], supporter, "edit")
    assert 'id="run-button"' in await web.page(page)


async def test_an_organiser_creates_a_supporter_account_then_grants_it(web: Browser, registry, db, make_token):
    owner = await session(make_token, Role.ORGANISER, await make_account(db, "organiser"))
    event = await create_event(registry, owner)
    web.sign_in_with(owner)
    assert "Stödroll" in unescape(await web.page("/arrangor/konton"))
    fields = {"name": "Näringslivskontoret", "email": "stod@mora.se", "role": "supporter", "organisation_id": ""}
    created = await web.submit("/arrangor/konton", "/arrangor/konton", {**fields, "password": "ett långt lösenord"})
    assert created.status == 303, await created.text()
    page = f"/arrangor/evenemang/{event['id']}/behorigheter"
    assert (await web.submit(page, page, {"email": "stod@mora.se", "access": "read"})).status == 303
    assert "stod@mora.se" in await web.page(page)

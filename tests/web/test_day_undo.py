"""Ångra on the buyer's agenda page, on the real front end, registry and matcher (the matcher on a ManualClock):
the buyer takes back its own mark at its table, the meeting is planned again, the slots it freed go back and
the Genomfört / Uteblev buttons come back. (The no-login day page's Ångra: tests/matcher/test_onsite_undo.py.)"""

from __future__ import annotations

import datetime as dt
import re

from tests.web.conftest import Browser
from tests.web.test_day_pages import clock, location, matcher, world  # noqa: F401 - the same fixtures


async def test_the_buyer_undoes_its_mark_in_one_tap(web: Browser, world, db, clock) -> None:  # noqa: F811
    event, orgs = world["event"], world["orgs"]
    page = f"/kopare/evenemang/{event}/agenda"
    web.sign_in_with(world["tokens"]["x"])
    clock.set(world["slots"][0].start + dt.timedelta(minutes=4))
    marked = await web.submit(
        page, f"/kopare/evenemang/{event}/agenda/status", {"sme_id": orgs["a"], "status": "no_show_sme"}
    )
    html = await web.page(location(marked))
    undo = re.search(rf'<form[^>]*id="undo-{orgs["a"]}".*?</form>', html, re.S)
    assert undo and "Ångra" in undo.group(0) and 'value="planned"' in undo.group(0)
    # SME a had not checked in: its later meeting with y was freed too; the undo takes both back.
    assert await db.fetchval("SELECT count(*) FROM matcher.freed_slots WHERE state <> 'withdrawn'") == 2
    response = await web.submit(
        location(marked), f"/kopare/evenemang/{event}/agenda/status", {"sme_id": orgs["a"], "status": "planned"}
    )
    assert location(response).startswith(f"{page}?dag=angrat")
    assert await db.fetchval("SELECT count(*) FROM matcher.meeting_status") == 0
    assert await db.fetchval("SELECT count(*) FROM matcher.freed_slots WHERE state = 'open'") == 0
    html = await web.page(location(response))
    assert "Markeringen är ångrad" in html and f'id="undo-{orgs["a"]}"' not in html
    assert re.search(rf'<form[^>]*id="day-{orgs["a"]}"', html)  # Genomfört / Uteblev again
    english = await web.page(page + "?lang=en&dag=angrat")
    assert "The mark is undone" in english


async def test_the_reception_is_told_what_a_late_firm_got_back(web: Browser, world, db, clock, matcher) -> None:  # noqa: F811
    event, orgs = world["event"], world["orgs"]
    clock.set(world["slots"][0].start + dt.timedelta(minutes=5))
    # SME a misses 08:00 without having checked in: its later meeting with y is freed (y is not here yet, so
    # the live fill leaves it open).
    missed = await matcher.put(
        f"/events/{event}/meetings/{orgs['a']}/{orgs['x']}/status",
        json={"status": "no_show_sme"},
        headers={"Authorization": f"Bearer {world['tokens']['organiser']}"},
    )
    assert missed.status == 200 and (await missed.json())["freed_slots"] == 2
    web.sign_in_with(world["tokens"]["organiser"])
    desk = f"/arrangor/evenemang/{event}/reception"
    response = await web.submit(desk, desk + "/incheckning", {"organisation_id": orgs["a"]}, follow=True)
    html = await response.text()
    assert "är incheckad." in html and "1 möte återställt." in html
    assert await db.fetchval("SELECT state FROM matcher.freed_slots WHERE buyer_id = $1::uuid", orgs["y"]) == (
        "withdrawn"
    )

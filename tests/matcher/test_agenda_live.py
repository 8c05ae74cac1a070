"""An agenda page opened by its link follows re-plans: it names its version and runs /a/live.js, which its
CSP allows (and nothing inline), and the JSON it asks (``?since=`` the version shown) says when a newer
version is out; the page then shows it. Other reads carry no script."""

from __future__ import annotations

import re
import uuid
from urllib.parse import urlsplit

from tests.conftest import bearer

# The agenda tests' fixtures (a stored version, organisations, tokens) serve here too.
from tests.matcher.test_agenda_routes import busy_sme, event, publish, second_version, store_version, world

__all__ = ["event", "world"]


def live_version(html: str) -> int | None:
    found = re.search(r'<html lang="\w+" data-live-version="(\d+)" data-live-seconds="([\d.]+)">', html)
    return int(found.group(1)) if found else None


async def test_a_link_page_follows_re_plans_and_other_reads_do_not(matcher, db, world):
    event_id, sme, buyer = world["event"], world["sme"], world["buyer"]
    organiser = bearer(world["tokens"]["organiser"])
    await publish(db, event_id, 1)
    links = (await (await matcher.post(f"/events/{event_id}/agenda-links", headers=organiser)).json())["items"]
    path = {uuid.UUID(item["organisation_id"]): urlsplit(item["url"]).path for item in links}

    for who in (sme, buyer):
        page = await matcher.get(path[who] + ".html")
        html = await page.text()
        assert page.status == 200 and live_version(html) == 1, who
        assert '<script src="/a/live.js" defer></script>' in html and "<script>" not in html
        policy = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in policy and "connect-src 'self'" in policy and "unsafe-inline" not in policy
        assert 'id="live-update"' in html and "Visa det nya schemat" in html
        english = await (await matcher.get(path[who] + ".html?lang=en")).text()
        assert "Show the new schedule" in english

    # The day page (Kan inte, Upptagen, the table's marks) follows re-plans too; its forms post back here.
    day_page = await matcher.get(path[buyer] + "/dagen.html")
    html = await day_page.text()
    assert day_page.status == 200 and live_version(html) == 1 and '<script src="/a/live.js" defer>' in html
    policy = day_page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "form-action 'self'" in policy and "unsafe-inline" not in policy

    # The script is served as a file, and says what it polls.
    script = await matcher.get("/a/live.js")
    body = await script.text()
    assert script.status == 200 and script.content_type == "text/javascript" and "since=" in body

    # Reads by token, earlier versions and the organiser's copy show what was asked for: no script.
    for url, headers in (
        (f"/events/{event_id}/agendas/smes/{sme}.html", organiser),
        (f"/events/{event_id}/agendas/smes/{sme}.html", bearer(world["tokens"]["sme"])),
        (path[sme] + ".html?version=1", {}),
    ):
        response = await matcher.get(url, headers=headers)
        html = await response.text()
        assert response.status == 200 and live_version(html) is None and "live.js" not in html, url
        assert "script-src" not in response.headers["Content-Security-Policy"], url

    # What the script asks: ?since= the version shown. The first look (plain JSON) marks version 1 seen.
    assert (await (await matcher.get(path[sme] + ".json")).json())["version"] == 1
    polled = await (await matcher.get(path[sme] + ".json?since=1")).json()
    assert polled["version"] == 1

    # A re-plan is published: the poll sees version 2, and the page (reloaded) says 2.
    snapshot, meetings = world["snapshot"], world["meetings"]
    moved_meetings, _, _ = second_version(snapshot, meetings, busy_sme(meetings))
    await store_version(db, snapshot, moved_meetings, 2)
    await publish(db, event_id, 2)
    polled = await (await matcher.get(path[sme] + ".json?since=1")).json()
    assert polled["version"] == 2
    assert live_version(await (await matcher.get(path[sme] + ".html")).text()) == 2

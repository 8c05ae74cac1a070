"""The calendar subscription over HTTP on the real matcher app: GET /a/{token}/calendar.ics parsed back with
icalendar follows a re-plan (same UIDs, higher SEQUENCE, dropped meetings cancelled), answers 304 to its
ETag, names the event, rings an alarm and links the live agenda; and the export lists reminders."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import asyncpg
import pytest
from icalendar import Calendar

from services.matcher.agendas.calendar_routes import webcal_url
from services.matcher.agendas.ics import meeting_uid
from services.matcher.reminders import tick
from shared.auth import Role
from shared.clock import ManualClock
from shared.db import init_connection
from tests.conftest import bearer
from tests.matcher.test_reminders import (
    BUILDER,
    BUYER,
    CLEANER,
    EVENT,
    SLOT_START,
    THE_DAY_BEFORE_AT_FOUR,
    example_versions,
    publish,
    store,
)


@pytest.fixture
async def pool(db_url: str) -> AsyncIterator[asyncpg.Pool]:
    created = await asyncpg.create_pool(db_url, min_size=1, max_size=4, init=init_connection)
    yield created
    await created.close()


def events_of(body: bytes) -> dict[str, object]:
    return {str(c["UID"]): c for c in Calendar.from_ical(body).walk("VEVENT")}


async def links(matcher, organiser_token: str) -> dict[uuid.UUID, str]:
    response = await matcher.post(f"/events/{EVENT}/agenda-links", headers=bearer(organiser_token))
    assert response.status in (200, 201)
    return {uuid.UUID(item["organisation_id"]): item["url"] for item in (await response.json())["items"]}


async def test_the_feed_follows_a_replan_and_answers_its_etag(matcher, matcher_settings, pool, organiser_token):
    document, versions = example_versions()
    await store(pool, document, versions[1], 1)
    await store(pool, document, versions[2], 2)
    await publish(pool, matcher_settings, EVENT, 1)
    urls = await links(matcher, organiser_token)
    feed = {org: urlsplit(url).path + "/calendar.ics" for org, url in urls.items()}

    response = await matcher.get(feed[CLEANER])
    assert response.status == 200
    assert response.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    calendar = Calendar.from_ical(await response.read())
    assert str(calendar["SOURCE"]) == urls[CLEANER] + "/calendar.ics"
    assert calendar["REFRESH-INTERVAL"].dt == dt.timedelta(hours=1)
    [meeting] = calendar.walk("VEVENT")
    assert str(meeting["UID"]) == meeting_uid(EVENT, CLEANER, BUYER) and meeting["SEQUENCE"] == 1
    assert str(meeting["SUMMARY"]) == "Affärsträff Falun: möte med Falu kommun"
    assert str(meeting["URL"]) == urls[CLEANER] + ".html"
    assert meeting["DTSTART"].dt == SLOT_START[0]
    [alarm] = meeting.walk("VALARM")
    assert str(alarm["ACTION"]) == "DISPLAY" and alarm["TRIGGER"].dt == -dt.timedelta(minutes=10)
    english = Calendar.from_ical(await (await matcher.get(feed[CLEANER] + "?lang=en")).read())
    assert str(english.walk("VEVENT")[0]["SUMMARY"]) == "Affärsträff Falun: meeting with Falu kommun"

    # The agenda page by link offers the subscription (webcal://, and the https address for web calendars).
    page = await (await matcher.get(urlsplit(urls[CLEANER]).path + ".html")).text()
    assert f'href="{webcal_url(urls[CLEANER] + "/calendar.ics")}">Prenumerera i din kalender</a>' in page
    assert f'href="{urls[CLEANER]}/calendar.ics"' in page
    sheets = await (await matcher.get(urlsplit(urls[BUYER]).path + ".html?lang=en")).text()
    assert f'href="{webcal_url(urls[BUYER] + "/calendar.ics")}">Subscribe in your calendar</a>' in sheets

    tag = response.headers["ETag"]
    again = await matcher.get(feed[CLEANER], headers={"If-None-Match": tag})
    assert again.status == 304 and again.headers["ETag"] == tag

    # Version 2 moves the cleaner's meeting to 09:50 and drops the builder's: the same feed now says so.
    await publish(pool, matcher_settings, EVENT, 2)
    moved = await matcher.get(feed[CLEANER], headers={"If-None-Match": tag})
    assert moved.status == 200 and moved.headers["ETag"] != tag
    [meeting] = events_of(await moved.read()).values()
    assert str(meeting["UID"]) == meeting_uid(EVENT, CLEANER, BUYER)
    assert meeting["SEQUENCE"] == 2 and meeting["DTSTART"].dt == SLOT_START[2] and str(meeting["STATUS"]) == "CONFIRMED"
    buyer = events_of(await (await matcher.get(feed[BUYER])).read())
    assert {uid: (str(e["STATUS"]), e["SEQUENCE"]) for uid, e in buyer.items()} == {
        meeting_uid(EVENT, CLEANER, BUYER): ("CONFIRMED", 2),
        meeting_uid(EVENT, BUILDER, BUYER): ("CANCELLED", 2),
    }
    builder = events_of(await (await matcher.get(feed[BUILDER])).read())
    assert {uid: str(e["STATUS"]) for uid, e in builder.items()} == {meeting_uid(EVENT, BUILDER, BUYER): "CANCELLED"}
    assert not builder[meeting_uid(EVENT, BUILDER, BUYER)].walk("VALARM")  # no alarm for what is off


async def test_a_forged_or_unknown_link_has_no_feed(matcher, matcher_settings, pool, organiser_token):
    document, versions = example_versions()
    await store(pool, document, versions[1], 1)
    await publish(pool, matcher_settings, EVENT, 1)
    url = (await links(matcher, organiser_token))[CLEANER]
    token = urlsplit(url).path.removeprefix("/a/")
    forged = token[:-2] + ("AA" if token[-2:] != "AA" else "BB")
    for path in (f"/a/{forged}/calendar.ics", "/a/not-a-token/calendar.ics"):
        response = await matcher.get(path)
        assert response.status == 404
        assert response.headers["Cache-Control"] == "private, no-store"
    assert (await matcher.get(f"/a/{token}/calendar.ics?lang=de")).status == 422
    assert webcal_url(url + "/calendar.ics").startswith("webcal://") and token in webcal_url(url)


async def test_the_export_lists_an_organisations_reminders(matcher, matcher_settings, pool, make_org, make_token):
    document, versions = example_versions()
    await store(pool, document, versions[1], 1)
    await publish(pool, matcher_settings, EVENT, 1)
    await tick(pool, ManualClock(THE_DAY_BEFORE_AT_FOUR))
    await make_org("sme", id=CLEANER)
    token = await make_token(Role.SME, CLEANER)
    response = await matcher.get(f"/privacy/organisations/{CLEANER}", headers=bearer(token))
    assert response.status == 200
    exported = (await response.json())["reminders"]
    rows = {(r["event_id"], r["kind"], r["state"]) for r in exported}
    assert (str(EVENT), "agenda", "sent") in rows
    # The rest are the feedback rounds' e-mails planned for after the day (services/matcher/feedback/).
    assert {kind for _, kind, _ in rows} - {"agenda"} <= {
        "feedback",
        "feedback_reminder",
        "follow_up",
        "follow_up_reminder",
    }
    assert all(state == "planned" for _, kind, state in rows if kind != "agenda")
    notices = [n for n in (await response.json())["notifications"] if n["kind"] == "reminder.agenda"]
    assert len(notices) == 1

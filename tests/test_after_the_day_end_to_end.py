"""Issue 14's "done when", end to end on real ports: an event from sign-up to the award it led to.

The registry, the matcher (its real app factory on a ManualClock, with a job worker and its solver) and the
web front end listen on loopback, on real PostgreSQL, with a real SMTP server. A small Dalarna event is
signed up through the registry's API, scheduled by the worker and published; on the day one meeting is a
no-show; the evening's feedback e-mails go out through the reminder scheduler and the outbox to the SMTP
server; each participant but one answers through the link in its e-mail, posting the form as a phone
without script would; a buyer's OCDS award release naming (SE-BLV) a firm that met it about the need is
imported through the registry, and the matcher's change feed reads the move. The organisers' figures are
then read back: the feedback summary, the statistics page and its CSV export.

The scheduler and the deliverer are the matcher's own functions called at the test's moments (their loops
in the app would do the same every 30 and 5 seconds): the app's deliverer has no SMTP server, so every
e-mail goes out through the call here and the test needs no sleep.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections import Counter
from collections.abc import AsyncIterator
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from aiohttp.test_utils import TestClient, TestServer

from deploy.load_sample import load_sample
from deploy.past_event import award_release
from deploy.sample_data import generate_sample
from services.matcher.app import create_app as create_matcher_app
from services.matcher.notify.deliver import deliver_due
from services.matcher.privacy.feed import sync_feed
from services.matcher.registry_client import RegistryClient
from services.matcher.reminders import tick
from services.web.app import create_app as create_web_app
from services.web.settings import WebSettings
from shared.clock import ManualClock
from shared.db import POOL_KEY
from shared.web import SETTINGS_KEY
from tests.conftest import bearer
from tests.matcher.test_schedules import run_schedule
from tests.test_end_to_end import inbox
from tests.web.conftest import WEB_SECRET, Browser

__all__ = ["inbox"]  # the SMTP server on loopback, a fixture
pytestmark = pytest.mark.slow
STOCKHOLM = ZoneInfo("Europe/Stockholm")
FEEDBACK_SUBJECT = "Hur gick mötena?"
RATING_FIELD = re.compile(r'name="rating-([0-9a-f-]{36})"')


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(dt.datetime.now(dt.UTC))  # the sign-up happens now; the test then plays the day


@pytest.fixture
async def matcher(matcher_settings, matcher_port, clock) -> AsyncIterator[TestClient]:
    """The matcher on the test's clock with a job worker; its own deliverer has no SMTP server (see above)."""
    settings = matcher_settings.model_copy(update={"workers": 1, "job_poll_seconds": 0.5, "solve_time_limit": 10})
    app = create_matcher_app(settings, clock=clock)
    async with TestClient(TestServer(app, host="127.0.0.1", port=matcher_port)) as client:
        yield client


@pytest.fixture
async def web(registry, matcher, service_token) -> AsyncIterator[Browser]:
    settings = WebSettings(
        port=0, registry_url=str(registry.make_url("/")), matcher_url=str(matcher.make_url("/")),
        service_token=service_token, secret=WEB_SECRET, cookie_secure=False, log_format="text",
    )  # fmt: skip
    async with TestClient(TestServer(create_web_app(settings), host="127.0.0.1")) as client:
        yield Browser(client)


async def json_of(client: TestClient, method: str, path: str, token: str, **kw: object) -> dict:
    response = await client.request(method, path, headers=bearer(token), **kw)
    assert response.status in (200, 201), f"{method} {path} → {response.status}: {await response.text()}"
    return await response.json()


async def send_mails(matcher: TestClient, clock: ManualClock, smtp_port: int) -> int:
    """One scheduler round at the clock's time, then the outbox delivered to the SMTP server; how many sent."""
    app = matcher.server.app
    pool = app[POOL_KEY]
    await tick(pool, clock)
    smtp = app[SETTINGS_KEY].model_copy(update={"smtp_host": "127.0.0.1", "smtp_port": smtp_port})
    sent = 0
    async with aiohttp.ClientSession() as session:
        while delivered := await deliver_due(pool, smtp, session, backoff_base=0):
            sent += delivered
    return sent


async def test_an_event_its_feedback_by_the_emailed_links_and_an_award_to_a_met_firm_in_the_statistics(
    registry, matcher, web, inbox, clock, organiser_token, service_token
):
    mailbox, smtp_port = inbox
    sample = generate_sample(seed=14, smes=18)
    for need in sample.needs:  # the buyers' systems know their needs by ocid (the award names it)
        need["ocid"] = f"ocds-sample-{need['reference'].lower()}"
    loaded = await load_sample(str(registry.make_url("/")), organiser_token, sample)
    event_id = loaded.event_id
    await json_of(registry, "POST", f"/events/{event_id}/transitions", organiser_token, json={"to": "closed"})
    version = await run_schedule(matcher, organiser_token, event_id)
    number = version["number"]
    await json_of(matcher, "POST", f"/events/{event_id}/schedules/{number}/publish", organiser_token)
    await json_of(matcher, "POST", f"/events/{event_id}/agenda-links", organiser_token)
    meetings = version["meetings"]

    # The day: the credited meeting is held, another one (of other organisations) a no-show.
    credited = next(m for m in meetings if m["need_id"] is not None)
    absent = next(m for m in meetings if credited["sme_id"] != m["sme_id"] and credited["buyer_id"] != m["buyer_id"])
    for meeting, status in ((credited, "held"), (absent, "no_show_sme")):
        clock.set(dt.datetime.fromisoformat(meeting["start"]) + dt.timedelta(minutes=5))
        path = f"/events/{event_id}/meetings/{meeting['sme_id']}/{meeting['buyer_id']}/status"
        await json_of(matcher, "PUT", path, organiser_token, json={"status": status})

    # The evening: one e-mail per participant with meetings, each with its own feedback link.
    last_end = max(dt.datetime.fromisoformat(m["end"]) for m in meetings)
    evening = dt.datetime.combine(last_end.astimezone(STOCKHOLM).date(), dt.time(18), STOCKHOLM)
    clock.set(evening - dt.timedelta(minutes=1))
    await send_mails(matcher, clock, smtp_port)  # the agendas and the day's reminders, not yet the question
    assert mailbox.messages and not [m for m in mailbox.messages if m["Subject"].startswith(FEEDBACK_SUBJECT)]
    mailbox.messages.clear()
    clock.set(evening + dt.timedelta(minutes=1))
    participants = {m["sme_id"] for m in meetings} | {m["buyer_id"] for m in meetings}
    sent = await send_mails(matcher, clock, smtp_port)
    assert sent == len(mailbox.messages) == len(participants)
    links = []
    for message in mailbox.messages:
        assert message["Subject"].startswith(FEEDBACK_SUBJECT)
        body = message.get_body(("plain",)).get_content()
        links.append(next(urlsplit(word).path for word in body.split() if word.endswith("/utvardering")))

    # Every participant but one answers by its link, as a phone without script posts the form.
    ratings: Counter[str] = Counter()
    choices = ("will_bid_or_buy", "will_follow_up", "no_further_interest")
    for n, path in enumerate(links[:-1]):
        page = await matcher.get(path)
        assert page.status == 200, await page.text()
        counterparts = list(dict.fromkeys(RATING_FIELD.findall(await page.text())))  # four choices each
        assert counterparts
        form = {f"rating-{c}": choices[(n + k) % len(choices)] for k, c in enumerate(counterparts)}
        form |= {f"comment-{counterparts[0]}": "Bra samtal om ramavtalet.", "lang": "sv"}
        saved = await matcher.post(path, data=form, allow_redirects=False)
        assert saved.status == 303 and saved.headers["Location"].endswith("?sparat=1"), await saved.text()
        ratings.update(form[f"rating-{c}"] for c in counterparts)
    answered = len(links) - 1

    feedback = await json_of(matcher, "GET", f"/events/{event_id}/feedback", organiser_token)
    assert (feedback["asked"], feedback["answered"]) == (len(participants), answered)
    assert feedback["response_rate"] == round(answered / len(participants), 4)
    assert {k: v for k, v in feedback["ratings"].items() if v} == dict(ratings)

    # Months later the buyer's system publishes the award, naming the firm that met it about the need.
    need = await json_of(registry, "GET", f"/needs/{credited['need_id']}", organiser_token)
    buyer = await json_of(registry, "GET", f"/organisations/{credited['buyer_id']}", organiser_token)
    firm = await json_of(registry, "GET", f"/organisations/{credited['sme_id']}", organiser_token)
    award_day = dt.date.fromisoformat(credited["start"][:10]) + dt.timedelta(days=150)
    value = need["estimated_value_sek"]
    release = award_release(need, buyer, firm, award_day)
    document = {"uri": "https://example.org/award.json", "version": "1.1", "releases": [release]}
    imported = await json_of(registry, "POST", "/needs/import/ocds", organiser_token, json=document)
    assert imported["needs"] == [credited["need_id"]]
    clock.set(dt.datetime.combine(award_day, dt.time(12), STOCKHOLM))
    async with aiohttp.ClientSession() as session:
        client = RegistryClient(session, str(registry.make_url("/")), service_token, tries=1)
        assert (await sync_feed(matcher.server.app[POOL_KEY], matcher.server.app[SETTINGS_KEY], client)).applied >= 1

    # The organiser's statistics: the matcher's document, its CSV export and the web page.
    year = {"year": credited["start"][:4]}
    report = await json_of(matcher, "GET", "/statistics", organiser_token, params=year)
    totals = report["totals"]
    assert totals["awards_to_met_firms"] == 1 and totals["awarded_value_sek"] == value
    assert (totals["feedback_asked"], totals["feedback_answered"]) == (len(participants), answered)
    assert totals["feedback_response_rate"] == pytest.approx(answered / len(participants), abs=1e-4)
    assert totals["no_shows"] == 1 and totals["meetings_planned"] == len(meetings)
    assert totals["ratings"] == {rating: ratings.get(rating, 0) for rating in totals["ratings"]}
    exported = await matcher.get("/statistics.csv", params=year, headers=bearer(organiser_token))
    assert exported.status == 200 and exported.content_type == "text/csv"
    table = list(csv.reader(io.StringIO((await exported.read()).decode("utf-8-sig"))))
    keys = [re.fullmatch(r".*\[(.+)\]", cell).group(1) for cell in table[0]]  # "Swedish label [key]"
    exported_rows = [dict(zip(keys, row, strict=True)) for row in table[1:]]
    ours = next(row for row in exported_rows if row["event_id"] == event_id)
    assert (ours["name"], int(ours["awards_to_met_firms"]), int(ours["awarded_value_sek"])) == (
        loaded.event_name, 1, value,
    )  # fmt: skip
    assert (int(ours["feedback_asked"]), int(ours["feedback_answered"]), int(ours["no_shows"])) == (
        len(participants), answered, 1,
    )  # fmt: skip
    assert float(ours["feedback_response_rate"]) == pytest.approx(answered / len(participants), abs=1e-4)
    assert {key: int(ours[f"ratings.{key}"]) for key in totals["ratings"]} == totals["ratings"]

    # The page, as the organiser's browser shows it.
    web.sign_in_with(organiser_token)
    html = await web.page(f"/arrangor/statistik?year={year['year']}")
    assert loaded.event_name in html and '<dd id="figure-awards">1</dd>' in html
    assert '<dd id="figure-no-shows">1</dd>' in html
    assert f"{answered} av {len(participants)} tillfrågade deltagare svarade." in html
    assert f'<dd id="figure-feedback-rate">{round(100 * answered / len(participants))} %</dd>' in html

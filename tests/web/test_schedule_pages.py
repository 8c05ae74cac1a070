"""The organiser's schedule pages on the real front end, the real registry and a matcher with a job worker:
run the matcher from the page, follow the job, inspect the version, lock and forbid, compare, publish,
print, and re-plan after a cancellation."""

from __future__ import annotations

import asyncio
import io
import re
from collections.abc import Callable
from html import escape

import asyncpg
import pytest
from aiohttp.test_utils import TestClient
from pypdf import PdfReader

from deploy.load_sample import load_sample
from deploy.sample_data import generate_sample
from deploy.schedule_sample import ScheduleSummary
from services.matcher.settings import MatcherSettings
from shared.auth import Role
from tests.conftest import bearer

from .conftest import Browser

pytestmark = pytest.mark.db


@pytest.fixture
def matcher_settings(matcher_settings: MatcherSettings) -> MatcherSettings:
    """The matcher with one job worker (the shared fixture has none)."""
    return matcher_settings.model_copy(update={"workers": 1, "job_poll_seconds": 0.5, "solve_time_limit": 10})


@pytest.fixture
async def closed_event(registry: TestClient, organiser_token: str) -> str:
    """A small Dalarna event with sign-ups, closed for sign-up."""
    loaded = await load_sample(str(registry.make_url("/")), organiser_token, generate_sample(smes=14))
    response = await registry.post(
        f"/events/{loaded.event_id}/transitions", json={"to": "closed"}, headers=bearer(organiser_token)
    )
    assert response.status == 200, await response.text()
    return str(loaded.event_id)


async def run_from_page(web: Browser, event_id: str) -> str:
    """Press "Kör matchningen" (or "Planera om"); returns the job page's path."""
    response = await web.submit(
        f"/arrangor/evenemang/{event_id}/schema", f"/arrangor/evenemang/{event_id}/schema/kor", {}
    )
    assert response.status == 303, await response.text()
    location = response.headers["Location"]
    assert re.fullmatch(rf"/arrangor/evenemang/{event_id}/schema/jobb/[0-9a-f-]{{36}}", location)
    return location


async def follow_status(web: Browser, job_page: str, timeout: float = 120) -> dict:
    """Long-poll the page's status.json as job-progress.js does, until the job ends."""
    tag, deadline = None, asyncio.get_running_loop().time() + timeout
    while asyncio.get_running_loop().time() < deadline:
        headers = {"If-None-Match": tag} if tag else {}
        response = await web.client.get(f"{job_page}/status.json", headers=headers)
        if response.status == 304:
            continue
        assert response.status == 200, await response.text()
        tag, job = response.headers["ETag"], await response.json()
        assert 0 <= job["progress"] <= 100 and job["phase"]
        if not job["active"]:
            return job
    raise AssertionError("the job did not end")


async def matcher_get(matcher: TestClient, token: str, path: str) -> dict:
    response = await matcher.get(path, headers=bearer(token))
    assert response.status == 200, await response.text()
    return await response.json()


async def test_run_inspect_rule_compare_publish_print_and_replan(
    organiser_browser: Browser,
    matcher: TestClient,
    registry: TestClient,
    organiser_token: str,
    closed_event: str,
    db_url: str,
) -> None:
    web, event_id = organiser_browser, closed_event
    base = f"/arrangor/evenemang/{event_id}/schema"
    html = await web.page(base)
    assert 'id="run-button"' in html and "Inga versioner ännu" in html and 'id="signup-open"' not in html

    # Run from the page; the job page shows server-rendered progress and reloads itself without JS.
    job_page = await run_from_page(web, event_id)
    html = await web.page(job_page)
    assert '<progress id="job-progress" max="100"' in html and 'aria-live="polite"' in html
    assert "js/job-progress" in html
    if 'data-status="queued"' in html or 'data-status="running"' in html:
        assert '<noscript><meta http-equiv="refresh" content="3"></noscript>' in html and "Uppdatera" in html
    job = await follow_status(web, job_page)
    assert job["status"] == "done" and job["progress"] == 100 and job["result_url"] == f"{base}/1", job
    assert "Visa den nya versionen" in await web.page(job_page)

    # The version page: the grid with every meeting, the quality report and its charts.
    v1 = await matcher_get(matcher, organiser_token, f"/events/{event_id}/schedules/1")
    html = await web.page(f"{base}/1")
    grid = html.split('id="grid"', 1)[1].split("</table>", 1)[0]
    assert grid.count('class="meeting') == len(v1["meetings"]) == v1["meeting_count"] > 5
    event = await (await registry.get(f"/events/{event_id}", headers=bearer(organiser_token))).json()
    assert grid.count('<th scope="col">') == len(event["slots"]) + 1
    assert f'<dd id="meeting-count">{v1["meeting_count"]}</dd>' in html
    for chart in ("chart-relevance", "chart-per-sme", "chart-breaks"):
        assert f'id="{chart}"' in html and f'aria-labelledby="{chart}-title {chart}-desc"' in html
    assert html.count("<svg") == 3 and 'class="chart-data"' in html and "style=" not in html
    # Relevance in people's words, the same figure as the terminal summary of `dev.py up` prints.
    terminal = ScheduleSummary(event_id, "", v1, smes=0).describe()[1]
    figure = terminal.split("relevance: ", 1)[1].split(" %", 1)[0].replace(".", ",")
    assert "av bästa möjliga" in terminal and "bevisad" not in terminal
    assert f"{figure} % av bästa möjliga" in html and "bevisad" not in html and "övre gräns" not in html
    assert f"Relevans: {figure} % av bästa möjliga" in await web.page(base)
    first = v1["meetings"][0]
    assert first["why_sv"] in html.replace("&#34;", '"').replace("&#39;", "'") or "<details>" in html

    # Lock one meeting and forbid another pair with the grid's forms; the matcher has the rules.
    locked, forbidden = v1["meetings"][0], v1["meetings"][1]
    response = await web.submit(
        f"{base}/1",
        f"{base}/regler",
        {"rule": "lock", "sme": locked["sme_id"], "buyer": locked["buyer_id"], "slot": locked["slot"], "version": "1"},
    )
    assert response.status == 303 and response.headers["Location"] == f"{base}/1?regel=last#regler"
    response = await web.submit(
        f"{base}/1",
        f"{base}/regler",
        {"rule": "forbid", "sme": forbidden["sme_id"], "buyer": forbidden["buyer_id"], "version": "1"},
    )
    assert response.status == 303
    rules = (await matcher_get(matcher, organiser_token, f"/events/{event_id}/schedule-rules"))["items"]
    assert {(r["sme_id"], r["buyer_id"], r["rule"], r["slot"]) for r in rules} == {
        (locked["sme_id"], locked["buyer_id"], "lock", locked["slot"]),
        (forbidden["sme_id"], forbidden["buyer_id"], "forbid", None),
    }
    html = await web.page(f"{base}/1?regel=forbjuden")
    assert 'id="rule-notice"' in html and html.count("regeln för") == 2

    # A second run applies the rules; compare it with the first on the page.
    job = await follow_status(web, await run_from_page(web, event_id))
    assert job["status"] == "done" and job["result_version"] == 2, job
    comparison = await matcher_get(matcher, organiser_token, f"/events/{event_id}/schedules/1/compare/2")
    assert (forbidden["sme_id"], forbidden["buyer_id"]) in {(m["sme_id"], m["buyer_id"]) for m in comparison["removed"]}
    html = await web.page(f"{base}/2?jamfor=1")
    summary = re.search(r'<p id="comparison-summary">(.*?)</p>', html).group(1)
    assert summary.startswith(
        f"{len(comparison['added'])} tillagda, {len(comparison['moved'])} flyttade, "
        f"{len(comparison['removed'])} borttagna"
    )
    assert "Borttagna möten" in html and escape(forbidden["sme_name"]) in html.split('id="comparison"')[1]

    # Removing a rule with its button.
    response = await web.submit(
        f"{base}/2",
        f"{base}/regler",
        {"rule": "remove", "sme": forbidden["sme_id"], "buyer": forbidden["buyer_id"], "version": "2"},
    )
    assert response.status == 303 and "regel=borttagen" in response.headers["Location"]
    rules = (await matcher_get(matcher, organiser_token, f"/events/{event_id}/schedule-rules"))["items"]
    assert [r["rule"] for r in rules] == ["lock"]

    # Publish version 2: a confirmation step, then the matcher's answer.
    html = await web.page(f"{base}/2/publicera")
    assert "Publicera version 2?" in html and 'id="confirm-publish"' in html
    response = await web.submit(f"{base}/2/publicera", f"{base}/2/publicera", {})
    html = await response.text()
    assert response.status == 200, html
    assert 'id="publish-result"' in html and "Version 2 är publicerad" in html
    version = await matcher_get(matcher, organiser_token, f"/events/{event_id}/schedules/2")
    assert version["status"] == "published"
    assert f"/arrangor/evenemang/{event_id}/utskrift/schema.pdf" in html

    # Printouts pass the matcher's PDFs through.
    response = await web.client.get(f"/arrangor/evenemang/{event_id}/utskrift/schema.pdf")
    assert response.status == 200 and response.content_type == "application/pdf"
    pdf = PdfReader(io.BytesIO(await response.read()))
    assert len(pdf.pages) >= 1 and version["meetings"][0]["sme_name"].split()[0] in "".join(
        page.extract_text() for page in pdf.pages
    )
    buyer = version["meetings"][0]
    response = await web.client.get(f"/arrangor/evenemang/{event_id}/utskrift/kopare/{buyer['buyer_id']}.pdf")
    assert response.status == 200 and response.content_type == "application/pdf"
    assert len(PdfReader(io.BytesIO(await response.read())).pages) >= 1

    # An SME cancels after publication: the overview offers "Planera om", which re-plans from version 2.
    html = await web.page(base)
    assert 'id="replan"' not in html and "Publicerad" in html
    cancelled = next(m for m in version["meetings"] if m["sme_id"] != locked["sme_id"])
    conn = await asyncpg.connect(db_url)
    try:
        registration = await conn.fetchval(
            "SELECT id FROM registry.registrations WHERE event_id = $1 AND organisation_id = $2",
            event_id,
            cancelled["sme_id"],
        )
    finally:
        await conn.close()
    response = await registry.post(
        f"/registrations/{registration}/cancel", json={"reason": "sjuk"}, headers=bearer(organiser_token)
    )
    assert response.status == 200, await response.text()
    html = await web.page(base)
    assert 'id="replan"' in html and escape(cancelled["sme_name"]) in html and 'id="replan-button"' in html
    job = await follow_status(web, await run_from_page(web, event_id))
    v3 = await matcher_get(matcher, organiser_token, f"/events/{event_id}/schedules/3")
    assert job["result_version"] == 3 and v3["mode"] == "replan" and v3["based_on"] == 2
    html = await web.page(base)
    assert f"{base}/3?jamfor=2" in html  # compare the new version with the published one, then publish
    response = await web.submit(f"{base}/3/publicera", f"{base}/3/publicera", {})
    assert response.status == 200
    assert (await matcher_get(matcher, organiser_token, f"/events/{event_id}/schedules/3"))["status"] == "published"


async def test_event_still_open_or_draft_is_explained(
    organiser_browser: Browser, registry: TestClient, organiser_token: str
) -> None:
    web = organiser_browser
    response = await registry.post("/events", json=generate_sample(smes=1).event, headers=bearer(organiser_token))
    assert response.status == 201, await response.text()
    event_id = (await response.json())["id"]
    html = await web.page(f"/arrangor/evenemang/{event_id}/schema")
    assert 'id="signup-open"' in html and "utkast" in html
    # The matcher refuses a draft; the page says why in words and what to do.
    response = await web.submit(
        f"/arrangor/evenemang/{event_id}/schema", f"/arrangor/evenemang/{event_id}/schema/kor", {}
    )
    html = await response.text()
    assert response.status == 409 and 'id="refusal"' in html and "Öppna det för anmälan" in html

    response = await registry.post(
        f"/events/{event_id}/transitions", json={"to": "open"}, headers=bearer(organiser_token)
    )
    assert response.status == 200, await response.text()
    html = await web.page(f"/arrangor/evenemang/{event_id}/schema?lang=en")
    assert 'id="signup-open"' in html and "Close sign-up" in html


@pytest.mark.parametrize("role", [Role.BUYER, Role.SME])
async def test_participants_may_not_see_the_schedule_pages(
    web: Browser, registry: TestClient, organiser_token: str, make_org: Callable, make_token: Callable, role: Role
) -> None:
    organisation = await make_org(role.value)
    web.sign_in_with(await make_token(role, organisation_id=organisation))
    response = await registry.post("/events", json=generate_sample(smes=1).event, headers=bearer(organiser_token))
    event_id = (await response.json())["id"]
    base = f"/arrangor/evenemang/{event_id}/schema"
    for path in (
        base,
        f"{base}/1",
        f"{base}/1/publicera",
        f"{base}/jobb/00000000-0000-0000-0000-000000000000",
        f"{base}/jobb/00000000-0000-0000-0000-000000000000/status.json",
        f"/arrangor/evenemang/{event_id}/utskrift/schema.pdf",
        f"/arrangor/evenemang/{event_id}/utskrift/kopare/{organisation}.pdf",
    ):
        response = await web.client.get(path, allow_redirects=False)
        assert response.status == 403, path

"""The no-login feedback form (/a/{token}/utvardering) end to end over real HTTP on the matcher with a
ManualClock: Swedish and English, one block per meeting with the four choices, a posted form answered 303
and shown saved, a bad choice answered with the field's error and the typed text kept and nothing stored,
the form gone once the round closes; the page lets forms post to itself only."""

from __future__ import annotations

import datetime as dt
import re
from html import unescape

from tests.conftest import bearer
from tests.matcher.test_feedback import clock, contact_org, pools, ticks, world
from tests.matcher.test_onsite_day import day_matcher

__all__ = ["clock", "contact_org", "day_matcher", "pools", "world"]  # fixtures of the feedback tests


async def test_the_form_in_swedish_and_english_saves_what_is_chosen_and_refuses_what_is_not(
    day_matcher, world, db, clock, pools
):
    links, orgs = world["links"], world["orgs"]
    page = f"/a/{links['a']}/utvardering"
    clock.set(world["evening"] - dt.timedelta(hours=1))
    await ticks(pools, clock, rounds=1)
    early = await day_matcher.get(page)
    assert early.status == 200 and "Utvärderingen öppnar när dagen är slut." in await early.text()
    assert "<form" not in await early.text()

    clock.set(world["evening"] + dt.timedelta(minutes=10))
    response = await day_matcher.get(page)
    html = unescape(await response.text())
    assert response.status == 200 and response.headers["Cache-Control"] == "private, no-store"
    assert "form-action 'self'" in response.headers["Content-Security-Policy"]
    assert "script" not in html.lower()
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in html
    until = re.search(r"Ni kan ändra svaren till ([^<]*)\.</p>", html)
    assert until and re.fullmatch(r"[a-zåäö]+dag \d{1,2} [a-zåäö]+ \d{4} kl\. \d{2}:\d{2}", until.group(1)), html
    assert html.count('name="rating-') == 2 * 4  # a's two meetings, four choices each
    assert {"Mötet blev inte av", "Inget fortsatt intresse", "Vi följer upp", "Vi lämnar anbud eller köper"} <= {
        text.strip() for text in re.findall(r"<label for=\"r-[^\"]+\">([^<]+)</label>", html)
    }
    english = unescape(await (await day_matcher.get(page + "?lang=en")).text())
    assert "How did the meetings go?" in english and "We will bid or buy" in english and 'lang="en"' in english

    # A bad choice for y and a good one for x: the page again (422), the error at y, x's text kept, nothing stored.
    typed = "Vi hörs i januari"
    bad = await day_matcher.post(
        page,
        data={f"rating-{orgs['x']}": "will_follow_up", f"comment-{orgs['x']}": typed,
              f"rating-{orgs['y']}": "superb", "lang": "sv"},
        allow_redirects=False,
    )  # fmt: skip
    body = unescape(await bad.text())
    assert bad.status == 422 and 'id="error-' + orgs["y"] + '"' in body and typed in body
    assert "Välj ett av alternativen." in body
    assert await db.fetchval("SELECT count(*) FROM matcher.feedback_answers") == 0

    saved = await day_matcher.post(
        page,
        data={f"rating-{orgs['x']}": "will_follow_up", f"comment-{orgs['x']}": typed, "lang": "en"},
        allow_redirects=False,
    )
    assert saved.status == 303 and saved.headers["Location"] == page + "?sparat=1&lang=en"
    shown = unescape(await (await day_matcher.get(saved.headers["Location"])).text())
    assert "Your answers are saved." in shown and typed in shown
    assert re.search(rf'value="will_follow_up" checked>\s*<label for="r-{orgs["x"]}-will_follow_up"', shown)
    rows = await db.fetch("SELECT buyer_id::text, rating, comment FROM matcher.feedback_answers")
    assert [tuple(r) for r in rows] == [(orgs["x"], "will_follow_up", typed)]
    read = await day_matcher.get(f"/events/{world['event']}/feedback", headers=bearer(world["tokens"]["organiser"]))
    assert (await read.json())["answered"] == 1

    # Changed later the same week; after the round closes the page shows the answers without a form.
    changed = await day_matcher.post(page, data={f"rating-{orgs['x']}": "will_bid_or_buy"}, allow_redirects=False)
    assert changed.status == 303
    assert await db.fetchval("SELECT rating FROM matcher.feedback_answers") == "will_bid_or_buy"
    clock.set(world["evening"] + dt.timedelta(days=15))
    closed = unescape(await (await day_matcher.get(page)).text())
    assert "Utvärderingen är stängd." in closed and "<form" not in closed and "Vi lämnar anbud eller köper" in closed
    late = await day_matcher.post(page, data={f"rating-{orgs['y']}": "will_follow_up"}, allow_redirects=False)
    assert late.status == 303 and "sparat" not in late.headers["Location"]
    assert await db.fetchval("SELECT count(*) FROM matcher.feedback_answers") == 1
    assert (await day_matcher.get("/a/" + "B" * 43 + "/utvardering")).status == 404

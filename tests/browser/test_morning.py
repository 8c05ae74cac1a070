"""The event morning played with the clock, across real processes: the services share a CLOCK_FILE the test
moves, and e-mails go to an aiosmtpd server in the test.

A firm's first meeting has started when its buyer, at the table with the agenda link on a phone, taps
"Uteblev". The firm had not checked in, so its later meeting (half an hour or more ahead) is freed.
Meanwhile the reception had checked in, by the QR link of their agendas, firms with that time free, and
put them on the stand-by list. The live fill gives the freed meeting to one of them and publishes (live
mode). Both parties get an e-mail, the venue board and both agenda pages show the new meeting, and nothing
that starts within the frozen horizon moved. A no-show marked for a meeting that has not started is a
problem+json and changes nothing.
"""

from __future__ import annotations

import asyncio
import datetime as dt
import email
import re
from collections.abc import AsyncIterator
from email.message import EmailMessage
from email.policy import default as default_policy
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from playwright.async_api import Error as PlaywrightError

from shared.clock import write_clock_file
from tests.conftest import free_port
from tests.matcher.test_agenda_qr import svg_codes

from .conftest import Stack, check_page, close_schedule_publish, pages_on, start_stack

HORIZON = dt.timedelta(minutes=10)


class Inbox:
    """aiosmtpd handler keeping every message with its envelope recipients."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], EmailMessage]] = []

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.original_content, policy=default_policy)
        self.messages.append(([r.lower() for r in envelope.rcpt_tos], message))
        return "250 OK"

    def to(self, address: str, since: int = 0) -> list[EmailMessage]:
        return [m for rcpt, m in self.messages[since:] if address.lower() in rcpt]


@pytest.fixture(scope="module")
async def morning(pg_server: str, tmp_path_factory: pytest.TempPathFactory, chromium_path: str) -> AsyncIterator:
    tmp = tmp_path_factory.mktemp("morning")
    clock_file = tmp / "clock"
    inbox, port = Inbox(), free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    extra = {
        "CLOCK_FILE": str(clock_file),  # absent until the test writes it: the real time meanwhile
        "MATCHER_SMTP_HOST": "127.0.0.1",
        "MATCHER_SMTP_PORT": str(port),
        "MATCHER_OUTBOX_POLL_SECONDS": "0.5",
        "MATCHER_AGENDA_REFRESH_SECONDS": "1",  # open agenda pages ask for a newer version every second
    }
    try:
        async with start_stack(pg_server, tmp, extra) as stack:
            yield stack, inbox, clock_file
    finally:
        controller.stop()


async def until(check, what: str, stack: Stack, seconds: float = 60) -> Any:
    for _ in range(int(seconds / 0.2)):
        result = await check()
        if result:
            return result
        await asyncio.sleep(0.2)  # waiting for another process (the job, the filler, the deliverer), not the clock
    raise AssertionError(f"{what} did not happen within {seconds} s\n{stack.log('matcher')}")


def at(slot: dict[str, Any]) -> dt.datetime:
    return dt.datetime.fromisoformat(slot["start"])


def meetings_of(grid: dict[str, Any]) -> dict[tuple[int, str], str]:
    """(slot index, buyer id) → SME id of every meeting in the grid."""
    return {
        (slot["index"], table["buyer_id"]): cell["sme_id"]
        for slot, row in zip(grid["slots"], grid["cells"], strict=True)
        for table, cell in zip(grid["tables"], row, strict=True)
        if cell is not None
    }


def old_meeting(grid: dict[str, Any], slot: dict[str, Any], buyer: str) -> str | None:
    return meetings_of(grid).get((slot["index"], buyer))


def pick_absent(grid: dict[str, Any]) -> tuple[str, dict, str]:
    """The firm that will not come: one with a meeting at least half an hour after its first; that first
    meeting's slot and buyer."""
    slots = {slot["index"]: slot for slot in grid["slots"]}
    by_sme: dict[str, list[tuple[int, str]]] = {}
    for (slot, buyer), sme in meetings_of(grid).items():
        by_sme.setdefault(sme, []).append((slot, buyer))
    for sme in sorted(by_sme):
        own = sorted(by_sme[sme])
        if at(slots[own[-1][0]]) - at(slots[own[0][0]]) >= dt.timedelta(minutes=30):
            return sme, slots[own[0][0]], own[0][1]
    raise AssertionError("the sample event has no firm with two meetings half an hour apart")


async def test_the_morning_a_no_show_is_filled_live_from_the_stand_by_list(browser, morning) -> None:
    stack, inbox, clock_file = morning
    async with pages_on(browser, stack.web) as new_page:
        await play_the_morning(stack, inbox, clock_file, new_page)


async def play_the_morning(stack: Stack, inbox: Inbox, clock_file, new_page) -> None:
    event = stack.event_id
    base = f"{stack.matcher}/events/{event}"
    await close_schedule_publish(stack, event)
    status, settings = await stack.api("PUT", f"{base}/day-settings", {"live_mode": True, "frozen_horizon_minutes": 10})
    assert status in (200, 201), settings
    status, links = await stack.api("POST", f"{base}/agenda-links")
    assert status in (200, 201), links
    link_of = {(item["organisation_id"], item["table"]): item["url"] for item in links["items"]}
    status, before = await stack.api("GET", f"{base}/agendas/grid")
    assert status == 200, before
    absent, first, first_buyer = pick_absent(before)
    # Everyone else in the hall has arrived; those with time free may take a freed meeting.
    candidates = sorted({sme for sme in meetings_of(before).values() if sme != absent})

    # The morning: the absent firm's first meeting started five minutes ago.
    now = at(first) + dt.timedelta(minutes=5)
    write_clock_file(clock_file, now)

    # The reception (the event's värd on a phone) checks candidates in by the QR links of their agendas
    # and puts them on the stand-by list.
    status, host = await stack.api("POST", f"{stack.registry}/auth/tokens", {"role": "host", "event_id": event})
    assert status == 201, host
    status, who = await stack.api("GET", f"{stack.registry}/auth/whoami", token=host["token"])
    assert status == 200 and who["role"] == "host", (status, who)
    desk = await new_page(width=375, height=740)
    await desk.goto(f"/logga-in/vard/{host['token']}")
    await desk.get_by_role("main").get_by_role("button", name="Logga in").click()
    await desk.wait_for_load_state()
    assert "/reception" in desk.url, (desk.url, await desk.locator("main").inner_text())
    standing_by = []
    for number, sme in enumerate(candidates):
        if number < 3:  # by the QR code on the firm's agenda page, decoded, as a phone camera opens it
            await desk.goto(link_of[(sme, None)] + ".html")
            (code,) = set(svg_codes(await desk.content()))
            assert code.startswith(f"{stack.web}/incheckning/"), code
            await desk.goto(code)
            await desk.get_by_role("button", name="Checka in", exact=True).click()
            await desk.wait_for_url(re.compile(r"/reception"))
        else:
            status, answer = await stack.api("POST", f"{base}/arrivals", {"organisation_id": sme, "how": "name"})
            assert status in (200, 201), answer
        status, _ = await stack.api("POST", f"{base}/standby/{sme}")
        if status in (200, 201):
            standing_by.append(sme)
    # The buyers are at their tables too, checked in (the live fill offers only tables whose buyer is there).
    for buyer in sorted({buyer for _, buyer in meetings_of(before)}):
        status, answer = await stack.api("POST", f"{base}/arrivals", {"organisation_id": buyer, "how": "name"})
        assert status in (200, 201), answer
    await check_page(desk, "morning-reception")
    status, arrivals = await stack.api("GET", f"{base}/arrivals")
    assert status == 200, arrivals
    assert set(candidates) <= {item["organisation_id"] for item in arrivals["items"]}, arrivals
    assert standing_by, "no checked-in firm could join the stand-by list"
    mails_before_fill = len(inbox.messages)

    # Bad input first: a no-show for a meeting that has not started is refused and changes nothing.
    not_started = next(
        b for (slot, b), sme in meetings_of(before).items() if sme == absent and at(before["slots"][slot]) > now
    )
    status, problem = await stack.api(
        "PUT", f"{base}/meetings/{absent}/{not_started}/status", {"status": "no_show_sme"}
    )
    assert status == 409 and problem["status"] == 409, problem

    # The buyer at its table, on a phone by its agenda link, taps "Uteblev" for the absent firm.
    table = await new_page(width=375, height=740)
    first_link = next(url for (org, _), url in link_of.items() if org == first_buyer)
    await table.goto(f"{first_link}/dagen.html")
    await table.locator(f"#day-{absent} button[value=no_show_sme]").click()
    await table.locator("#day-outcome").wait_for()
    await check_page(table, "morning-buyer-marks-no-show")

    # A firm turns up unannounced: the reception registers it on the spot (it sells what the buyer of the
    # first freed table-slot still open buys), checks it in and it joins the stand-by list.
    async def open_cells() -> list | None:
        _, day = await stack.api("GET", f"{base}/day")
        return [f for f in day["freed_slots"] if f["state"] == "open"] or None

    wanted = (await until(open_cells, "a freed table-slot", stack))[0]
    # That table's buyer has its agenda open on a phone; the test never reloads it.
    watching = await new_page(width=375, height=740)
    await watching.goto(next(url for (org, _), url in link_of.items() if org == wanted["buyer_id"]) + ".html")
    shown = await watching.evaluate("document.documentElement.dataset.liveVersion")
    assert shown == str(before["version"]), shown
    status, needs = await stack.api("GET", f"{stack.registry}/needs?buyer_id={wanted['buyer_id']}&limit=5")
    assert status == 200 and needs["items"], needs
    cpv = [needs["items"][0]["cpv_main"], *needs["items"][0]["cpv_additional"][:2]]
    walk_in_body = {
        "orgnr": "556016-0680",
        "name": "Dala Snickeri & Montage AB",
        "contact": {"name": "Kim Berg", "email": "kim@dala-snickeri.example.com", "phone": "+46701234567"},
        "cpv_codes": cpv,
    }
    status, walk_in = await stack.api("POST", f"{stack.registry}/events/{event}/walk-ins", walk_in_body)
    assert status == 201, walk_in
    status, answer = await stack.api(
        "POST", f"{base}/arrivals", {"organisation_id": walk_in["organisation_id"], "how": "walk_in"}
    )
    assert status in (200, 201), answer
    status, answer = await stack.api("POST", f"{base}/standby/{walk_in['organisation_id']}")
    assert status in (200, 201, 409), answer
    standing_by.append(walk_in["organisation_id"])

    # The live fill publishes a version where a stand-by firm has one of the absent firm's later meetings.
    async def filled() -> dict | None:
        _, day = await stack.api("GET", f"{base}/day")
        return next((f for f in day["freed_slots"] if f["state"] == "filled"), None)

    try:
        freed = await until(filled, "the live fill", stack, seconds=30)
    except AssertionError:
        _, day = await stack.api("GET", f"{base}/day")
        raise AssertionError((day, standing_by)) from None
    buyer, taker = freed["buyer_id"], freed["filled_sme_id"]
    later = next(slot for slot in before["slots"] if slot["index"] == freed["slot"])
    assert taker in standing_by and old_meeting(before, later, buyer) == absent
    _, after = await stack.api("GET", f"{base}/agendas/grid")
    assert meetings_of(after)[(later["index"], buyer)] == taker
    buyer_link = next(url for (org, _), url in link_of.items() if org == buyer)
    assert after["version"] > before["version"]
    # Nothing that starts within the frozen horizon (or had started) moved; only the freed meeting and the
    # absent firm's other later meetings changed hands.
    frozen = {s["index"] for s in before["slots"] if at(s) < now + HORIZON}
    old, new = meetings_of(before), meetings_of(after)
    assert {k: v for k, v in old.items() if k[0] in frozen} == {k: v for k, v in new.items() if k[0] in frozen}
    changed = {k for k in old.keys() | new.keys() if old.get(k) != new.get(k)}
    assert all(old.get(k) == absent or new.get(k) in standing_by for k in changed), changed

    # Both parties of every added meeting are told by e-mail, and nobody else (a stand-by firm may take
    # more than one freed meeting; the absent firm sees the change on its agenda page).
    added = {k: v for k, v in new.items() if v is not None and old.get(k) != v}
    assert (later["index"], buyer) in added
    emails = {}
    for org in {sme for sme in added.values()} | {b for _, b in added}:
        status, profile = await stack.api("GET", f"{stack.registry}/organisations/{org}")
        assert status == 200, profile
        emails[org] = [c["email"].lower() for c in profile["contacts"] if c.get("email")]

    async def both_told() -> bool:
        return all(any(inbox.to(address, mails_before_fill) for address in emails[org]) for org in emails)

    await until(both_told, "the e-mails to both parties", stack)
    told = {address for rcpt, _ in inbox.messages[mails_before_fill:] for address in rcpt}
    assert told <= {address for addresses in emails.values() for address in addresses}, [
        (rcpt, m["Subject"]) for rcpt, m in inbox.messages[mails_before_fill:]
    ]

    # Both agenda pages show the new meeting.
    names = {t["buyer_id"]: t["buyer_name"] for t in after["tables"]}
    taker_name = next(c["sme_name"] for row in after["cells"] for c in row if c and c["sme_id"] == taker)
    status, links = await stack.api("POST", f"{base}/agenda-links")  # the walk-in's link, made now
    assert status in (200, 201), links
    link_of = {(item["organisation_id"], item["table"]): item["url"] for item in links["items"]}
    firm = await new_page(width=375, height=740)
    await firm.goto(link_of[(taker, None)] + ".html")
    assert names[buyer] in await firm.locator("main").inner_text()
    await check_page(firm, "morning-firm-agenda-after-fill")
    await table.goto(buyer_link + ".html")
    assert taker_name in await table.locator("body").inner_text()

    # The phone left open on the freed table's agenda follows by itself: it now shows the new version.
    async def followed() -> bool:
        try:
            return await watching.evaluate("document.documentElement.dataset.liveVersion") != str(before["version"])
        except PlaywrightError:  # the page is reloading just now
            return False

    await until(followed, "the open agenda page showing the new version", stack, seconds=20)
    if wanted["buyer_id"] == buyer:
        assert taker_name in await watching.locator("body").inner_text()

    # The venue board shows it once that meeting is on.
    status, board = await stack.api("POST", f"{base}/board-links")
    assert status == 201, board
    write_clock_file(clock_file, at(later) + dt.timedelta(minutes=1))
    screen = await new_page(width=1920, height=1080)
    await screen.goto(board["url"])
    assert taker_name in await screen.locator("body").inner_text()
    await check_page(screen, "morning-board-after-fill")

"""Agendas over HTTP on the real matcher app: versions stored from a real engine run, published in SQL, read
back by organisers, SMEs, buyers and agenda links in every format (.ics with icalendar, PDF with pypdf)."""

from __future__ import annotations

import io
import json
import logging
import uuid
from collections import Counter
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pypdf
import pytest
from icalendar import Calendar

from services.matcher.agendas import PlacedMeeting, meeting_uid, meetings_from_engine
from services.matcher.agendas.build import local_span
from services.matcher.agendas.seen import flush_views
from services.matcher.engine.encode import encode_snapshot
from services.matcher.engine.examples import synthetic_snapshot
from services.matcher.engine.pipeline import plan_bipartite
from services.matcher.links import link_key, token_for
from shared.auth import Role
from shared.snapshot import EventSnapshot
from tests.conftest import bearer

VENUE = "Lugnet, Falun"


def with_people(snapshot: EventSnapshot) -> EventSnapshot:
    """Contacts on every organisation, and a first buyer that staffs two tables."""
    data = snapshot.model_dump()
    for n, org in enumerate(data["smes"] + data["buyers"]):
        org["contacts"] = [
            {
                "id": uuid.UUID(int=9000 + n),
                "position": 0,
                "name": f"Åsa Öberg {n}",
                "title": "VD",
                "email": f"kontakt{n}@example.se",
                "phone": None,
            }
        ]
    data["buyers"][0]["tables"] = 2
    return EventSnapshot.model_validate(data)


@pytest.fixture(scope="module")
def event() -> tuple[EventSnapshot, list[PlacedMeeting]]:
    snapshot = with_people(synthetic_snapshot(smes=10, buyers=2, needs_per_buyer=2, seed=3))
    encoded = encode_snapshot(snapshot)
    return snapshot, meetings_from_engine(encoded, plan_bipartite(encoded.instance).schedule)


def busy_sme(meetings: list[PlacedMeeting]) -> uuid.UUID:
    """An SME with at least two meetings (one to move, one to drop in version 2)."""
    sme, count = Counter(m.sme_id for m in meetings).most_common(1)[0]
    assert count >= 2
    return sme


def second_version(snapshot: EventSnapshot, meetings: list[PlacedMeeting], sme: uuid.UUID):
    """Version 2: the SME's first meeting moves to another slot (the meeting there gives way), its second goes."""
    moved, dropped = [m for m in meetings if m.sme_id == sme][:2]
    rest = [m for m in meetings if m not in (moved, dropped)]
    busy = {m.slot for m in rest if m.sme_id == sme}
    slot = next(s.index for s in snapshot.event.slots if s.index != moved.slot and s.index not in busy)
    rest = [m for m in rest if (m.buyer_id, m.table, m.slot) != (moved.buyer_id, moved.table, slot)]
    return [*rest, moved._replace(slot=slot)], moved, dropped


async def store_version(db, snapshot: EventSnapshot, meetings: list[PlacedMeeting], number: int) -> uuid.UUID:
    """A draft version as the job worker stores it."""
    version_id = await db.fetchval(
        "INSERT INTO matcher.schedule_versions (event_id, number, snapshot_hash, snapshot, venue) "
        "VALUES ($1, $2, $3, $4::text::jsonb, $5) RETURNING id",
        snapshot.event.id,
        number,
        snapshot.content_hash,
        snapshot.model_dump_json(),
        VENUE,
    )
    await db.executemany(
        "INSERT INTO matcher.schedule_meetings (version_id, sme_id, buyer_id, slot, table_index, relevance, "
        "explanation) VALUES ($1, $2, $3, $4, $5, 0.5, $6::text::jsonb)",
        [(version_id, m.sme_id, m.buyer_id, m.slot, m.table, json.dumps(m.explanation)) for m in meetings],
    )
    return version_id


async def publish(db, event_id: uuid.UUID, number: int) -> None:
    async with db.transaction():
        await db.execute(
            "UPDATE matcher.schedule_versions SET status = 'superseded' WHERE event_id = $1 AND status = 'published'",
            event_id,
        )
        await db.execute(
            "UPDATE matcher.schedule_versions SET status = 'published', published_at = now() "
            "WHERE event_id = $1 AND number = $2",
            event_id,
            number,
        )


@pytest.fixture
async def world(db, make_org, make_token, organiser_token, event):
    """Version 1 stored (a draft), the organisations in the registry and a token for each party."""
    snapshot, meetings = event
    sme = busy_sme(meetings)
    other_sme = next(s.organisation.id for s in snapshot.smes if s.organisation.id != sme)
    buyer = snapshot.buyers[0].organisation.id
    for org_id, kind in ((sme, "sme"), (other_sme, "sme"), (buyer, "buyer")):
        await make_org(kind, id=org_id)
    await store_version(db, snapshot, meetings, 1)
    return {
        "snapshot": snapshot,
        "meetings": meetings,
        "event": snapshot.event.id,
        "sme": sme,
        "buyer": buyer,
        "tokens": {
            "organiser": organiser_token,
            "sme": await make_token(Role.SME, sme),
            "sme_other": await make_token(Role.SME, other_sme),
            "buyer": await make_token(Role.BUYER, buyer),
        },
    }


def local_times(snapshot: EventSnapshot) -> dict[int, str]:
    """Slot index → "HH:MM–HH:MM" in the event's time zone, as agendas print it."""
    zone = ZoneInfo(snapshot.event.time_zone)
    return {slot.index: local_span(slot.start, slot.end, zone) for slot in snapshot.event.slots}


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in pypdf.PdfReader(io.BytesIO(data)).pages)


def vevents(data: bytes) -> list:
    return list(Calendar.from_ical(data).walk("VEVENT"))


def names(snapshot: EventSnapshot) -> dict[uuid.UUID, str]:
    return {org.organisation.id: org.organisation.name for org in [*snapshot.smes, *snapshot.buyers]}


async def test_an_sme_reads_its_own_agenda_in_every_format(matcher, db, world):
    await publish(db, world["event"], 1)
    snapshot, sme, auth = world["snapshot"], world["sme"], bearer(world["tokens"]["sme"])
    mine = sorted((m for m in world["meetings"] if m.sme_id == sme), key=lambda m: m.slot)
    path = f"/events/{world['event']}/agendas/smes/{sme}"

    response = await matcher.get(path, headers=auth)
    assert response.status == 200, await response.text()
    assert response.headers["Cache-Control"] == "private, no-cache"
    agenda = await response.json()
    assert agenda["kind"] == "sme" and agenda["status"] == "published" and agenda["version"] == 1
    assert agenda["venue"] == VENUE and agenda["changes"] is None
    assert [(m["counterpart_id"], m["slot"]) for m in agenda["meetings"]] == [(str(m.buyer_id), m.slot) for m in mine]
    assert all(m["contacts"] for m in agenda["meetings"])  # published: contact people shown
    assert (await (await matcher.get(path + ".json", headers=auth)).json())["meetings"] == agenda["meetings"]

    ics = await matcher.get(path + ".ics", headers=auth)
    assert ics.headers["Content-Type"] == "text/calendar; charset=utf-8"
    assert (
        ics.headers["Content-Disposition"].startswith("attachment; filename=")
        and ".ics" in ics.headers["Content-Disposition"]
    )
    events = vevents(await ics.read())
    assert sorted(str(e["UID"]) for e in events) == sorted(meeting_uid(world["event"], sme, m.buyer_id) for m in mine)
    assert {str(e["STATUS"]) for e in events} == {"CONFIRMED"}
    assert ": möte med " in str(events[0]["SUMMARY"])
    english = vevents(await (await matcher.get(path + ".ics?lang=en", headers=auth)).read())
    assert ": meeting with " in str(english[0]["SUMMARY"])

    pdf = await matcher.get(path + ".pdf", headers=auth)
    assert pdf.headers["Content-Type"] == "application/pdf"
    text = pdf_text(await pdf.read())
    slots = local_times(snapshot)
    for meeting in mine:
        assert names(snapshot)[meeting.buyer_id] in text and slots[meeting.slot] in text
    assert "Mötesschema för" in text and "Meeting agenda for" in pdf_text(
        await (await matcher.get(path + ".pdf?lang=en", headers=auth)).read()
    )

    page = await matcher.get(path + ".html?lang=en", headers=auth)
    assert page.headers["Content-Type"] == "text/html; charset=utf-8"
    html = await page.text()
    assert '<html lang="en">' in html and names(snapshot)[sme] in html
    assert '<html lang="sv">' in await (await matcher.get(path + ".html", headers=auth)).text()

    bad = await matcher.get(path + ".html?lang=fr", headers=auth)
    assert bad.status == 422 and (await bad.json())["errors"][0]["parameter"] == "lang"


async def test_every_agenda_answers_if_none_match_with_304(matcher, db, world):
    await publish(db, world["event"], 1)
    organiser = bearer(world["tokens"]["organiser"])
    paths = [f"/events/{world['event']}/agendas/smes/{world['sme']}{ext}" for ext in ("", ".ics", ".pdf", ".html")] + [
        f"/events/{world['event']}/agendas/buyers/{world['buyer']}.ics",
        f"/events/{world['event']}/agendas/grid",
    ]
    tags = set()
    for path in paths:
        first = await matcher.get(path, headers=organiser)
        tag = first.headers["ETag"]
        again = await matcher.get(path, headers={**organiser, "If-None-Match": tag})
        assert again.status == 304 and again.headers["ETag"] == tag and await again.read() == b""
        other = await matcher.get(path, headers={**organiser, "If-None-Match": '"something-else"'})
        assert other.status == 200
        tags.add(tag)
    assert len(tags) == len(paths)  # format is part of the tag
    sv = (await matcher.get(paths[1], headers=organiser)).headers["ETag"]
    assert (await matcher.get(paths[1] + "?lang=en", headers=organiser)).headers["ETag"] != sv


async def test_participants_read_only_their_own_agendas(matcher, db, world):
    await publish(db, world["event"], 1)
    tokens, event_id = world["tokens"], world["event"]
    sme_path = f"/events/{event_id}/agendas/smes/{world['sme']}"
    buyer_path = f"/events/{event_id}/agendas/buyers/{world['buyer']}"
    refused = [
        (sme_path, "sme_other"),
        (sme_path + ".pdf", "sme_other"),
        (sme_path, "buyer"),
        (buyer_path, "sme"),
        (f"/events/{event_id}/agendas/grid", "sme"),
        (f"/events/{event_id}/agendas/grid.pdf", "buyer"),
        (f"/events/{event_id}/agenda-links", "sme"),
    ]
    for path, caller in refused:
        response = await matcher.get(path, headers=bearer(tokens[caller]))
        assert response.status == 403, (path, caller)
        assert response.content_type == "application/problem+json"
    assert (await matcher.get(sme_path)).status == 401
    assert (await matcher.post(f"/events/{event_id}/agenda-links", headers=bearer(tokens["buyer"]))).status == 403
    organiser = bearer(tokens["organiser"])
    assert (await matcher.get(sme_path, headers=organiser)).status == 200
    # A buyer on the SME route, or an id that is none, names no SME agenda.
    for other in (world["buyer"], "not-an-id"):
        assert (await matcher.get(f"/events/{event_id}/agendas/smes/{other}", headers=organiser)).status == 404


async def test_a_buyer_reads_the_sheets_of_all_its_tables(matcher, db, world):
    await publish(db, world["event"], 1)
    snapshot, buyer = world["snapshot"], world["buyer"]
    theirs = [m for m in world["meetings"] if m.buyer_id == buyer]
    path = f"/events/{world['event']}/agendas/buyers/{buyer}"
    for caller in ("buyer", "organiser"):
        response = await matcher.get(path, headers=bearer(world["tokens"][caller]))
        assert response.status == 200
        document = await response.json()
        assert document["kind"] == "buyer" and document["buyer_name"] == names(snapshot)[buyer]
        assert [sheet["buyer_table"] for sheet in document["tables"]] == [1, 2]
        assert sum(len(sheet["meetings"]) for sheet in document["tables"]) == len(theirs)

    auth = bearer(world["tokens"]["buyer"])
    events = vevents(await (await matcher.get(path + ".ics", headers=auth)).read())
    assert sorted(str(e["UID"]) for e in events) == sorted(meeting_uid(world["event"], m.sme_id, buyer) for m in theirs)
    reader = pypdf.PdfReader(io.BytesIO(await (await matcher.get(path + ".pdf", headers=auth)).read()))
    assert len(reader.pages) == 2
    text = pdf_text(await (await matcher.get(path + ".pdf", headers=auth)).read())
    assert all(names(snapshot)[m.sme_id] in text for m in theirs)
    assert "Åsa Öberg" in text  # the buyer's own copy keeps the SMEs' contact people
    html = await (await matcher.get(path + ".html", headers=auth)).text()
    assert html.count('<section class="sheet"') == 2


async def test_the_grid_is_for_organisers(matcher, db, world):
    await publish(db, world["event"], 1)
    path = f"/events/{world['event']}/agendas/grid"
    auth = bearer(world["tokens"]["organiser"])
    grid = await (await matcher.get(path, headers=auth)).json()
    assert grid["kind"] == "grid" and grid["status"] == "published"
    assert sum(cell is not None for row in grid["cells"] for cell in row) == len(world["meetings"])
    assert len(grid["tables"]) == 3
    assert "<table" in await (await matcher.get(path + ".html", headers=auth)).text()
    sheets = pypdf.PdfReader(io.BytesIO(await (await matcher.get(path + ".pdf", headers=auth)).read()))
    assert len(sheets.pages) == 3  # the venue's sheets: one page per table
    assert (await matcher.get(path + ".ics", headers=auth)).status == 404


async def test_before_publication_participants_get_not_published_and_organisers_a_preview(matcher, world):
    event_id, sme = world["event"], world["sme"]
    path = f"/events/{event_id}/agendas/smes/{sme}"
    for caller in ("sme", "organiser"):
        response = await matcher.get(path, headers=bearer(world["tokens"][caller]))
        assert response.status == 404
        problem = await response.json()
        assert problem["type"].endswith(":not-published")
        assert problem["title"] == "Schemat är inte publicerat än / The schedule is not published yet"
    assert (await matcher.get(path + "?version=1", headers=bearer(world["tokens"]["sme"]))).status == 404
    organiser = bearer(world["tokens"]["organiser"])
    document = await (await matcher.get(path + "?version=1", headers=organiser)).json()
    assert document["status"] == "draft" and document["meetings"]
    assert all(m["contacts"] is None for m in document["meetings"])  # no personal data before publication
    assert (await matcher.get(f"/events/{event_id}/agendas/grid.pdf?version=1", headers=organiser)).status == 200
    assert (await matcher.get(f"/events/{event_id}/agendas/grid", headers=organiser)).status == 404
    assert (await matcher.post(f"/events/{event_id}/agenda-links", headers=organiser)).status == 404


async def test_agenda_links_are_made_once_read_in_every_format_and_revoked(
    matcher, matcher_settings, db, world, caplog
):
    caplog.set_level(logging.INFO)
    await publish(db, world["event"], 1)
    snapshot, event_id = world["snapshot"], world["event"]
    organiser = bearer(world["tokens"]["organiser"])
    links_path = f"/events/{event_id}/agenda-links"

    made = await matcher.post(links_path, headers=organiser)
    assert made.status == 201
    items = (await made.json())["items"]
    assert len(items) == len(snapshot.smes) + len(snapshot.buyers)
    assert Counter(item["kind"] for item in items) == {"sme": len(snapshot.smes), "buyer": len(snapshot.buyers)}
    again = await matcher.post(links_path, headers=organiser)
    assert again.status == 200 and (await again.json())["items"] == items
    assert (await (await matcher.get(links_path, headers=organiser)).json())["items"] == items

    by_org = {uuid.UUID(item["organisation_id"]): item for item in items}
    sme_link, buyer_link = by_org[world["sme"]], by_org[world["buyer"]]
    assert sme_link["organisation_name"] == names(snapshot)[world["sme"]]
    sme_path = urlsplit(sme_link["url"]).path
    assert sme_path.startswith("/a/")

    response = await matcher.get(sme_path)
    assert response.status == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    document = await response.json()
    assert document["kind"] == "sme" and document["sme_id"] == str(world["sme"]) and document["changes"] is None
    formats = {".json": "application/json", ".ics": "text/calendar", ".html": "text/html", ".pdf": "application/pdf"}
    for ext, content_type in formats.items():
        linked = await matcher.get(sme_path + ext + "?lang=en")
        assert linked.status == 200 and linked.content_type == content_type, ext
        assert linked.headers["Cache-Control"] == "private, no-store" and "ETag" in linked.headers
    buyer_sheets = await (await matcher.get(urlsplit(buyer_link["url"]).path)).json()
    assert buyer_sheets["kind"] == "buyer" and len(buyer_sheets["tables"]) == 2

    token = sme_path.removeprefix("/a/")
    forged = token_for(b"not the key" * 3, uuid.UUID(sme_link["id"]))
    unknown = token_for(link_key(matcher_settings), uuid.uuid4())  # well signed, but no such link
    answers = []
    for bad in (forged, unknown, token[:-1] + ("A" if token[-1] != "A" else "B"), "short"):
        response = await matcher.get(f"/a/{bad}")
        assert response.status == 404 and response.headers["Cache-Control"] == "private, no-store"
        answers.append({k: v for k, v in (await response.json()).items() if k != "request_id"})

    revoked = await matcher.delete(f"{links_path}/{sme_link['id']}", headers=organiser)
    assert revoked.status == 204
    response = await matcher.get(sme_path + ".pdf")
    assert response.status == 404 and response.headers["Referrer-Policy"] == "no-referrer"
    answers.append({k: v for k, v in (await response.json()).items() if k != "request_id"})
    assert all(answer == answers[0] for answer in answers), answers  # revoked, forged, unknown: one answer
    assert token not in json.dumps(answers)
    assert (await matcher.delete(f"{links_path}/{uuid.uuid4()}", headers=organiser)).status == 404

    listed = (await (await matcher.get(links_path, headers=organiser)).json())["items"]
    assert sme_link["id"] not in {item["id"] for item in listed} and len(listed) == len(items) - 1
    renewed = await matcher.post(links_path, headers=organiser)
    assert renewed.status == 201
    fresh = next(i for i in (await renewed.json())["items"] if i["organisation_id"] == str(world["sme"]))
    assert fresh["id"] != sme_link["id"] and (await matcher.get(urlsplit(fresh["url"]).path)).status == 200

    ours = [record for record in caplog.records if record.name != "aiohttp.access"]  # the test server's own
    assert any(getattr(record, "path", "") == "/a/…" for record in ours)
    assert not any(token in record.getMessage() or token in str(getattr(record, "path", "")) for record in ours)


async def test_participants_see_what_changed_since_they_last_looked(matcher, db, world):
    snapshot, meetings, sme, event_id = world["snapshot"], world["meetings"], world["sme"], world["event"]
    await publish(db, event_id, 1)
    auth = bearer(world["tokens"]["sme"])
    path = f"/events/{event_id}/agendas/smes/{sme}"
    first = await (await matcher.get(path, headers=auth)).json()
    assert first["changes"] is None and first["version"] == 1
    v1_uids = {str(e["UID"]) for e in vevents(await (await matcher.get(path + ".ics", headers=auth)).read())}

    v2, moved, dropped = second_version(snapshot, meetings, sme)
    await store_version(db, snapshot, v2, 2)
    await publish(db, event_id, 2)

    seen = await matcher.get(path, headers=auth)
    document = await seen.json()
    assert document["version"] == 2 and document["status"] == "published"
    changes = document["changes"]
    assert changes["since_version"] == 1 and changes["added"] == []
    [was_moved] = changes["moved"]
    assert (was_moved["counterpart_id"], was_moved["slot"]) == (str(moved.buyer_id), v2[-1].slot)
    assert was_moved["previous_local_time"] == local_times(snapshot)[moved.slot]
    [was_dropped] = changes["removed"]
    assert (was_dropped["counterpart_id"], was_dropped["slot"]) == (str(dropped.buyer_id), dropped.slot)
    again = await matcher.get(path, headers={**auth, "If-None-Match": seen.headers["ETag"]})
    assert again.status == 200 and (await again.json())["changes"] is None  # seen now: a new answer
    assert (await (await matcher.get(path + "?since=1", headers=auth)).json())["changes"]["since_version"] == 1
    assert (await matcher.get(path + "?since=7", headers=auth)).status == 200  # a later number: nothing to say
    bad_since = await matcher.get(path + "?since=0", headers=auth)
    assert bad_since.status == 422

    # The calendar keeps the moved meeting's entry (same UID, new time) and cancels the dropped one.
    events = {str(e["UID"]): e for e in vevents(await (await matcher.get(path + ".ics", headers=auth)).read())}
    assert set(events) == v1_uids
    assert str(events[meeting_uid(event_id, sme, dropped.buyer_id)]["STATUS"]) == "CANCELLED"
    kept = events[meeting_uid(event_id, sme, moved.buyer_id)]
    assert str(kept["STATUS"]) == "CONFIRMED" and int(kept["SEQUENCE"]) == 2
    assert kept.decoded("DTSTART") == next(s.start for s in snapshot.event.slots if s.index == v2[-1].slot)

    old = await matcher.get(path + "?version=1", headers=auth)
    assert old.status == 200
    old_document = await old.json()
    assert old_document["status"] == "superseded" and old_document["version"] == 1
    assert len(old_document["meetings"]) == len(first["meetings"])
    assert (await (await matcher.get(path, headers=auth)).json())["changes"] is None  # v1 again: v2 stays seen

    # An organiser's reads say nothing and record nothing; ?since asks explicitly.
    organiser = bearer(world["tokens"]["organiser"])
    other = next(m.sme_id for m in v2 if m.sme_id != sme)
    other_path = f"/events/{event_id}/agendas/smes/{other}"
    assert (await (await matcher.get(other_path, headers=organiser)).json())["changes"] is None
    assert (await (await matcher.get(other_path + "?since=1", headers=organiser)).json())["changes"] is not None
    await flush_views(matcher.app)  # "seen" markers are written by a background flush every second
    assert await db.fetchval("SELECT count(*) FROM matcher.agenda_views WHERE organisation_id = $1", other) == 0
    assert await db.fetchval("SELECT last_seen_version FROM matcher.agenda_views WHERE organisation_id = $1", sme) == 2


async def test_a_link_and_a_token_share_what_was_seen(matcher, db, world):
    snapshot, meetings, sme, event_id = world["snapshot"], world["meetings"], world["sme"], world["event"]
    await publish(db, event_id, 1)
    organiser = bearer(world["tokens"]["organiser"])
    items = (await (await matcher.post(f"/events/{event_id}/agenda-links", headers=organiser)).json())["items"]
    link = urlsplit(next(i["url"] for i in items if i["organisation_id"] == str(sme))).path
    assert (await (await matcher.get(link)).json())["changes"] is None  # first look, by link
    await store_version(db, snapshot, second_version(snapshot, meetings, sme)[0], 2)
    await publish(db, event_id, 2)
    path = f"/events/{event_id}/agendas/smes/{sme}"
    by_token = await (await matcher.get(path, headers=bearer(world["tokens"]["sme"]))).json()
    assert by_token["changes"]["since_version"] == 1
    assert (await (await matcher.get(link)).json())["changes"] is None
    assert (await (await matcher.get(link + "?version=1")).json())["status"] == "superseded"

"""Reading an agenda does not write to the database each time: "seen" markers are kept in the process,
written by a background flush (at most once per participant and version), never for an erased
organisation; rendered JSON is answered from memory and follows a redaction at once."""

from __future__ import annotations

from urllib.parse import urlsplit

from services.matcher.agendas.seen import flush_views
from services.matcher.keys import READS_KEY, SEEN_KEY
from tests.conftest import bearer
from tests.matcher.test_agenda_routes import event, publish, second_version, store_version, world  # noqa: F401
from tests.matcher.test_link_cache import cache_of, delivered

VIEWS = "SELECT last_seen_version FROM matcher.agenda_views WHERE event_id = $1 AND organisation_id = $2"


async def test_reads_record_what_was_seen_once_in_the_background(matcher, db, world):  # noqa: F811
    sme, event_id = world["sme"], world["event"]
    await publish(db, event_id, 1)
    auth = bearer(world["tokens"]["sme"])
    path = f"/events/{event_id}/agendas/smes/{sme}"
    for _ in range(3):
        response = await matcher.get(path, headers=auth)
        assert response.status == 200 and (await response.json())["changes"] is None
    assert await db.fetchval(VIEWS, event_id, sme) is None  # nothing written by the reads themselves
    assert await flush_views(matcher.app) == 1  # three reads of one version: one marker
    assert await db.fetchval(VIEWS, event_id, sme) == 1
    assert await flush_views(matcher.app) == 0  # reading it again would write nothing

    v2, _, _ = second_version(world["snapshot"], world["meetings"], sme)
    await store_version(db, world["snapshot"], v2, 2)
    await publish(db, event_id, 2)
    changed = await (await matcher.get(path, headers=auth)).json()
    assert changed["version"] == 2 and changed["changes"]["since_version"] == 1
    assert (await (await matcher.get(path, headers=auth)).json())["changes"] is None  # seen, though not yet written
    await flush_views(matcher.app)
    assert await db.fetchval(VIEWS, event_id, sme) == 2


async def test_a_marker_written_elsewhere_is_read_before_reporting_changes(matcher, db, world):  # noqa: F811
    sme, event_id = world["sme"], world["event"]
    await publish(db, event_id, 1)
    v2, _, _ = second_version(world["snapshot"], world["meetings"], sme)
    await store_version(db, world["snapshot"], v2, 2)
    await publish(db, event_id, 2)
    # Another matcher process recorded that the SME opened version 2: this one must not say "changed".
    await db.execute("INSERT INTO matcher.agenda_views VALUES ($1, $2, 2)", event_id, sme)
    path = f"/events/{event_id}/agendas/smes/{sme}"
    document = await (await matcher.get(path, headers=bearer(world["tokens"]["sme"]))).json()
    assert document["version"] == 2 and document["changes"] is None


async def test_no_marker_is_written_for_an_organisation_erased_meanwhile(matcher, db, world):  # noqa: F811
    sme, event_id = world["sme"], world["event"]
    await publish(db, event_id, 1)
    links = await matcher.post(f"/events/{event_id}/agenda-links", headers=bearer(world["tokens"]["organiser"]))
    url = next(i["url"] for i in (await links.json())["items"] if i["organisation_id"] == str(sme))
    assert (await matcher.get(urlsplit(url).path)).status == 200
    assert matcher.app[SEEN_KEY].known(event_id, sme) == 1
    # The erasure (another process, say) commits before this process flushes its marker.
    await db.execute("INSERT INTO matcher.erased_organisations (organisation_id, erased_at) VALUES ($1, now())", sme)
    await flush_views(matcher.app)
    assert await db.fetchval("SELECT count(*) FROM matcher.agenda_views WHERE organisation_id = $1", sme) == 0


async def test_json_read_by_link_is_rendered_once_and_follows_a_redaction(matcher, db, world):  # noqa: F811
    sme, event_id = world["sme"], world["event"]
    await publish(db, event_id, 1)
    links = await matcher.post(f"/events/{event_id}/agenda-links", headers=bearer(world["tokens"]["organiser"]))
    path = urlsplit(next(i["url"] for i in (await links.json())["items"] if i["organisation_id"] == str(sme))).path
    first = await matcher.get(path + ".json")
    body, tag = await first.read(), first.headers["ETag"]
    again = await matcher.get(path + ".json")
    assert await again.read() == body and again.headers["ETag"] == tag
    assert (await matcher.get(path + ".json", headers={"If-None-Match": tag})).status == 304
    # A redaction bumps the version's revision: the copy rendered before is not what is served now. The
    # link cache learns of it by NOTIFY (asynchronously): wait for that delivery, not for time.
    generation = cache_of(matcher).generation
    await db.execute("UPDATE matcher.schedule_versions SET revision = revision + 1 WHERE event_id = $1", event_id)
    await delivered(matcher, generation)
    after = await matcher.get(path + ".json", headers={"If-None-Match": tag})
    assert after.status == 200 and after.headers["ETag"] != tag


async def test_a_link_read_is_one_query_with_no_reset_after_it(matcher, db, world):  # noqa: F811
    sme, event_id = world["sme"], world["event"]
    await publish(db, event_id, 1)
    links = await matcher.post(f"/events/{event_id}/agenda-links", headers=bearer(world["tokens"]["organiser"]))
    path = urlsplit(next(i["url"] for i in (await links.json())["items"] if i["organisation_id"] == str(sme))).path
    reads = matcher.app[READS_KEY]
    async with reads.acquire() as conn:  # the pool holds one connection until reads overlap
        pid = conn.get_server_pid()
    for _ in range(3):
        assert (await matcher.get(path + ".json")).status == 200
    # The server's last statement on that connection is the read itself, not asyncpg's reset query.
    last = await db.fetchval("SELECT query FROM pg_stat_activity WHERE pid = $1", pid)
    assert "agenda_links" in last and "RESET ALL" not in last

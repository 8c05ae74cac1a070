"""Apply an erasure to every copy the matcher holds, in the caller's transaction; applying it twice changes nothing.

The stored snapshots of every version naming the organisation are redacted by structure (it keeps its id
and its meetings, named :data:`shared.privacy.ERASED_NAME`), and the identifying strings found in them
(name, people, addresses, numbers) are scrubbed from everything written from those snapshots: the meetings'
reasons, the versions' quality reports and change notes, organisers' rule reasons, job texts, and the
outbox. E-mails to its people are dropped, sent or not; other notifications of its events are redacted.
Its agenda links are revoked and its reminders deleted; its declines' reasons are emptied, and others'
reasons scrubbed of it. The versions' revision goes up, so no process serves agendas built from the old
copy (this process also forgets them at once).
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg

from ..agendas.cache import AgendaCache
from ..feedback.privacy import erase_feedback
from ..invitations.privacy import erase_invitations
from ..onsite.declines_privacy import erase_reasons
from ..outcomes.privacy import erase_need_notices
from ..sql import onsite_arrivals as onsite_sql
from ..sql import privacy as sql
from ..sql import reminders as reminders_sql
from ..support.privacy import erase_support
from .redact import REMOVED, identifying_strings, redact_snapshot, scrub

log = logging.getLogger("services.matcher.privacy")


@dataclass
class ErasureResult:
    """What one application of an erasure changed (all zero the second time)."""

    versions: int = 0
    meetings: int = 0
    dropped_messages: int = 0
    redacted_messages: int = 0
    links_revoked: int = 0
    forget: list[UUID] = field(default_factory=list)


async def _redact_versions(
    conn: asyncpg.Connection, organisation_id: UUID, versions: list[asyncpg.Record], needles: dict[str, str]
) -> ErasureResult:
    result = ErasureResult()
    for version in versions:
        snapshot = scrub(redact_snapshot(version["snapshot"], organisation_id), needles)
        texts = [scrub(version[name], needles) for name in ("quality", "changes", "params")]
        if [snapshot, *texts] != [version[name] for name in ("snapshot", "quality", "changes", "params")]:
            await conn.execute(sql.UPDATE_VERSION_REDACTED, version["id"], snapshot, *texts)
            result.versions += 1
            result.forget.append(version["id"])
        for meeting in await conn.fetch(sql.SELECT_VERSION_EXPLANATIONS, version["id"]):
            explanation = scrub(meeting["explanation"], needles)
            if explanation != meeting["explanation"]:
                await conn.execute(
                    sql.UPDATE_MEETING_EXPLANATION, version["id"], meeting["sme_id"], meeting["buyer_id"], explanation
                )
                result.meetings += 1
    return result


async def _redact_texts(conn: asyncpg.Connection, events: list[UUID], needles: dict[str, str]) -> int:
    """Outbox payloads, rule reasons and job texts of the events; how many outbox rows changed."""
    redacted = 0
    for row in await conn.fetch(sql.SELECT_EVENT_OUTBOX, events):
        payload = scrub(row["payload"], needles)
        if payload != row["payload"]:
            await conn.execute(sql.UPDATE_OUTBOX_PAYLOAD, row["id"], payload)
            redacted += 1
    for rule in await conn.fetch(sql.SELECT_EVENT_RULES, events):
        reason = scrub(rule["reason"], needles)
        if reason != rule["reason"]:
            await conn.execute(sql.UPDATE_RULE_REASON, rule["event_id"], rule["sme_id"], rule["buyer_id"], reason)
    for job in await conn.fetch(sql.SELECT_EVENT_JOB_TEXTS, events):
        phase, reason = scrub(job["phase"], needles), scrub(job["failure_reason"], needles)
        if (phase, reason) != (job["phase"], job["failure_reason"]):
            await conn.execute(sql.UPDATE_JOB_TEXTS, job["id"], phase, reason)
    return redacted


async def apply_erasure(conn: asyncpg.Connection, organisation_id: UUID, erased_at: dt.datetime) -> ErasureResult:
    """Remove the organisation from every copy the matcher holds; run inside a transaction.

    Takes the privacy lock exclusively, so a version being stored with a snapshot fetched before the
    erasure is either stored before (and redacted here) or after (and redacted on the way in).
    """
    await conn.execute(sql.LOCK_PRIVACY_EXCLUSIVE)
    await conn.execute(sql.INSERT_ERASED, organisation_id, erased_at)
    versions = await conn.fetch(sql.SELECT_VERSIONS_NAMING, str(organisation_id))
    needles: dict[str, str] = {}
    for version in versions:
        needles.update(identifying_strings(version["snapshot"], organisation_id))
    result = await _redact_versions(conn, organisation_id, versions, needles)
    addresses = sorted({needle.lower() for needle, stands in needles.items() if stands == REMOVED and "@" in needle})
    dropped = await conn.fetch(sql.DELETE_OUTBOX_TO, addresses)
    result.dropped_messages = len(dropped)
    events = sorted({version["event_id"] for version in versions})
    result.redacted_messages = await _redact_texts(conn, events, needles)
    await erase_reasons(conn, organisation_id, events, needles)  # declines' reasons, typed by people
    await erase_feedback(conn, organisation_id, events, needles)  # feedback comments, typed by people
    await erase_support(conn, organisation_id)  # support requests and hours, their notes typed by people
    result.dropped_messages += await erase_need_notices(conn, organisation_id, needles)  # need notices (issue 14)
    result.dropped_messages += await erase_invitations(conn, organisation_id)  # invitations (issue 14)
    status = await conn.execute(sql.REVOKE_ORGANISATION_LINKS, organisation_id)
    result.links_revoked = int(status.split()[-1])
    await conn.execute(sql.DELETE_AGENDA_VIEWS, organisation_id)
    # Arrivals and the stand-by list hold only ids, but say where the firm was that day.
    await conn.execute(onsite_sql.DELETE_ORGANISATION_ARRIVALS, organisation_id)
    await conn.execute(onsite_sql.DELETE_ORGANISATION_STANDBY, organisation_id)
    await conn.execute(reminders_sql.DELETE_ORGANISATION_REMINDERS, organisation_id)
    log.info(
        "erasure of %s applied: %d versions, %d meetings, %d messages dropped, %d redacted",
        organisation_id,
        result.versions,
        result.meetings,
        result.dropped_messages,
        result.redacted_messages,
    )
    return result


def forget_cached(result: ErasureResult, cache: AgendaCache) -> None:
    """After the transaction committed: the app's ``cache`` stops holding agendas built from the old copies."""
    for version_id in result.forget:
        cache.forget(version_id)


async def redact_erased(conn: asyncpg.Connection, document: dict[str, Any]) -> dict[str, Any]:
    """A snapshot about to be stored, with every organisation erased meanwhile redacted (inside a transaction).

    Takes the privacy lock shared, so it waits for an erasure being applied and the erasure waits for it.
    """
    await conn.execute(sql.LOCK_PRIVACY_SHARED)
    ids = [UUID(str(party["organisation"]["id"])) for side in ("smes", "buyers") for party in document.get(side) or []]
    erased = [row["organisation_id"] for row in await conn.fetch(sql.SELECT_ERASED_AMONG, ids)]
    for organisation_id in erased:
        needles = identifying_strings(document, organisation_id)
        document = scrub(redact_snapshot(document, organisation_id), needles)
    return document

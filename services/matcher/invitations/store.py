"""Queue the invitations of a segment, one e-mail per firm in one transaction, and read them back.

The segment comes from the registry (``GET /segments/firms``, with the firms' first contacts and the latest
earlier event each took part in). Left out, and counted by why: firms already signed up (the registry leaves
them out), erased organisations (the matcher's own list, so an erasure the registry has not yet shown is
kept), firms already invited to the event, and firms without a contact address. The key of
``matcher.invitations`` decides who is new inside the transaction, so two presses at once invite each firm
once.
"""

from __future__ import annotations

import datetime as dt
from typing import Any
from uuid import UUID

import asyncpg

from ..audit import Actor, record
from ..sql import invitations as sql
from ..sql import privacy as privacy_sql
from .model import InvitationCriteria, InvitationOutcome, LeftOut
from .texts import invitation_mail, reasons


def segment_of(criteria: InvitationCriteria, firm: dict[str, Any]) -> dict[str, Any]:
    """What the invitation row keeps of why the firm was chosen: codes and ids only.

    Examples
    --------
    >>> firm = {"earlier_event": {"id": "7d2c0c1e-3f43-4a36-9e8a-1b2d6f0f4b11", "name": "Falun 2025"}}
    >>> segment_of(InvitationCriteria(municipality="2085", took_part_before=True), firm)
    {'municipality': '2085', 'took_part_before': True, 'earlier_event_id': '7d2c0c1e-3f43-4a36-9e8a-1b2d6f0f4b11'}
    """
    segment = criteria.segment()
    if criteria.took_part_before and firm.get("earlier_event"):
        segment["earlier_event_id"] = str(firm["earlier_event"]["id"])
    return segment


async def queue_invitations(
    conn: asyncpg.Connection,
    event: dict[str, Any],
    criteria: InvitationCriteria,
    firms: list[dict[str, Any]],
    signed_up: int,
    now: dt.datetime,
    signup_url: str | None,
    actor: Actor,
) -> InvitationOutcome:
    """Queue an invitation to each new firm of the segment (or, with ``dry_run``, only count them)."""
    event_id = UUID(str(event["id"]))
    by_id = {UUID(str(firm["organisation_id"])): firm for firm in firms}
    erased = {row["organisation_id"] for row in await conn.fetch(privacy_sql.SELECT_ERASED_AMONG, list(by_id))}
    invited = {row["organisation_id"] for row in await conn.fetch(sql.SELECT_INVITED_AMONG, event_id, list(by_id))}
    no_contact = {org for org, firm in by_id.items() if not firm.get("contact_email")} - erased - invited
    new = [org for org in by_id if org not in erased | invited | no_contact]
    left_out = LeftOut(
        signed_up=signed_up, already_invited=len(invited - erased), erased=len(erased), no_contact=len(no_contact)
    )
    outcome = InvitationOutcome(matched=len(by_id) + signed_up, queued=0, left_out=left_out, dry_run=criteria.dry_run)
    if criteria.dry_run:
        outcome.queued = len(new)
    if criteria.dry_run or not new:
        return outcome
    segments = [segment_of(criteria, by_id[org]) for org in new]
    async with conn.transaction():
        created = await conn.fetch(sql.INSERT_INVITATIONS, event_id, new, segments, now)
        for row in created:
            firm = by_id[row["organisation_id"]]
            earlier = (firm.get("earlier_event") or {}).get("name")
            why = reasons(segment_of(criteria, firm), earlier)
            payload = invitation_mail(firm["contact_email"], firm.get("contact_name") or "", event, why, signup_url)
            outbox_id = await conn.fetchval(
                sql.INSERT_OUTBOX_INVITATION, event_id, firm["contact_email"], payload, row["organisation_id"]
            )
            await conn.execute(sql.SET_OUTBOX, event_id, row["organisation_id"], outbox_id)
        if created:
            details = {"segment": criteria.segment(), "queued": len(created)}
            await record(conn, actor, "invitations.queue", "event", event_id, event_id=event_id, details=details)
    outcome.queued = len(created)
    outcome.left_out.already_invited += len(new) - len(created)  # invited by a concurrent press meanwhile
    return outcome

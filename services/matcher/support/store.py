"""Reading and writing the support: the event's allowance, the requests (made once per firm and event, however
often the firm asks), the adviser's assignment and the hours given against the allowance.

Names and contacts are not stored here: they come from the event's published version (the registry's copy
as the schedule used it), so an erasure that redacts the versions leaves nothing behind in these tables but
the rows it deletes (:mod:`.privacy`).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from shared.errors import Conflict, Forbidden, NotFound

from ..agendas.versions import published_version
from ..audit import Actor, record
from ..sql import agendas as agendas_sql
from ..sql import support as sql
from .model import (
    DEFAULT_ALLOWANCE,
    HoursIn,
    HoursOut,
    SupportRequestOut,
    SupportSettingsIn,
    SupportSettingsOut,
)
from .texts import assigned_mails

NO_REQUEST = "Företaget har inte bett om stöd vid det här evenemanget. / The firm has not asked for support here."


@dataclass(frozen=True)
class Firm:
    """A firm as the published version names it, with what it asked for at sign-up."""

    name: str
    contact_name: str = ""
    contact_email: str = ""
    support_requested: bool = False
    support_note: str = ""


def firms_of(snapshot: Mapping[str, Any] | str | None) -> tuple[str, dict[UUID, Firm]]:
    """The event's name and its firms (SMEs) from a stored snapshot: name, first contact, sign-up request.

    Examples
    --------
    >>> name, firms = firms_of({"event": {"name": "Affärsträff Mora"}, "smes": [{"organisation": {
    ...     "id": "00000000-0000-0000-0000-00000000000a", "name": "Städ AB"}, "support_requested": True,
    ...     "contacts": [{"position": 0, "name": "Anna", "email": "anna@stad.se"}]}]})
    >>> firm = firms[UUID(int=10)]
    >>> name, firm.name, firm.contact_email, firm.support_requested
    ('Affärsträff Mora', 'Städ AB', 'anna@stad.se', True)
    >>> firms_of(None)
    ('', {})
    """
    if snapshot is None:
        return "", {}
    data = json.loads(snapshot) if isinstance(snapshot, str) else snapshot
    firms = {}
    for sme in data.get("smes") or ():
        contacts = sorted((c for c in sme.get("contacts") or () if c.get("email")), key=lambda c: c.get("position", 0))
        first = contacts[0] if contacts else {}
        firms[UUID(str(sme["organisation"]["id"]))] = Firm(
            name=str(sme["organisation"].get("name") or "–"),
            contact_name=str(first.get("name") or ""),
            contact_email=str(first.get("email") or ""),
            support_requested=bool(sme.get("support_requested")),
            support_note=str(sme.get("support_note") or ""),
        )
    return str((data.get("event") or {}).get("name") or ""), firms


async def published_firms(conn: asyncpg.Connection, event_id: UUID) -> tuple[str, dict[UUID, Firm]]:
    ref = await published_version(conn, event_id)
    if ref is None:
        return "", {}
    return firms_of(await conn.fetchval(agendas_sql.SELECT_VERSION_SNAPSHOT, ref.id))


async def load_settings(source: asyncpg.Connection | asyncpg.Pool, event_id: UUID) -> SupportSettingsOut:
    row = await source.fetchrow(sql.SELECT_SETTINGS, event_id)
    if row is None:
        return SupportSettingsOut(event_id=event_id, allowance_hours=float(DEFAULT_ALLOWANCE), updated_at=None)
    return SupportSettingsOut(**dict(row))


async def save_settings(
    conn: asyncpg.Connection, event_id: UUID, body: SupportSettingsIn, now: dt.datetime, actor: Actor
) -> SupportSettingsOut:
    """Store the allowance for the event's new requests, with an audit entry."""
    async with conn.transaction():
        row = await conn.fetchrow(sql.UPSERT_SETTINGS, event_id, body.allowance_hours, now)
        await record(conn, actor, "support_settings.change", "support_settings", event_id, event_id=event_id,
                     details={"allowance_hours": str(body.allowance_hours)})  # fmt: skip
    return SupportSettingsOut(**dict(row))


async def request_support(
    conn: asyncpg.Connection,
    event_id: UUID,
    organisation_id: UUID,
    source: str,
    note: str,
    now: dt.datetime,
    actor: Actor | None = None,
) -> bool:
    """Make the firm's request unless it has one for the event (True: made now); in the caller's transaction."""
    made = await conn.fetchval(sql.INSERT_REQUEST, event_id, organisation_id, source, note, now, DEFAULT_ALLOWANCE)
    if made is not None and actor is not None:
        # Whether a note was given, never the note: it is the firm's own words.
        await record(conn, actor, "support_request.create", "support_request", made, event_id=event_id,
                     organisation_id=organisation_id, details={"source": source, "note_given": bool(note)})  # fmt: skip
    return made is not None


async def sync_signups(conn: asyncpg.Connection, event_id: UUID, now: dt.datetime) -> int:
    """Requests made at sign-up, as the published version carries them, become rows once; how many now."""
    _, firms = await published_firms(conn, event_id)
    made = 0
    for organisation_id, firm in firms.items():
        if firm.support_requested:
            made += await request_support(conn, event_id, organisation_id, "signup", firm.support_note, now)
    return made


async def _views(conn: asyncpg.Connection, rows: list[asyncpg.Record]) -> list[SupportRequestOut]:
    """The rows with the firms' names (from each event's published version) and their hours."""
    events = {event_id: await published_firms(conn, event_id) for event_id in {r["event_id"] for r in rows}}
    hours: dict[UUID, list[HoursOut]] = {}
    for h in await conn.fetch(sql.SELECT_HOURS, [r["id"] for r in rows]):
        hours.setdefault(h["request_id"], []).append(
            HoursOut(**{k: v for k, v in dict(h).items() if k != "request_id"})
        )
    found = []
    for r in rows:
        event_name, firms = events[r["event_id"]]
        firm = firms.get(r["organisation_id"], Firm(name="–"))
        found.append(
            SupportRequestOut(
                **dict(r), event_name=event_name, organisation_name=firm.name, contact_name=firm.contact_name,
                contact_email=firm.contact_email, hours_left=r["allowance_hours"] - r["hours_used"],
                hours=hours.get(r["id"], []),
            )
        )  # fmt: skip
    return found


async def event_requests(conn: asyncpg.Connection, event_id: UUID, now: dt.datetime) -> list[SupportRequestOut]:
    """Every request of the event (sign-up requests of the published version made rows first)."""
    async with conn.transaction():
        await sync_signups(conn, event_id, now)
    return await _views(conn, list(await conn.fetch(sql.SELECT_EVENT_REQUESTS, event_id)))


async def one_request(conn: asyncpg.Connection, event_id: UUID, organisation_id: UUID) -> SupportRequestOut:
    row = await conn.fetchrow(sql.SELECT_REQUEST, event_id, organisation_id)
    if row is None:
        raise NotFound(NO_REQUEST)
    return (await _views(conn, [row]))[0]


async def assigned_requests(conn: asyncpg.Connection, account_id: UUID | None) -> list[SupportRequestOut]:
    """The adviser's own requests across events (none for a caller without an account)."""
    if account_id is None:
        return []
    return await _views(conn, list(await conn.fetch(sql.SELECT_ADVISER_REQUESTS, account_id)))


async def _locked(conn: asyncpg.Connection, event_id: UUID, organisation_id: UUID) -> asyncpg.Record:
    row = await conn.fetchrow(sql.LOCK_REQUEST, event_id, organisation_id)
    if row is None:
        raise NotFound(NO_REQUEST)
    return row


async def assign(
    conn: asyncpg.Connection,
    event_id: UUID,
    organisation_id: UUID,
    adviser: tuple[UUID, str, str],
    now: dt.datetime,
    actor: Actor,
) -> None:
    """Give the request to the adviser ``(account id, name, e-mail)``, again or to another one; 409 once
    declined or closed. A new adviser and the firm are told by e-mail, in the same transaction."""
    async with conn.transaction():
        row = await _locked(conn, event_id, organisation_id)
        if row["status"] in ("declined", "closed"):
            raise Conflict(
                "Begäran är avslutad. / The request is closed or declined.", slug="support-closed", status=409
            )
        await conn.execute(sql.ASSIGN, row["id"], adviser[0], now)
        if row["adviser_account_id"] != adviser[0]:
            event_name, firms = await published_firms(conn, event_id)
            firm = firms.get(organisation_id, Firm(name="–"))
            left = float(row["allowance_hours"] - await conn.fetchval(sql.SUM_HOURS, row["id"]))
            who = (firm.name, firm.contact_name, firm.contact_email)
            for mail in assigned_mails(event_name or "Affärsträffen", who, adviser[1:], left):
                participant = organisation_id if mail["to"] == firm.contact_email else None
                await conn.execute(sql.INSERT_OUTBOX, event_id, mail["to"], mail, participant)
        await record(conn, actor, "support_request.assign", "support_request", row["id"], event_id=event_id,
                     organisation_id=organisation_id, details={"adviser_account_id": str(adviser[0])})  # fmt: skip


async def set_status(
    conn: asyncpg.Connection, event_id: UUID, organisation_id: UUID, status: str, now: dt.datetime, actor: Actor
) -> None:
    """Decline a request (any time before it is closed) or close it (once an adviser has it)."""
    async with conn.transaction():
        row = await _locked(conn, event_id, organisation_id)
        allowed = ("requested", "assigned") if status == "declined" else ("assigned",)
        if row["status"] not in allowed:
            raise Conflict(
                f"En begäran med status {row['status']} kan inte bli {status}. "
                f"/ A request that is {row['status']} cannot become {status}.",
                slug="support-status",
            )
        await conn.execute(sql.SET_STATUS, row["id"], status, now)
        await record(conn, actor, f"support_request.{status}", "support_request", row["id"], event_id=event_id,
                     organisation_id=organisation_id, details={"from": row["status"]})  # fmt: skip


def _check_adviser(row: asyncpg.Record, adviser: UUID | None) -> None:
    """An adviser acts only on a request assigned to it (organisers, ``adviser`` None, on any)."""
    if adviser is not None and row["adviser_account_id"] != adviser:
        raise Forbidden("Begäran är inte tilldelad dig. / This request is not assigned to you.")


async def add_hours(
    conn: asyncpg.Connection,
    event_id: UUID,
    organisation_id: UUID,
    body: HoursIn,
    now: dt.datetime,
    actor: Actor,
    *,
    adviser: UUID | None,
) -> UUID:
    """Record hours given; 409 saying what is left when they exceed the allowance (nothing is stored then).

    The request row is locked first, so two advisers posting at once are checked one after the other.
    """
    async with conn.transaction():
        row = await _locked(conn, event_id, organisation_id)
        _check_adviser(row, adviser)
        if row["status"] != "assigned":
            raise Conflict(
                "Timmar kan bara föras på en begäran som har en rådgivare och inte är avslutad. "
                "/ Hours go only on a request with an adviser that is not closed.",
                slug="support-not-assigned",
            )
        left: Decimal = row["allowance_hours"] - await conn.fetchval(sql.SUM_HOURS, row["id"])
        if body.hours > left:
            raise Conflict(
                f"Det finns {left} timmar kvar av stödet. / {left} hours of the allowance are left.",
                slug="support-allowance-exceeded",
                hours_left=float(left),
            )
        made = await conn.fetchval(
            sql.INSERT_HOURS, row["id"], row["adviser_account_id"], body.worked_on, body.hours, body.note, now
        )
        details = {"hours": str(body.hours), "note_given": bool(body.note)}
        await record(conn, actor, "support_hours.add", "support_hours", made, event_id=event_id,
                     organisation_id=organisation_id, details=details)  # fmt: skip
    return made


async def delete_hours(
    conn: asyncpg.Connection,
    event_id: UUID,
    organisation_id: UUID,
    hours_id: UUID,
    actor: Actor,
    *,
    adviser: UUID | None,
) -> None:
    """Take back a mistaken entry (the request's adviser or an organiser)."""
    async with conn.transaction():
        row = await _locked(conn, event_id, organisation_id)
        _check_adviser(row, adviser)
        gone = await conn.fetchrow(sql.DELETE_HOURS, hours_id, row["id"])
        if gone is None:
            raise NotFound("Ingen sådan tidspost. / No such hours entry.")
        await record(conn, actor, "support_hours.delete", "support_hours", hours_id, event_id=event_id,
                     organisation_id=organisation_id, details={"hours": str(gone["hours"])})  # fmt: skip

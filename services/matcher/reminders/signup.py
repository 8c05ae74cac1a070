"""The sign-up reminder: some days before the registry's sign-up deadline, firms that have signed up but
ranked none of the buyers' needs are told to do so (``remind_signup_days_before`` in the day settings).

Before the deadline no version is published, so the matcher asks the registry (with its service token):
``GET /events/{id}`` for the deadline, name and time zone (read again every :data:`RECHECK` so a moved
deadline is followed), and ``GET /events/{id}/snapshot`` when it is due, for the active sign-ups with
their ranked needs and contacts. The reminders go out in one transaction: a row per firm is inserted as
sent with its outbox e-mail, and the unique key leaves out every firm that already had one, so a
second scheduler or a restart sends nobody a second reminder. A firm that signs up later, still before
the deadline, gets its reminder when the registry is read again (within :data:`RECHECK`).
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Protocol
from uuid import UUID

import asyncpg

from ..settings import MatcherSettings
from ..sql import privacy as privacy_sql
from ..sql import reminders as sql
from .texts import signup_reminder

log = logging.getLogger("services.matcher.reminders")

# How long a deadline read from the registry is trusted before reading it again.
RECHECK = dt.timedelta(minutes=10)


class SignupSource(Protocol):
    """What the sign-up reminder reads of the registry (:class:`services.matcher.registry_client.RegistryClient`)."""

    async def event(self, event_id: UUID) -> dict[str, Any]: ...

    async def snapshot(self, event_id: UUID) -> Any: ...


def _instant(value: Any) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def unranked_firms(snapshot: dict[str, Any]) -> dict[UUID, tuple[str, str]]:
    """Signed-up SMEs that ranked no needs and have a contact: id → (contact name, e-mail).

    Examples
    --------
    >>> unranked_firms({"smes": [
    ...     {"organisation": {"id": "00000000-0000-0000-0000-00000000000a"}, "wanted_needs": [],
    ...      "contacts": [{"position": 0, "name": "Bo", "email": "bo@bygg.se"}]},
    ...     {"organisation": {"id": "00000000-0000-0000-0000-00000000000b"}, "wanted_needs": [{"rank": 1}],
    ...      "contacts": [{"position": 0, "name": "Anna", "email": "anna@stad.se"}]}]})
    {UUID('00000000-0000-0000-0000-00000000000a'): ('Bo', 'bo@bygg.se')}
    """
    found = {}
    for sme in snapshot.get("smes", ()):
        contacts = [c for c in sme.get("contacts") or () if c.get("email")]
        if sme.get("wanted_needs") or not contacts:
            continue
        first = min(contacts, key=lambda c: c.get("position", 0))
        found[UUID(str(sme["organisation"]["id"]))] = (str(first.get("name") or ""), str(first["email"]))
    return found


def signup_url(settings: MatcherSettings | None, event_id: UUID) -> str | None:
    """The firm's sign-up page on the web front end, when ``MATCHER_WEB_URL`` is set."""
    web_url = settings.web_url if settings is not None else None
    return f"{str(web_url).rstrip('/')}/foretag/evenemang/{event_id}/anmalan" if web_url else None


async def _deadline(
    conn: asyncpg.Connection, source: SignupSource, row: asyncpg.Record, now: dt.datetime
) -> tuple[dt.datetime, dict[str, Any] | None]:
    """The event's deadline (read again from the registry when older than :data:`RECHECK`) and the event read."""
    if row["signup_deadline"] is not None and row["signup_checked_at"] and now - row["signup_checked_at"] < RECHECK:
        return row["signup_deadline"], None
    event = await source.event(row["event_id"])
    deadline = _instant(event["signup_deadline"])
    await conn.execute(sql.SET_SIGNUP_DEADLINE, row["event_id"], deadline, now)
    return deadline, event


async def send_signup_reminders(
    pool: asyncpg.Pool, source: SignupSource, now: dt.datetime, settings: MatcherSettings | None = None
) -> int:
    """Send the sign-up reminders that are due now; how many. A registry that cannot be read waits a round."""
    sent = 0
    async with pool.acquire() as conn:
        for row in await conn.fetch(sql.SELECT_SIGNUP_EVENTS, now):
            event_id = row["event_id"]
            try:
                deadline, event = await _deadline(conn, source, row, now)
                due = deadline - dt.timedelta(days=row["days"])
                if not due <= now < deadline:
                    continue
                # The first round in the window asks at once; after that, firms that signed up since are
                # looked for when the deadline is read again (every RECHECK), not every round.
                if event is None and await conn.fetchval(sql.ANY_SIGNUP_SENT, event_id):
                    continue
                event = event or await source.event(event_id)
                snapshot = await source.snapshot(event_id)
            except Exception as error:  # the registry away or refusing: the next round tries again
                log.warning("sign-up reminders of event %s wait: %s: %s", event_id, type(error).__name__, error)
                continue
            firms = unranked_firms(getattr(snapshot, "document", snapshot))
            erased = {r["organisation_id"] for r in await conn.fetch(privacy_sql.SELECT_ERASED_AMONG, list(firms))}
            firms = {org: contact for org, contact in firms.items() if org not in erased}
            if not firms:
                continue
            url = signup_url(settings, event_id)
            zone = str(event.get("time_zone") or "Europe/Stockholm")
            async with conn.transaction():
                for record in await conn.fetch(sql.INSERT_SIGNUP_SENT, event_id, list(firms), due, deadline, now):
                    name, address = firms[record["organisation_id"]]
                    payload = signup_reminder(address, name, str(event["name"]), deadline, zone, url)
                    outbox_id = await conn.fetchval(
                        sql.INSERT_OUTBOX_EMAIL,
                        event_id,
                        "reminder.signup",
                        address,
                        payload,
                        record["organisation_id"],
                        None,
                    )
                    await conn.execute(sql.SET_OUTBOX, record["id"], outbox_id)
                    sent += 1
    return sent

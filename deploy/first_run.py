"""The last lines of ``python3 dev.py up``: where a newcomer starts, and who to sign in as.

README.md's "Prova så här" walks these: the sample's published event (a firm whose agenda has meetings),
its open event (:mod:`deploy.open_event`: a firm that can still sign up, a buyer signed up there who can
bring a new need) and the organiser who closes, schedules, publishes and prints it. Everything here is
pure but :func:`registry_facts`, which asks the registry who has signed up and who the firms are.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, NamedTuple

import aiohttp

from deploy.load_sample import RegistryClient
from deploy.open_event import OpenEvent, firm_to_sign_up, firm_with_meetings
from deploy.sample_accounts import SampleAccounts, buyer_account_email
from deploy.sample_data import SampleData

# The buyer whose login ``up`` prints: signed up for the open event, so it can bring a need it adds.
OPEN_EVENT_BUYER = "Mora kommun"


class Person(NamedTuple):
    """Who to sign in as: an organisation's name and the e-mail address to type."""

    name: str
    email: str


class SampleEvent(NamedTuple):
    id: str
    name: str
    status: str = "open"  # the registry's; the open event may have been scheduled by hand since


@dataclass
class FirstRun:
    """What the last lines of ``up`` point at: the sample's two events and who to sign in as."""

    published: SampleEvent
    open: SampleEvent | None
    accounts: SampleAccounts
    buyer: Person | None = None  # a buyer signed up for the open event (its account's e-mail)
    met_firm: Person | None = None  # a firm with meetings in the published event
    new_firm: Person | None = None  # a firm that has not signed up for the open event


def first_run(
    sample: SampleData,
    published: SampleEvent,
    accounts: SampleAccounts,
    met_orgnrs: set[str],
    open_event: tuple[SampleEvent, OpenEvent, set[str]] | None = None,
) -> FirstRun:
    """Who ``up`` names: the first sample firm among ``met_orgnrs`` (it has meetings in the published event),
    another that fits the open event but is not among its signed-up orgnrs, and :data:`OPEN_EVENT_BUYER`.

    ``open_event`` is the event as stored, as generated, and the orgnrs signed up for it now (a firm that
    signed up by hand on an earlier run is no longer offered).
    """

    def person(body: dict[str, Any] | None) -> Person | None:
        return Person(body["name"], body["contacts"][0]["email"]) if body and body["contacts"] else None

    met = firm_with_meetings(sample, met_orgnrs)
    run = FirstRun(published=published, open=None, accounts=accounts, met_firm=person(met))
    if open_event is not None:
        stored, generated, signed_up = open_event
        besides = signed_up | ({met["orgnr"]} if met else set())
        buyer = next((b for b in sample.buyers if b["name"] == OPEN_EVENT_BUYER), None)
        run.open = stored
        run.new_firm = person(firm_to_sign_up(sample, generated, besides))
        run.buyer = Person(buyer["name"], buyer_account_email(buyer["orgnr"])) if buyer else None
    return run


def pages_summary(web_url: str, run: FirstRun) -> str:
    """Where people start: both events' organiser pages, and how each kind of user signs in.

    Examples
    --------
    >>> accounts = SampleAccounts("arrangor@exempel.se", "pw", None, None, "bpw", None, None)
    >>> run = FirstRun(SampleEvent("e1", "Dalarna"), None, accounts, met_firm=Person("Städ AB", "a@x.example.com"))
    >>> print(pages_summary("http://w", run))
    <BLANKLINE>
    Arrangörens sida / organiser page: http://w/arrangor/evenemang/e1  (Dalarna, publicerad / published)
    Statistik över träffarna / statistics across events: http://w/arrangor/statistik
      Logga in / sign in: arrangor@exempel.se  lösenord / password: pw
    Företag med möten i / firm with meetings in Dalarna: Städ AB  http://w/logga-in/lank  a@x.example.com
      (inloggningslänken visas på sidan / the sign-in link is shown on the page)
    """
    accounts = run.accounts
    lines = [
        "",
        f"Arrangörens sida / organiser page: {web_url}/arrangor/evenemang/{run.published.id}  "
        f"({run.published.name}, publicerad / published)",
    ]
    open_now = run.open is not None and run.open.status == "open"
    if run.open:
        label = "Öppen för anmälan / open for sign-up"
        if not open_now:  # scheduled by hand since (README.md, step 4): say so, offer no sign-up
            label = f"Andra träffen / second event ({run.open.status})"
        lines.append(f"{label}: {web_url}/arrangor/evenemang/{run.open.id}  ({run.open.name})")
    lines += [
        f"Statistik över träffarna / statistics across events: {web_url}/arrangor/statistik",
        f"  Logga in / sign in: {accounts.organiser_email}  lösenord / password: {accounts.organiser_password}",
    ]
    buyer = run.buyer or (Person(accounts.buyer_name or "", accounts.buyer_email) if accounts.buyer_email else None)
    if buyer:
        lines.append(
            f"Köpare / buyer ({buyer.name}): {web_url}/logga-in  {buyer.email}  "
            f"lösenord / password: {accounts.buyer_password}"
        )
    firms = [(run.met_firm, f"Företag med möten i / firm with meetings in {run.published.name}")]
    if run.open and open_now:
        firms.append((run.new_firm, f"Företag som kan anmäla sig till / firm that can sign up for {run.open.name}"))
    for firm, label in firms:
        if firm:
            lines.append(f"{label}: {firm.name}  {web_url}/logga-in/lank  {firm.email}")
    if any(firm for firm, _ in firms):
        lines.append("  (inloggningslänken visas på sidan / the sign-in link is shown on the page)")
    return "\n".join(lines)


async def registry_facts(
    registry_url: str, token: str, met_ids: set[str], open_event_id: str | None
) -> tuple[set[str], set[str]]:
    """The orgnrs of the firms ``met_ids`` and of the organisations signed up (active) for the open event."""
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        registry = RegistryClient(session, registry_url, token)
        orgnrs = {str(org["id"]): org.get("orgnr") for org in await registry.every("/organisations")}
        signed_up = (
            await registry.every(f"/events/{open_event_id}/registrations", {"status": "active"})
            if open_event_id
            else []
        )
    met = {orgnrs[sme] for sme in met_ids if orgnrs.get(sme)}
    return met, {orgnrs[str(r["organisation_id"])] for r in signed_up if orgnrs.get(str(r["organisation_id"]))}

"""The sample's open event: "Affärsträff Mora" months ahead, open for sign-up, for a newcomer to try.

The main sample event (:mod:`deploy.sample_data`) is scheduled and published by ``python3 dev.py up``, so
its sign-up is closed. This one stays open: upper Dalarna's buyers have signed up with needs of theirs
from the sample, and a few firms have signed up, so that a newcomer can sign a firm up, add a buyer's
need and then, as the organiser, close sign-up, schedule, review, publish and print (README.md,
"Prova så här").

Its day is in the future whatever the date: a Wednesday in September, a year later each time the
sign-up deadline would be less than :data:`SIGNUP_LEAD` away, because the registry opens no event whose
date or deadline has passed. The data is pure and seeded (:func:`generate_open_event`), like the past
event's (:mod:`deploy.past_event`), and loading it (:func:`load_open_event`) is idempotent by name.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field
from typing import Any

import aiohttp

from deploy.load_sample import RegistryClient, _bounded, _load_organisations, registration_body
from deploy.sample_data import SampleData, fictional_contact, needs_fit

TOWN = "Mora"
MORA = "2062"
# Upper Dalarna's public buyers: Mora and its neighbours, with the region.
BUYERS = (
    "Mora kommun", "Orsa kommun", "Älvdalens kommun", "Rättviks kommun", "Leksands kommun",
    "Malung-Sälens kommun", "Vansbro kommun", "Region Dalarna",
)  # fmt: skip
FIRST_CHOICE = dt.date(2027, 9, 22)  # a Wednesday
DEADLINE_BEFORE = dt.timedelta(days=14)
SIGNUP_LEAD = dt.timedelta(days=14)  # at least this long left to sign up
SIGNED_UP_SMES = 6
SPARE_TABLES = 2  # room for a buyer who signs up late


def open_event_date(today: dt.date) -> dt.date:
    """The open event's day: :data:`FIRST_CHOICE`, 52 weeks later until sign-up has a fortnight left.

    Examples
    --------
    >>> open_event_date(dt.date(2026, 12, 4)), open_event_date(dt.date(2027, 8, 30))
    (datetime.date(2027, 9, 22), datetime.date(2028, 9, 20))
    """
    day = FIRST_CHOICE
    while day - DEADLINE_BEFORE < today + SIGNUP_LEAD:
        day += dt.timedelta(weeks=52)
    return day


def event_name(day: dt.date) -> str:
    return f"Affärsträff {TOWN} {day.year}"


@dataclass
class OpenEvent:
    """The open event as API bodies, linked by orgnr and need reference like :class:`SampleData`."""

    day: dt.date
    event: dict[str, Any]
    registrations: list[dict[str, Any]] = field(default_factory=list)

    @property
    def brought_needs(self) -> set[str]:
        return {ref for r in self.registrations if r["kind"] == "buyer" for ref in r["body"]["brought_needs"]}

    @property
    def signed_up(self) -> set[str]:
        return {r["orgnr"] for r in self.registrations}


def generate_open_event(sample: SampleData, today: dt.date, seed: int = 2062) -> OpenEvent:
    """Upper Dalarna's buyers with their sample needs, and a few of the firms those needs fit.

    Examples
    --------
    >>> from deploy.sample_data import generate_sample
    >>> open_event = generate_open_event(generate_sample(), dt.date(2026, 12, 4))
    >>> open_event.event["name"], open_event.event["event_date"], open_event.event["signup_deadline"]
    ('Affärsträff Mora 2027', '2027-09-22', '2027-09-08T23:59:00+02:00')
    >>> generate_open_event(generate_sample(), dt.date(2026, 12, 4)) == open_event
    True
    """
    rng = random.Random(seed)  # noqa: S311 - sample data, not security
    day = open_event_date(today)
    result = OpenEvent(day=day, event={})
    brought: list[dict[str, Any]] = []
    for buyer in (b for b in sample.buyers if b["name"] in BUYERS):
        needs = [n for n in sample.needs if n["buyer_orgnr"] == buyer["orgnr"]]
        brought.extend(needs)
        rep = fictional_contact(rng, "sample")
        result.registrations.append(
            {
                "orgnr": buyer["orgnr"],
                "kind": "buyer",
                "body": {
                    "tables": 1, "representatives": [{"name": rep["name"], "title": rep["title"]}],
                    "available_slots": None, "brought_needs": [n["reference"] for n in needs], "wanted_smes": [],
                    "languages": ["sv"], "note": "",
                },
            }
        )  # fmt: skip
    fitting = [sme for sme in sample.smes if any(needs_fit(sme, need) for need in brought)]
    for sme in rng.sample(fitting, k=min(SIGNED_UP_SMES, len(fitting))):
        wanted = [n["reference"] for n in brought if needs_fit(sme, n)]
        result.registrations.append(
            {
                "orgnr": sme["orgnr"],
                "kind": "sme",
                "body": {
                    "available_slots": None, "max_meetings": rng.randint(3, 5), "languages": sme["languages"],
                    "wanted_needs": rng.sample(wanted, k=min(len(wanted), 3)), "note": "",
                },
            }
        )  # fmt: skip
    buyers = sum(r["kind"] == "buyer" for r in result.registrations)
    result.event = {
        "name": event_name(day),
        "description": "Möt Mora, grannkommunerna i norra Dalarna och Region Dalarna om kommande upphandlingar.",
        "event_date": day.isoformat(), "venue": "Mora Parken, Mora", "municipality_code": MORA,
        "time_zone": "Europe/Stockholm", "day_start": "09:00", "day_end": "15:00", "meeting_minutes": 20,
        "changeover_minutes": 5, "breaks": [{"start": "12:00", "end": "13:00", "label": "Lunch"}],
        "tables": buyers + SPARE_TABLES,
        "signup_deadline": f"{(day - DEADLINE_BEFORE).isoformat()}T23:59:00+02:00",
        "default_meetings_per_sme": 3, "max_meetings_per_sme": 6,
    }  # fmt: skip
    return result


def firm_with_meetings(sample: SampleData, met: set[str]) -> dict[str, Any] | None:
    """The first sample firm (its ``POST /organisations`` body) among the orgnrs ``met`` that have meetings."""
    return next((sme for sme in sample.smes if sme["orgnr"] in met), None)


def firm_to_sign_up(
    sample: SampleData, open_event: OpenEvent, besides: set[str] = frozenset()
) -> dict[str, Any] | None:
    """A sample firm not signed up for the open event whose trade fits needs brought there (not in ``besides``).

    Examples
    --------
    >>> from deploy.sample_data import generate_sample
    >>> sample = generate_sample()
    >>> open_event = generate_open_event(sample, dt.date(2026, 12, 4))
    >>> firm_to_sign_up(sample, open_event)["orgnr"] in open_event.signed_up
    False
    """
    brought = [need for need in sample.needs if need["reference"] in open_event.brought_needs]
    return next(
        (
            sme
            for sme in sample.smes
            if sme["orgnr"] not in open_event.signed_up | besides and any(needs_fit(sme, need) for need in brought)
        ),
        None,
    )


@dataclass
class OpenSummary:
    event_id: str
    name: str
    day: dt.date
    deadline: str
    already_loaded: bool = False
    status: str = "open"
    registrations: int = 0

    def describe(self) -> str:
        """One line for people (Swedish first)."""
        if self.already_loaded:
            return f"Öppen träff fanns redan / open event already loaded: {self.name} {self.day}"
        return (
            f"Öppen träff / open event: {self.name} {self.day}, {self.registrations} anmälningar, "
            f"sista anmälningsdag / sign-up deadline {self.deadline[:10]}"
        )


async def load_open_event(
    registry_url: str, organiser_token: str, *, sample: SampleData, today: dt.date
) -> OpenSummary:
    """Create and open the event and sign its participants up (the sample's organisations and needs must be
    loaded, :func:`deploy.load_sample.load_sample`); skip it if an event of its name is already open."""
    open_event = generate_open_event(sample, today)
    name, deadline = open_event.event["name"], open_event.event["signup_deadline"]
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=60)) as session:
        registry = RegistryClient(session, registry_url, organiser_token)
        existing = [e for e in await registry.every("/events") if e["name"] == name]
        if existing and existing[0]["status"] != "draft":
            day = dt.date.fromisoformat(existing[0]["event_date"])
            found = existing[0]
            return OpenSummary(found["id"], name, day, found["signup_deadline"], True, status=found["status"])
        org_ids, _ = await _load_organisations(registry, [*sample.buyers, *sample.smes])
        buyers = {org_ids[r["orgnr"]] for r in open_event.registrations if r["kind"] == "buyer"}
        needs = await _bounded([lambda b=b: registry.every("/needs", {"buyer_id": b}) for b in sorted(buyers)])
        need_ids = {n["reference"]: n["id"] for found in needs for n in found if n.get("reference")}
        if existing:  # an earlier load stopped before opening the event: go on with it
            event_id = existing[0]["id"]
        else:
            key = f"sample-open-event-{open_event.day}"
            event_id = (await registry.expect("POST", "/events", open_event.event, key=key))["id"]
        await registry.expect("POST", f"/events/{event_id}/transitions", {"to": "open", "reason": "Exempeldata"})
        await _bounded(
            [
                lambda entry=entry: registry.expect(
                    "POST",
                    f"/events/{event_id}/registrations",
                    registration_body(entry, org_ids, need_ids),
                    key=f"sample-registration-{event_id}-{entry['orgnr']}",
                    ok=(200, 201, 409),  # 409: signed up by an earlier, interrupted load
                )
                for entry in open_event.registrations
            ]
        )
    return OpenSummary(event_id, name, open_event.day, deadline, registrations=len(open_event.registrations))

"""Realistic, fictional sample data for Dalarna: buyers, their upcoming needs, SMEs and one event.

Pure and seeded: :func:`generate_sample` does no I/O and gives the same data for the same seed. Values
are shaped like the registry's API bodies (``POST /organisations``, ``/needs``, ``/events``,
``/events/{id}/registrations``) so that :mod:`deploy.load_sample` can send them as they are; links
between records use organisation numbers and need references instead of ids (those exist only once
stored).

Buyers carry the real names of Dalarna's public bodies, but **every organisation number, person,
e-mail address and phone number is fictional**: numbers come from :func:`orgnr_from_serial`, e-mail
addresses use ``example.com`` subdomains (RFC 2606) and phones Post- och telestyrelsen's range for
fiction (070-1740xxx).
"""

from __future__ import annotations

import random
import unicodedata
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from deploy.sample_catalogue import (
    BUYER_NAMES,
    CERTIFICATES,
    FALUN,
    FIRST_NAMES,
    LAST_NAMES,
    OTHER_BUYERS,
    SIZE_WORDS,
    TITLES,
    TRADES,
    UNMATCHED_TRADES,
)
from services.registry.slots import slot_grid
from shared.reference.municipalities import dalarna_municipalities, get_municipality
from shared.reference.orgnr import orgnr_from_serial

FIRST_EVENT_DATE = date(2027, 4, 21)
SIGNUP_DAYS = 14  # the sample's sign-up closes a fortnight before its day
SIGNUP_LEAD = timedelta(days=7)  # and must still be that far ahead when the sample is made


def sample_event_date(today: date) -> date:
    """The sample event's day: 21 April 2027, or 52 weeks on (same weekday) until sign-up is still open.

    The registry refuses an event whose deadline has passed, so a fixed date would break a fresh
    clone's ``up`` (and every test that posts the sample event) once April 2027 has gone by.

    Examples
    --------
    >>> sample_event_date(date(2026, 12, 4)), sample_event_date(date(2027, 4, 1))
    (datetime.date(2027, 4, 21), datetime.date(2028, 4, 19))
    """
    day = FIRST_EVENT_DATE
    while day - timedelta(days=SIGNUP_DAYS) < today + SIGNUP_LEAD:
        day += timedelta(weeks=52)
    return day


# The machine's date when the sample is made (sample data, not a service: the services' clock is theirs).
EVENT_DATE = sample_event_date(date.today())
EVENT_NAME = f"Affärsträff Dalarna {EVENT_DATE.year}"


@dataclass
class SampleData:
    """Sample records as API bodies. Links: ``buyer_orgnr``/``orgnr`` and need ``reference``."""

    buyers: list[dict[str, Any]] = field(default_factory=list)  # POST /organisations bodies
    smes: list[dict[str, Any]] = field(default_factory=list)  # POST /organisations bodies
    needs: list[dict[str, Any]] = field(default_factory=list)  # POST /needs bodies + buyer_orgnr, no buyer_id
    event: dict[str, Any] = field(default_factory=dict)  # POST /events body
    # {"orgnr", "kind", "body"}: body as POST /events/{id}/registrations but needs as references, SMEs as orgnrs.
    registrations: list[dict[str, Any]] = field(default_factory=list)
    pair_rules: list[dict[str, Any]] = field(default_factory=list)  # {"sme_orgnr", "buyer_orgnr", "rule", "reason"}


def ascii_slug(text: str) -> str:
    """Lower-case ASCII letters and digits of ``text`` joined by '-' (for fictional e-mail domains).

    Examples
    --------
    >>> ascii_slug("Älvdalens Städ & Söner AB")
    'alvdalens-stad-soner-ab'
    """
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    return "-".join("".join(c if c.isalnum() else " " for c in plain).split())


def fictional_phone(rng: random.Random) -> str:
    """A number in PTS's range for fiction (070-1740000–070-1740999)."""
    return f"070-1740{rng.randrange(1000):03d}"


def fictional_contact(rng: random.Random, domain: str, titles: list[str] = TITLES) -> dict[str, str]:
    first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
    return {
        "name": f"{first} {last}",
        "title": rng.choice(titles),
        "email": f"{ascii_slug(first)}.{ascii_slug(last)}@{domain}.example.com",
        "phone": fictional_phone(rng),
    }


def slot_count() -> int:
    """How many meeting rounds the sample event's day has (same grid as the registry)."""
    return len(slot_grid(EVENT_DATE, "Europe/Stockholm", "09:00", "16:00", 20, 5, [("12:00", "13:00")]))


def sme_profile(rng: random.Random, serial: int, municipality_code: str, matching: bool = True) -> dict[str, Any]:
    """One fictional SME as a ``POST /organisations`` body (also used for the bulk-import benchmark)."""
    trades = TRADES if matching else UNMATCHED_TRADES
    trade_key = rng.choice(sorted(trades))
    trade = trades[trade_key]
    town = get_municipality(municipality_code)
    prefix = rng.choice([town.name, f"{rng.choice(LAST_NAMES)}s", "Dala", "Siljans", "Kopparbergs"])
    name = f"{prefix} {rng.choice(trade['names'])} AB"
    band = rng.choices(["0", "1-9", "10-49", "50-249"], weights=[2, 10, 5, 1])[0]
    turnover = {"0": 600_000, "1-9": 4_000_000, "10-49": 30_000_000, "50-249": 150_000_000}[band]
    scope = rng.random()
    if scope < 0.15:
        served = {"whole_country": True, "counties": [], "municipalities": []}
    elif scope < 0.55:
        served = {"whole_country": False, "counties": ["20"], "municipalities": []}
    else:
        served = {"whole_country": False, "counties": [], "municipalities": [town.code, *town.neighbours]}
    domain = ascii_slug(name.removesuffix(" AB"))
    return {
        "kind": "sme",
        "orgnr": orgnr_from_serial(10_000 + serial),
        "name": name,
        "municipality_code": municipality_code,
        "cpv_codes": rng.sample(trade["cpv"], k=rng.randint(2, len(trade["cpv"]))),
        "description": f"{trade['text']} Vi finns i {town.name}, {SIZE_WORDS[band]}.",
        "keywords": rng.sample(trade["words"], k=min(3, len(trade["words"]))),
        "employees_band": band,
        "turnover_sek": int(turnover * rng.uniform(0.5, 1.5)) // 1000 * 1000,
        "areas_served": served,
        "certificates": ["F-skatt", *rng.sample(CERTIFICATES, k=rng.randint(0, 2))],
        "languages": rng.choice([["sv"], ["sv"], ["sv", "en"], ["sv", "fi"]]),
        "contacts": [fictional_contact(rng, domain, ["VD", "Ägare", "Säljansvarig", "Projektledare"])],
    }


def _procedure(value: int) -> str:
    # Rough 2027 levels: direct award below ~700 kSEK, EU threshold for services ~2.4 MSEK.
    return "direct_award" if value < 700_000 else "simplified" if value < 2_400_000 else "open"


def _needs_of(
    rng: random.Random,
    buyer: dict[str, Any],
    trades: list[str],
    prefix: str,
    tenders_from: date = EVENT_DATE + timedelta(days=10),  # 1 May 2027 for the first choice
    count: tuple[int, int] = (3, 6),
) -> list[dict[str, Any]]:
    templates = [need for trade in trades for need in TRADES[trade]["needs"]]
    chosen = rng.sample(templates, k=min(len(templates), rng.randint(*count)))
    municipalities = [m.code for m in dalarna_municipalities()]
    needs = []
    for number, (title, text, cpv_main, cpv_more, (low, high)) in enumerate(chosen, start=1):
        value = int(rng.uniform(low, high) * 1_000_000) // 10_000 * 10_000
        tender = tenders_from + timedelta(days=rng.randrange(240))
        start = tender + timedelta(days=rng.choice([90, 120, 150, 180]))
        where = buyer["municipality_code"] if buyer["buyer_category"] != "region" else rng.choice(municipalities)
        needs.append(
            {
                "buyer_orgnr": buyer["orgnr"],
                "title": title,
                "description": f"{text} {buyer['name']} planerar upphandling under {tender.year}.",
                "cpv_main": cpv_main,
                "cpv_additional": cpv_more,
                "estimated_value_sek": value,
                "planned_tender_date": tender.isoformat(),
                "contract_start": start.isoformat(),
                "contract_end": (start + timedelta(days=365 * rng.choice([1, 2, 3, 4]))).isoformat(),
                "procedure": _procedure(value),
                "lots": [],
                "delivery_municipality": where,
                "suitable_for_smes": True,
                "status": rng.choice(["planned", "planned", "published"]),
                "reference": f"{prefix}-{tenders_from.year}-{number:02d}",
                "contact": {k: v for k, v in buyer["contacts"][0].items() if k != "title"},
            }
        )
    return needs


def _buyers(rng: random.Random) -> list[tuple[dict[str, Any], list[str], str]]:
    trades = sorted(TRADES)
    result = []
    for town in dalarna_municipalities():
        name = BUYER_NAMES[town.name]
        result.append((name, "municipality", town.code, ascii_slug(town.name)[:4].upper(), rng.sample(trades, k=4)))
    result += [(n, c, seat, prefix, t) for n, c, seat, prefix, t in OTHER_BUYERS]
    buyers = []
    for serial, (name, category, seat, prefix, buyer_trades) in enumerate(result, start=1):
        domain = ascii_slug(name)
        body = {
            "kind": "buyer",
            "orgnr": orgnr_from_serial(serial, group=2),
            "name": name,
            "municipality_code": seat,
            "buyer_category": category,
            "cpv_codes": sorted({c for trade in buyer_trades for c in TRADES[trade]["cpv"][:1]}),
            "description": f"{name} köper varor och tjänster för {'hela länet' if seat == FALUN else 'kommunen'}.",
            "keywords": ["offentlig upphandling"],
            "areas_served": {"whole_country": False, "counties": ["20"], "municipalities": []},
            "languages": ["sv"],
            "contacts": [fictional_contact(rng, domain)],
        }
        buyers.append((body, buyer_trades, prefix))
    return buyers


def _event(tables: int) -> dict[str, Any]:
    return {
        "name": EVENT_NAME,
        "description": "Möt Dalarnas kommuner, Region Dalarna och Länsstyrelsen om kommande upphandlingar.",
        "event_date": EVENT_DATE.isoformat(),
        "venue": "Lugnet, Falun",
        "municipality_code": FALUN,
        "time_zone": "Europe/Stockholm",
        "day_start": "09:00",
        "day_end": "16:00",
        "meeting_minutes": 20,
        "changeover_minutes": 5,
        "breaks": [{"start": "12:00", "end": "13:00", "label": "Lunch"}],
        "tables": tables,
        "signup_deadline": f"{(EVENT_DATE - timedelta(days=SIGNUP_DAYS)).isoformat()}T23:59:00+02:00",
        "default_meetings_per_sme": 4,
        "max_meetings_per_sme": 8,
    }


def needs_fit(sme: dict[str, Any], need: dict[str, Any], depth: int = 3) -> bool:
    """Whether an SME's CPV codes share a prefix of ``depth`` digits with a need's codes.

    Examples
    --------
    >>> needs_fit({"cpv_codes": ["90910000"]}, {"cpv_main": "90919300", "cpv_additional": []})
    True
    """
    wanted = [need["cpv_main"], *need["cpv_additional"]]
    return any(a[:depth] == b[:depth] for a in sme["cpv_codes"] for b in wanted)


def generate_sample(seed: int = 2027, smes: int = 60) -> SampleData:
    """The sample data set for a seed: Dalarna's buyers with needs, ``smes`` firms and one event.

    Examples
    --------
    >>> sample = generate_sample(seed=1, smes=30)
    >>> len(sample.buyers), len(sample.smes), sample.event["name"] == EVENT_NAME
    (19, 30, True)
    >>> generate_sample(seed=1, smes=30) == sample
    True
    """
    rng = random.Random(seed)  # noqa: S311 - sample data, not security
    data = SampleData()
    for buyer, trades, prefix in _buyers(rng):
        data.buyers.append(buyer)
        data.needs.extend(_needs_of(rng, buyer, trades, prefix))
    municipalities = [m.code for m in dalarna_municipalities()]
    for serial in range(smes):
        matching = serial % 8 != 7  # one in eight sells what nobody in the sample buys
        data.smes.append(sme_profile(rng, serial, municipalities[serial % len(municipalities)], matching))

    rounds = slot_count()
    morning = list(range(rounds // 2))
    afternoon = list(range(rounds // 2, rounds))
    brought: list[dict[str, Any]] = []
    tables = 0
    for buyer in data.buyers:
        if rng.random() < 0.12:  # a few buyers stay away
            continue
        own = [need for need in data.needs if need["buyer_orgnr"] == buyer["orgnr"]]
        bring = own if rng.random() < 0.7 else own[: max(1, len(own) - 1)]
        brought.extend(bring)
        fitting = [sme for sme in data.smes if any(needs_fit(sme, need) for need in bring)]
        count = 2 if buyer["name"] in ("Falu kommun", "Borlänge kommun", "Region Dalarna") else 1
        tables += count
        reps = [fictional_contact(rng, "sample") for _ in range(count)]
        data.registrations.append(
            {
                "orgnr": buyer["orgnr"],
                "kind": "buyer",
                "body": {
                    "tables": count,
                    "representatives": [{"name": rep["name"], "title": rep["title"]} for rep in reps],
                    "available_slots": None if rng.random() < 0.8 else morning,
                    "brought_needs": [need["reference"] for need in bring],
                    "wanted_smes": [s["orgnr"] for s in rng.sample(fitting, k=min(len(fitting), rng.randint(0, 2)))],
                    "languages": ["sv"],
                    "note": "",
                },
            }
        )
    for sme in data.smes:
        if rng.random() < 0.15:
            continue
        fitting = [need["reference"] for need in brought if needs_fit(sme, need)]
        availability = rng.random()
        data.registrations.append(
            {
                "orgnr": sme["orgnr"],
                "kind": "sme",
                "body": {
                    "available_slots": None if availability < 0.75 else morning if availability < 0.88 else afternoon,
                    "max_meetings": rng.randint(3, 6),
                    "languages": sme["languages"],
                    "wanted_needs": rng.sample(fitting, k=min(len(fitting), 4)),  # in order of preference
                    "note": "",
                },
            }
        )
    data.event = _event(tables)
    registered = {r["orgnr"]: r["kind"] for r in data.registrations}
    present_smes = [s for s in data.smes if s["orgnr"] in registered]
    present_buyers = [b for b in data.buyers if b["orgnr"] in registered]
    if present_smes and len(present_buyers) >= 2:
        data.pair_rules.append(
            {
                "sme_orgnr": present_smes[0]["orgnr"],
                "buyer_orgnr": present_buyers[0]["orgnr"],
                "rule": "must_meet",
                "reason": "Nuvarande leverantör; avtalet löper ut före nästa upphandling.",
            }
        )
        data.pair_rules.append(
            {
                "sme_orgnr": present_smes[-1]["orgnr"],
                "buyer_orgnr": present_buyers[1]["orgnr"],
                "rule": "never",
                "reason": "Jäv: företagets ägare är anställd hos köparen.",
            }
        )
    return data

"""The sample's past event: "Affärsträff Borlänge" months ago, held, answered and followed by an award.

So that a newcomer's statistics page is filled, :func:`load_past_event` plays an earlier Affärsträff
through the services' own routes, as the people would have: the organiser signs up some of the sample's
buyers (with needs of their own, known by ``ocid``) and firms and publishes a schedule; on the day most
meetings are marked held and a few no-shows; that evening the feedback question goes out and most
participants answer by their agenda links; months later the follow-up round is answered the same way;
then one buyer's system sends an OCDS award release naming (``SE-BLV``) a firm that met it about the need,
imported through the registry, whose change feed carries it to the matcher.

The services run on the real time, so the loader moves their shared clock (``CLOCK_FILE``, see
:mod:`shared.clock`) to each of those moments through ``travel`` and back to the real time (``None``) at
the end, whatever happens. The evening's e-mails are written by the matcher's reminder scheduler, called
once at each moment through ``tick`` (its loop in the matcher would take up to 30 s to get there).

The event's data is pure and seeded (:func:`generate_past_event`); its date is a year before the main
sample's, or earlier so that it is always far enough in the past for the follow-up round to have closed.
"""

from __future__ import annotations

import copy
import datetime as dt
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp

import services.matcher.reminders  # noqa: F401 - first: it and feedback.plan import each other
from deploy.load_sample import RegistryClient, _bounded, _load_needs, registration_body
from deploy.sample_data import EVENT_DATE, SampleData, _buyers, _needs_of, fictional_contact, needs_fit
from deploy.schedule_sample import schedule_sample
from services.matcher.feedback.plan import FeedbackSettings, follow_up_times

PAST_EVENT_NAME = "Affärsträff Borlänge"
BORLANGE = "2081"
STOCKHOLM = ZoneInfo("Europe/Stockholm")
BUYERS = ("Borlänge kommun", "Falu kommun", "Region Dalarna", "Tunabyggen AB", "Gagnefs kommun", "Säters kommun")
# Far enough back that the follow-up round (6 months later, open 30 days) has closed by today.
MIN_AGE = dt.timedelta(weeks=32)
TENDER_AFTER, AWARD_AFTER = dt.timedelta(days=30), dt.timedelta(days=150)

Travel = Callable[[dt.datetime | None], None]  # the services' clock to that moment; None: the real time
Tick = Callable[[dt.datetime], Awaitable[None]]  # one reminder-scheduler round at that moment


def past_event_date(today: dt.date) -> dt.date:
    """The past event's day: 52 weeks before the main sample's (a Wednesday), a year earlier until old enough.

    Examples
    --------
    >>> past_event_date(dt.date(2026, 12, 4)), past_event_date(dt.date(2026, 10, 1))
    (datetime.date(2026, 4, 22), datetime.date(2025, 4, 23))
    """
    day = EVENT_DATE - dt.timedelta(weeks=52)
    while day > today - MIN_AGE:
        day -= dt.timedelta(weeks=52)
    return day


@dataclass
class PastEvent:
    """The past event's records as API bodies, linked by orgnr and need reference like :class:`SampleData`."""

    day: dt.date
    event: dict[str, Any]
    needs: list[dict[str, Any]] = field(default_factory=list)
    registrations: list[dict[str, Any]] = field(default_factory=list)
    seed: int = 0


def generate_past_event(sample: SampleData, today: dt.date, seed: int = 2026) -> PastEvent:
    """Some of the sample's buyers, needs of theirs with an ``ocid``, and the firms those needs fit.

    Examples
    --------
    >>> from deploy.sample_data import generate_sample
    >>> past = generate_past_event(generate_sample(), dt.date(2026, 12, 4))
    >>> past.event["name"], past.event["event_date"], sorted({n["ocid"][:12] for n in past.needs})
    ('Affärsträff Borlänge', '2026-04-22', ['ocds-sample-'])
    >>> generate_past_event(generate_sample(), dt.date(2026, 12, 4)) == past
    True
    """
    rng = random.Random(seed)  # noqa: S311 - sample data, not security
    day = past_event_date(today)
    trades = {body["orgnr"]: (found, prefix) for body, found, prefix in _buyers(random.Random(2027))}  # noqa: S311
    past = PastEvent(day=day, event={}, seed=seed)
    for buyer in (b for b in sample.buyers if b["name"] in BUYERS):
        found, prefix = trades[buyer["orgnr"]]
        needs = _needs_of(rng, buyer, found, prefix, tenders_from=day + dt.timedelta(days=20), count=(2, 3))
        for need in needs:
            need.update(status="published", ocid=f"ocds-sample-{need['reference'].lower()}")
        past.needs.extend(needs)
        rep = fictional_contact(rng, "sample")
        past.registrations.append(
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
    for sme in sample.smes:
        fitting = [n["reference"] for n in past.needs if needs_fit(sme, n)]
        if fitting and rng.random() < 0.8:
            past.registrations.append(
                {
                    "orgnr": sme["orgnr"],
                    "kind": "sme",
                    "body": {
                        "available_slots": None, "max_meetings": rng.randint(2, 4), "languages": sme["languages"],
                        "wanted_needs": rng.sample(fitting, k=min(len(fitting), 3)), "note": "",
                    },
                }
            )  # fmt: skip
    past.event = {
        "name": PAST_EVENT_NAME,
        "description": "Borlänge kommun och grannarna mötte företag om vårens och höstens upphandlingar.",
        "event_date": day.isoformat(), "venue": "Folkets hus, Borlänge", "municipality_code": BORLANGE,
        "time_zone": "Europe/Stockholm", "day_start": "09:00", "day_end": "12:00", "meeting_minutes": 20,
        "changeover_minutes": 5, "breaks": [], "tables": sum(r["kind"] == "buyer" for r in past.registrations),
        "signup_deadline": f"{(day - dt.timedelta(days=7)).isoformat()}T23:59:00+02:00",
        "default_meetings_per_sme": 3, "max_meetings_per_sme": 4,
    }  # fmt: skip
    return past


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), STOCKHOLM).astimezone(dt.UTC)


@dataclass
class PastSummary:
    event_id: str
    day: dt.date
    already_loaded: bool = False
    meetings: int = 0
    no_shows: int = 0
    answered: int = 0
    asked: int = 0
    follow_up_answered: int = 0
    award: str = ""
    award_need_id: str = ""  # the need awarded, and the firm named that met its buyer about it
    award_firm_id: str = ""
    seconds: float = 0.0

    def describe(self) -> str:
        """One line for people (Swedish first)."""
        if self.already_loaded:
            # An earlier run stopped half-way leaves it without answers: say so (remove var/pgdata to rebuild).
            return (
                f"Tidigare träff fanns redan / past event already loaded: {PAST_EVENT_NAME} {self.day}, "
                f"{self.answered} av {self.asked} svarade / answered"
            )
        return (
            f"Tidigare träff / past event: {PAST_EVENT_NAME} {self.day}: {self.meetings} möten, "
            f"{self.no_shows} uteblev, "
            f"{self.answered} av {self.asked} svarade på utvärderingen, {self.follow_up_answered} på uppföljningen; "
            f"tilldelning / award: {self.award} (spelad på / played in {self.seconds:.1f} s)"
        )


def award_release(need: dict[str, Any], buyer: dict[str, Any], firm: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """The buyer's OCDS award release for the need, naming the firm by its organisationsnummer (``SE-BLV``).

    Examples
    --------
    >>> release = award_release({"ocid": "ocds-x-1", "estimated_value_sek": 500_000},
    ...     {"orgnr": "212000-2081", "name": "Borlänge kommun"}, {"orgnr": "556000-0001", "name": "Städ AB"},
    ...     dt.date(2026, 9, 19))
    >>> release["tag"], release["awards"][0]["suppliers"][0]["id"], release["awards"][0]["value"]["amount"]
    (['award'], 'SE-BLV-5560000001', 500000)
    """
    buyer_party, firm_party = (f"SE-BLV-{org['orgnr'].replace('-', '')}" for org in (buyer, firm))
    return {
        "ocid": need["ocid"], "id": f"{need['ocid']}-award-1", "date": f"{day.isoformat()}T10:00:00+02:00",
        "tag": ["award"],
        "parties": [
            {"id": buyer_party, "name": buyer["name"], "identifier": {"scheme": "SE-BLV", "id": buyer["orgnr"]},
             "roles": ["buyer"]},
            {"id": firm_party, "name": firm["name"], "identifier": {"scheme": "SE-BLV", "id": firm["orgnr"]},
             "roles": ["supplier"]},
        ],
        "buyer": {"id": buyer_party, "name": buyer["name"]},
        "awards": [
            {"id": "award-1", "status": "active", "date": f"{day.isoformat()}T00:00:00+02:00",
             "value": {"amount": need["estimated_value_sek"], "currency": "SEK"},
             "suppliers": [{"id": firm_party, "name": firm["name"]}]},
        ],
    }  # fmt: skip


def tender_release(exported: dict[str, Any], day: dt.date) -> dict[str, Any]:
    """A need's release as the registry exports it, advertised as a tender on ``day`` and open four weeks.

    Examples
    --------
    >>> release = tender_release({"ocid": "ocds-x-1", "tag": ["planning"], "tender": {"status": "planned"}},
    ...                          dt.date(2026, 5, 22))
    >>> release["tag"], release["tender"]["status"], release["tender"]["tenderPeriod"]["endDate"][:10]
    (['tender'], 'active', '2026-06-19')
    """
    release = copy.deepcopy(exported)
    release.update(id=f"{release['ocid']}-tender-1", date=f"{day.isoformat()}T09:00:00+02:00", tag=["tender"])
    ends = day + dt.timedelta(weeks=4)
    period = {"startDate": f"{day.isoformat()}T00:00:00+02:00", "endDate": f"{ends.isoformat()}T23:59:59+02:00"}
    release["tender"] = {**release.get("tender", {}), "status": "active", "tenderPeriod": period}
    return release


RATINGS = ("will_follow_up", "will_bid_or_buy", "no_further_interest", "will_follow_up")
COMMENTS = ("Bra samtal, vi skickar referenser.", "Intressant, men för stort för oss i år.", "")


Answers = Callable[[dict[str, Any], dict[str, Any]], list[dict[str, Any]]]  # (link, its document) -> answers


async def _answer_by_links(
    matcher: RegistryClient, links: list[dict[str, Any]], route: str, every: int, credited: tuple, answers: Answers
) -> int:
    """Participants answer by their own links (one in ``every`` does not, the credited pair always); how many did."""
    answering = [link for n, link in enumerate(links) if n % every != every - 1 or link["organisation_id"] in credited]

    async def answer(link: dict[str, Any]) -> None:
        path = f"/a/{link['url'].rstrip('/').rsplit('/', 1)[-1]}/{route}"
        await matcher.expect("PUT", path, {"answers": answers(link, await matcher.expect("GET", path))})

    await _bounded([lambda link=link: answer(link) for link in answering])
    return len(answering)


def _ratings(rng: random.Random, absent: set, credited: tuple) -> Answers:
    """The evening's answers: a no-show did not take place, the credited meeting will lead to a bid."""

    def of(link: dict[str, Any], mine: dict[str, Any]) -> list[dict[str, Any]]:
        answers = []
        for m in mine["meetings"]:
            pair = (m["sme_id"], m["buyer_id"])
            rating = "did_not_take_place" if pair in absent else "will_bid_or_buy" if pair == credited else None
            answers.append({"counterpart_id": m["counterpart_id"], "rating": rating or rng.choice(RATINGS),
                            "comment": rng.choice(COMMENTS)})  # fmt: skip
        return answers

    return of


def _follow_ups(rng: random.Random, credited: tuple, need_id: str) -> Answers:
    """Months later: firms say whether they bid and won (the credited firm did), buyers how each need was bought."""

    def of(link: dict[str, Any], mine: dict[str, Any]) -> list[dict[str, Any]]:
        answers = []
        for need in mine["needs"]:
            won = need["need_id"] == need_id and link["organisation_id"] == credited[0]
            if mine["side"] == "sme":
                bid = "yes" if won else rng.choice(("yes", "no", "no", "unknown"))
                awarded = "yes" if won else "no" if bid == "yes" else "pending"
                answers.append({"need_id": need["need_id"], "bid": bid, "awarded": awarded})
            else:
                procured = "tender" if need["need_id"] == need_id else rng.choice(("tender", "direct_award", "not_yet"))
                answers.append({"need_id": need["need_id"], "procured": procured})
        return answers

    return of


async def load_past_event(
    registry_url: str,
    matcher_url: str,
    organiser_token: str,
    *,
    sample: SampleData,
    travel: Travel,
    tick: Tick,
    today: dt.date | None = None,
) -> PastSummary:
    """Play the past event through the services (see the module); skip it if an earlier run did."""
    started = time.perf_counter()
    past = generate_past_event(sample, today or dt.date.today())
    rng = random.Random(past.seed)  # noqa: S311 - sample data, not security
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=120)) as session:
        registry = RegistryClient(session, registry_url, organiser_token)
        matcher = RegistryClient(session, matcher_url, organiser_token)
        existing = [e for e in await registry.every("/events") if e["name"] == PAST_EVENT_NAME]
        if existing:
            found = existing[0]
            status, feedback = await matcher.call("GET", f"/events/{found['id']}/feedback")
            asked, answered = (feedback["asked"], feedback["answered"]) if status == 200 else (0, 0)
            day = dt.date.fromisoformat(found["event_date"])
            return PastSummary(found["id"], day, already_loaded=True, asked=asked, answered=answered)
        orgs = {org["orgnr"]: org for org in await registry.every("/organisations") if org.get("orgnr")}
        org_ids = {orgnr: org["id"] for orgnr, org in orgs.items()}
        try:
            travel(local(past.day - dt.timedelta(days=30), 10))  # a month before: sign-up
            need_ids, _ = await _load_needs(registry, past.needs, org_ids)
            event_id = (await registry.expect("POST", "/events", past.event, key=f"sample-past-{past.day}"))["id"]
            await registry.expect("POST", f"/events/{event_id}/transitions", {"to": "open", "reason": "Exempeldata"})
            await _bounded(
                [
                    lambda entry=entry: registry.expect(
                        "POST", f"/events/{event_id}/registrations", registration_body(entry, org_ids, need_ids)
                    )
                    for entry in past.registrations
                ]
            )
            scheduled = await schedule_sample(registry_url, matcher_url, organiser_token, event_id)
            meetings = scheduled.version["meetings"]
            pairs = [(m["sme_id"], m["buyer_id"]) for m in meetings]
            absent = {pair for pair in pairs if rng.random() < 0.08}
            credited = next(p for p, m in zip(pairs, meetings, strict=True) if m["need_id"] and p not in absent)
            travel(local(past.day, 12, 30))  # the day, after the last meeting: marks
            marks = {pair: "no_show_sme" if pair in absent else "held" for pair in pairs}
            path = f"/events/{event_id}/meetings/{{}}/{{}}/status"
            await _bounded(
                [lambda p=p, m=m: matcher.expect("PUT", path.format(*p), {"status": m}) for p, m in marks.items()]
            )
            evening = local(past.day, 18, 5)
            travel(evening)
            await tick(evening)
            await _answer_by_links(matcher, scheduled.links, "feedback", 6, credited, _ratings(rng, absent, credited))
            later = follow_up_times(past.day, past.event["time_zone"], FeedbackSettings()).opens_at
            travel(later + dt.timedelta(hours=1))
            await tick(later + dt.timedelta(hours=1))
            need_id = next(m["need_id"] for p, m in zip(pairs, meetings, strict=True) if p == credited)
            answers = _follow_ups(rng, credited, need_id)
            followed = await _answer_by_links(matcher, scheduled.links, "follow-up", 4, credited, answers)
            feedback = await matcher.expect("GET", f"/events/{event_id}/feedback")
        finally:
            travel(None)
        need = next(n for n in past.needs if need_ids[n["reference"]] == need_id)
        by_id = {org["id"]: org for org in orgs.values()}
        buyer, firm = by_id[credited[1]], by_id[credited[0]]
        # The buyers' systems advertise the tenders of three needs discussed, then award the credited one.
        discussed = [need_id, *dict.fromkeys(m["need_id"] for m in meetings if m["need_id"] not in (None, need_id))]
        exported = {r["ocid"]: r for r in (await registry.expect("GET", "/needs/export/ocds"))["releases"]}
        ocids = {need_ids[n["reference"]]: n["ocid"] for n in past.needs}
        releases = [tender_release(exported[ocids[n]], past.day + TENDER_AFTER) for n in discussed[:3]]
        releases.append(award_release(need, buyer, firm, past.day + AWARD_AFTER))
        package = {"uri": "https://example.org/sample-releases.json", "version": "1.1", "releases": releases}
        await registry.expect("POST", "/needs/import/ocds", package)
    return PastSummary(
        event_id, past.day, meetings=len(meetings), no_shows=len(absent), answered=feedback["answered"],
        asked=feedback["asked"], follow_up_answered=followed, award=f"{need['title']} → {firm['name']}",
        award_need_id=need_id, award_firm_id=credited[0], seconds=time.perf_counter() - started,
    )  # fmt: skip

"""A need's procurement as its OCDS releases tell it: tender, awards, contracts, and the stage (pure, no I/O).

The need's own fields come from planning and tender releases (:mod:`services.registry.ocds`); this module
reads what happens next. Each release gives :class:`ReleaseFacts`; :func:`merge` folds them into the stored
:class:`ProcurementState`, piece by piece (the tender, each award by its id, each contract by its id), and a
piece is replaced only by a release at least as new as the one it came from. :func:`stage_of` names where
the procurement stands:

==============  ==============================================================  ===============
stage           when                                                            on the pages
==============  ==============================================================  ===============
planned         nothing below (the need's default)                              Planerad
tender          ``tender.status`` active or complete, or a release tagged        Annonserad
                tender/tenderUpdate with a ``tenderPeriod``
awarded         an award with status active or pending                          Tilldelad
contract        a contract with status active (or terminated: it was signed)    Avtal tecknat
cancelled       ``tender.status`` cancelled or withdrawn                        Avbruten
unsuccessful    ``tender.status`` unsuccessful                                  Avbruten (utan tilldelning)
==============  ==============================================================  ===============

A release older than the one that last set the stage never moves it back (:func:`next_stage`).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

from .ocds import OcdsInvalid
from .ocds_reader import ReleaseReader, buyer_orgnr, find_buyer, party_orgnr

Stage = Literal["planned", "tender", "awarded", "contract", "cancelled", "unsuccessful"]
STAGES: tuple[Stage, ...] = ("planned", "tender", "awarded", "contract", "cancelled", "unsuccessful")
# How far along a stage is; an older release may not lower it. The ends (contract, cancelled,
# unsuccessful) rank alike: none of them is "further" than the others.
STAGE_RANK: dict[str, int] = {"planned": 0, "tender": 1, "awarded": 2, "contract": 3, "cancelled": 3, "unsuccessful": 3}
LIFECYCLE_TAGS = frozenset({"award", "awardUpdate", "contract", "contractUpdate"})
TENDER_TAGS = frozenset({"tender", "tenderUpdate"})
TENDER_STATUSES = frozenset({"planning", "planned", "active", "cancelled", "unsuccessful", "complete", "withdrawn"})
AWARD_STATUSES = frozenset({"pending", "active", "cancelled", "unsuccessful"})
CONTRACT_STATUSES = frozenset({"pending", "active", "cancelled", "terminated"})
NEVER = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class Supplier:
    orgnr: str | None  # None: the supplier has no SE-BLV identifier (e.g. a foreign firm)
    name: str | None


@dataclass(frozen=True)
class Award:
    id: str
    status: str
    date: datetime | None = None
    value_sek: int | None = None
    suppliers: tuple[Supplier, ...] = ()
    release_date: datetime = NEVER


@dataclass(frozen=True)
class Contract:
    id: str
    status: str
    award_id: str | None = None
    period_start: datetime | None = None
    period_end: datetime | None = None
    value_sek: int | None = None
    date_signed: datetime | None = None
    release_date: datetime = NEVER


@dataclass(frozen=True)
class Tender:
    status: str | None = None
    published: bool = False
    start: datetime | None = None
    end: datetime | None = None


@dataclass(frozen=True)
class ReleaseFacts:
    """What one release says about the procurement (``tender`` None: it says nothing about the tender)."""

    pointer: str
    ocid: str
    date: datetime
    tender: Tender | None = None
    awards: tuple[Award, ...] = ()
    contracts: tuple[Contract, ...] = ()


@dataclass(frozen=True)
class ProcurementState:
    """What is stored about a need's procurement (empty: a planned need nothing has been heard of)."""

    stage: str = "planned"
    stage_date: datetime = NEVER
    tender: Tender = field(default_factory=Tender)
    tender_date: datetime | None = None
    awards: Mapping[str, Award] = field(default_factory=dict)
    contracts: Mapping[str, Contract] = field(default_factory=dict)


def release_date(release: Mapping[str, Any]) -> datetime:
    """The release's ``date`` as an instant; a missing or unreadable one is older than every other.

    Examples
    --------
    >>> release_date({"date": "2026-05-01T10:00:00Z"}).isoformat(), release_date({}) is NEVER
    ('2026-05-01T10:00:00+00:00', True)
    """
    value = release.get("date")
    try:
        parsed = datetime.fromisoformat(value) if isinstance(value, str) else NEVER
    except ValueError:
        return NEVER
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _status(r: ReleaseReader, obj: Mapping[str, Any], where: str, allowed: frozenset[str], default: str) -> str:
    status = obj.get("status")
    if status is None:
        return default
    if status not in allowed:
        r.error(f"{where}/status", "unsupported_status", f"One of {', '.join(sorted(allowed))}.")
        return default
    return status


def _object_id(r: ReleaseReader, obj: Mapping[str, Any], where: str) -> str:
    value = obj.get("id")
    if isinstance(value, bool) or not isinstance(value, str | int) or not str(value).strip():
        r.error(f"{where}/id", "missing", "Every award and contract needs an id.")
        return ""
    return str(value)


def _suppliers(r: ReleaseReader, release: Mapping[str, Any], award: Mapping[str, Any], where: str) -> tuple:
    """The award's suppliers with their org.nr, read from the party each reference names."""
    parties = {p.get("id"): (k, p) for k, p in enumerate(r.arr(release, "parties", "")) if isinstance(p, dict)}
    found = []
    for k, reference in enumerate(r.arr(award, "suppliers", where)):
        if not isinstance(reference, dict):
            r.error(f"{where}/suppliers/{k}", "type", "Expected an object.")
            continue
        # OCDS 1.1 puts the identifier on the party; 1.0 publishers put it on the reference itself.
        index, party = parties.get(reference.get("id"), (None, None))
        source, base = (party, f"/parties/{index}") if party is not None else (reference, f"{where}/suppliers/{k}")
        orgnr, _ = party_orgnr(r, source, base)
        name = reference.get("name") or (party or {}).get("name")
        found.append(Supplier(orgnr=orgnr or None, name=name if isinstance(name, str) else None))
    return tuple(found)


def release_facts(release: Mapping[str, Any], pointer: str = "") -> ReleaseFacts:
    """What a release says about its procurement; :class:`OcdsInvalid` with pointers when it cannot be read.

    Examples
    --------
    >>> facts = release_facts(EXAMPLE_AWARD_RELEASE)
    >>> [(a.id, a.status, a.value_sek, a.suppliers[0].orgnr) for a in facts.awards]
    [('award-1', 'active', 1150000, '556036-0793')]
    >>> facts.tender is None
    True
    """
    r = ReleaseReader(pointer)
    tags = set(release.get("tag") or []) if isinstance(release.get("tag"), list) else set()
    tender_obj = r.obj(release, "tender", "")
    tender = None
    if tender_obj.get("status") is not None or tender_obj.get("tenderPeriod") is not None:
        status = tender_obj.get("status")
        if status is not None and status not in TENDER_STATUSES:
            r.error("/tender/status", "unsupported_status", f"One of {', '.join(sorted(TENDER_STATUSES))}.")
            status = None
        period = r.obj(tender_obj, "tenderPeriod", "/tender")
        start = r.instant(period, "startDate", "/tender/tenderPeriod")
        end = r.instant(period, "endDate", "/tender/tenderPeriod")
        if start and end and end < start:
            r.error("/tender/tenderPeriod/endDate", "value_error", "The tender period ends before it starts.")
        published = status in ("active", "complete") or (bool(tags & TENDER_TAGS) and bool(period))
        tender = Tender(status=status, published=published, start=start, end=end)
    date = release_date(release)
    awards: list[Award] = []
    for i, award in enumerate(r.arr(release, "awards", "")):
        where = f"/awards/{i}"
        if not isinstance(award, dict):
            r.error(where, "type", "Expected an object.")
            continue
        awards.append(
            Award(
                id=_object_id(r, award, where),
                status=_status(r, award, where, AWARD_STATUSES, "pending"),
                date=r.instant(award, "date", where),
                value_sek=r.amount(r.obj(award, "value", where), f"{where}/value"),
                suppliers=_suppliers(r, release, award, where),
                release_date=date,
            )
        )
    contracts: list[Contract] = []
    for i, contract in enumerate(r.arr(release, "contracts", "")):
        where = f"/contracts/{i}"
        if not isinstance(contract, dict):
            r.error(where, "type", "Expected an object.")
            continue
        period = r.obj(contract, "period", where)
        award_id = contract.get("awardID")
        contracts.append(
            Contract(
                id=_object_id(r, contract, where),
                status=_status(r, contract, where, CONTRACT_STATUSES, "pending"),
                award_id=None if award_id is None else str(award_id),
                period_start=r.instant(period, "startDate", f"{where}/period"),
                period_end=r.instant(period, "endDate", f"{where}/period"),
                value_sek=r.amount(r.obj(contract, "value", where), f"{where}/value"),
                date_signed=r.instant(contract, "dateSigned", where),
                release_date=date,
            )
        )
    named: tuple[tuple[str, Sequence[Award | Contract]], ...] = (("awards", awards), ("contracts", contracts))
    for name, items in named:
        seen: set[str] = set()
        for i, item in enumerate(items):
            if item.id and item.id in seen:
                r.error(f"/{name}/{i}/id", "duplicate", "This id is used twice in the release.")
            seen.add(item.id)
    if r.errors:
        raise OcdsInvalid(r.errors)
    ocid = release.get("ocid")
    ocid = ocid if isinstance(ocid, str) else ""
    return ReleaseFacts(pointer, ocid, date, tender, tuple(awards), tuple(contracts))


def release_identity(release: Mapping[str, Any], pointer: str = "") -> tuple[str, str, str]:
    """The ocid, the buyer's org.nr and its pointer of a release that carries no need fields (award, contract).

    Examples
    --------
    >>> release_identity(EXAMPLE_AWARD_RELEASE, "/releases/1")
    ('ocds-example-falun-2026-001', '212000-2080', '/releases/1/parties/0/identifier/id')
    """
    r = ReleaseReader(pointer)
    ocid = release.get("ocid")
    if not isinstance(ocid, str) or not ocid.strip():
        r.error("/ocid", "missing", "Every release needs an ocid.")
        ocid = ""
    orgnr, where = "", "/buyer"
    buyer = find_buyer(r, release)
    if buyer is not None:
        orgnr, where = buyer_orgnr(r, buyer[1], f"/parties/{buyer[0]}")
    if r.errors:
        raise OcdsInvalid(r.errors)
    return ocid, orgnr, pointer + where


def stage_of(state: ProcurementState) -> Stage:
    """The stage the stored pieces add up to (see the module's table).

    Examples
    --------
    >>> stage_of(ProcurementState()), stage_of(ProcurementState(tender=Tender(status="active")))
    ('planned', 'tender')
    >>> stage_of(ProcurementState(awards={"a": Award("a", "cancelled")}, tender=Tender(status="unsuccessful")))
    'unsuccessful'
    """
    if any(c.status in ("active", "terminated") for c in state.contracts.values()):
        return "contract"
    if any(a.status in ("active", "pending") for a in state.awards.values()):
        return "awarded"
    if state.tender.status in ("cancelled", "withdrawn"):
        return "cancelled"
    if state.tender.status == "unsuccessful":
        return "unsuccessful"
    if state.tender.published or state.tender.status in ("active", "complete"):
        return "tender"
    return "planned"


def _newer(stored: datetime | None, incoming: datetime) -> bool:
    return stored is None or incoming >= stored


def merge(state: ProcurementState, facts: ReleaseFacts) -> ProcurementState:
    """Fold one release into the stored state; pieces from newer releases than the release stay as they are.

    Examples
    --------
    >>> new = merge(ProcurementState(), release_facts(EXAMPLE_AWARD_RELEASE))
    >>> new.stage, merge(new, release_facts(EXAMPLE_AWARD_RELEASE)) == new
    ('awarded', True)
    """
    tender, tender_date = state.tender, state.tender_date
    if facts.tender is not None:
        # Once advertised, always advertised, whatever order the releases saying so arrive in.
        published = facts.tender.published or tender.published
        if _newer(tender_date, facts.date):
            tender, tender_date = dataclasses.replace(facts.tender, published=published), facts.date
        elif published != tender.published:
            tender = dataclasses.replace(tender, published=published)
    awards = dict(state.awards)
    for award in facts.awards:
        if award.id not in awards or _newer(awards[award.id].release_date, facts.date):
            awards[award.id] = award
    contracts = dict(state.contracts)
    for contract in facts.contracts:
        if contract.id not in contracts or _newer(contracts[contract.id].release_date, facts.date):
            contracts[contract.id] = contract
    merged = dataclasses.replace(state, tender=tender, tender_date=tender_date, awards=awards, contracts=contracts)
    stage, stage_date = next_stage(state.stage, state.stage_date, stage_of(merged), facts.date)
    return dataclasses.replace(merged, stage=stage, stage_date=stage_date)


def next_stage(current: str, current_date: datetime, proposed: str, release_at: datetime) -> tuple[str, datetime]:
    """The stage after a release: an older release than the one that set ``current`` may not lower it.

    Examples
    --------
    >>> old, new = datetime(2026, 1, 1, tzinfo=UTC), datetime(2026, 6, 1, tzinfo=UTC)
    >>> next_stage("awarded", new, "tender", old)[0], next_stage("awarded", old, "tender", new)[0]
    ('awarded', 'tender')
    """
    if proposed == current:
        return current, max(current_date, release_at)
    if release_at < current_date and STAGE_RANK[proposed] < STAGE_RANK[current]:
        return current, current_date
    return proposed, max(current_date, release_at)


EXAMPLE_AWARD_RELEASE: dict[str, Any] = {
    "ocid": "ocds-example-falun-2026-001",
    "id": "ocds-example-falun-2026-001-award-1",
    "date": "2026-06-10T10:00:00+02:00",
    "tag": ["award"],
    "parties": [
        {
            "id": "SE-BLV-2120002080",
            "name": "Falu kommun",
            "identifier": {"scheme": "SE-BLV", "id": "212000-2080"},
            "roles": ["buyer"],
        },
        {
            "id": "SE-BLV-5560360793",
            "name": "Snö & Is AB",
            "identifier": {"scheme": "SE-BLV", "id": "5560360793"},
            "roles": ["supplier"],
        },
    ],
    "buyer": {"id": "SE-BLV-2120002080", "name": "Falu kommun"},
    "awards": [
        {
            "id": "award-1",
            "status": "active",
            "date": "2026-06-09T00:00:00+02:00",
            "value": {"amount": 1150000, "currency": "SEK"},
            "suppliers": [{"id": "SE-BLV-5560360793", "name": "Snö & Is AB"}],
        }
    ],
}
"""An award release for :data:`services.registry.ocds.EXAMPLE_RELEASE`'s process, for docs and tests."""

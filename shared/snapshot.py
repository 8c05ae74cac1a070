"""The event snapshot: everything the matcher needs to score and schedule one event (schema version 1).

The registry serves it at ``GET /events/{event_id}/snapshot``, read in one repeatable-read
transaction so it is consistent; the matcher imports these models to parse it. Lists are in a
stable order (by id, slots by index, ranked needs by rank) so that the same data always gives the
same canonical bytes and therefore the same :attr:`EventSnapshot.content_hash`, which the registry
also sends as the ETag. The matcher can recompute the hash with :func:`content_hash` to check what
it received, and compare hashes to see whether anything changed since the last schedule run.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any, Final, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, SerializerFunctionWrapHandler, model_serializer

SCHEMA_VERSION: Final = 1  # Final: a type checker reads it as Literal[1], the field's type

# An event's minimum relevance for a meeting, in percent, unless its organiser sets another. On the sample
# event every pair with any CPV or text fit scores at least 0.27 (5th percentile 0.36) and 58 % of the
# allowed pairs score exactly 0 (no fit), so 20 % removes only pairs without a fit there; by construction
# (scoring's min_substance gate) a pair that scrapes through on a division-level CPV match alone scores
# about 0.10, which is not worth a buyer's table for 20 minutes. README "The matching engine" explains it.
DEFAULT_MIN_RELEVANCE_PERCENT = 20

# Excluded from the hash: when the snapshot was made, and the hash itself.
UNHASHED_FIELDS = frozenset({"generated_at", "content_hash"})


class _Contract(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class SnapshotSlot(_Contract):
    """One meeting round of the event's grid."""

    index: int = Field(ge=0, description="Position in the grid (0, 1, …); registrations' availability uses it")
    start: AwareDatetime = Field(description="When the meeting starts (UTC)")
    end: AwareDatetime = Field(description="When the meeting ends (UTC)")
    label: str = Field(description="Local wall-clock span in the event's time zone, e.g. '09:00–09:20'")


class SnapshotEvent(_Contract):
    """The event and its slot grid."""

    id: UUID = Field(description="Event id")
    name: str = Field(description="Event name")
    venue: str = Field(
        default="",
        description="Where the event is held, as the agendas print it ('' when not set; absent in snapshots "
        "stored before the venue was part of the snapshot)",
    )
    date: dt.date = Field(description="The day of the event (in its time zone)")
    time_zone: str = Field(description="IANA time zone of the event, e.g. Europe/Stockholm")
    status: Literal["draft", "open", "closed", "scheduled", "published"] = Field(description="Event status")
    tables: int = Field(ge=1, description="Number of meeting tables in the room")
    meeting_minutes: int = Field(description="Length of one meeting in minutes")
    default_meetings_per_sme: int = Field(description="Meetings an SME gets when its registration names no cap")
    max_meetings_per_sme: int = Field(description="Upper bound on any SME's meetings")
    min_relevance_percent: int = Field(
        default=DEFAULT_MIN_RELEVANCE_PERCENT,
        ge=0,
        le=100,
        description="Minimum relevance (0–100 %) of a pair for a meeting; no meeting is made under it unless "
        "the organiser locks it or marks the pair 'must meet'",
    )
    slots: list[SnapshotSlot] = Field(description="The slot grid, ordered by index")


class SnapshotThreshold(_Contract):
    """A procurement threshold in force on the event date."""

    kind: str = Field(description="Which threshold, e.g. direct_award")
    amount_sek: int = Field(description="Amount in SEK")
    valid_from: dt.date = Field(description="The date from which this amount applies")


class SnapshotServedArea(_Contract):
    """Where an organisation delivers."""

    whole_country: bool = Field(description="Serves all of Sweden")
    counties: list[str] = Field(description="County codes served (two digits), sorted")
    municipalities: list[str] = Field(description="Municipality codes served (four digits), sorted")


class SnapshotOrganisation(_Contract):
    """An organisation's profile as registered (no contact data; see ``contacts``)."""

    # The snapshot fields of shared.organisation_profile, spelled out for the contract's documentation;
    # tests/test_organisation_profile.py holds the two to each other.

    id: UUID = Field(description="Organisation id")
    name: str = Field(description="Organisation name")
    municipality_code: str = Field(description="Home municipality (four-digit code)")
    cpv_codes: list[str] = Field(description="What it sells or buys, as 8-digit CPV codes, sorted")
    description: str = Field(description="Free-text description")
    keywords: list[str] = Field(description="Keywords, as entered")
    employees_band: str | None = Field(description="Size band: 0, 1-9, 10-49, 50-249 or 250+")
    turnover_sek: int | None = Field(description="Annual turnover in SEK")
    areas_served: SnapshotServedArea = Field(description="Where it delivers")
    certificates: list[str] = Field(description="Certificates held, e.g. ISO 14001")
    languages: list[str] = Field(description="Languages the organisation works in (ISO 639-1)")
    buyer_category: str | None = Field(description="Buyers: kind of public body (municipality, region, …)")


class SnapshotContact(_Contract):
    """A contact person (personal data: for agendas once meetings are published)."""

    id: UUID = Field(description="SnapshotContact id")
    position: int = Field(description="Order among the organisation's contacts (0 = primary)")
    name: str = Field(description="Full name")
    title: str = Field(description="Role or job title")
    email: str = Field(description="E-mail address")
    phone: str | None = Field(description="Phone number in E.164 form")


class SnapshotWantedNeed(_Contract):
    """A need an SME wants to discuss."""

    need_id: UUID = Field(description="The need")
    rank: int | None = Field(description="1 = most wanted")


class SnapshotSme(_Contract):
    """An SME's active registration."""

    registration_id: UUID = Field(description="Registration id")
    organisation: SnapshotOrganisation = Field(description="The SME's profile")
    languages: list[str] = Field(description="Languages it can hold meetings in at this event")
    available_slots: list[int] = Field(description="Slot indexes it can meet in, ascending (all slots if none named)")
    max_meetings: int = Field(
        ge=0,
        description="Effective cap: the registration's value, else the event default; "
        "at most the event maximum and the number of available slots",
    )
    wanted_needs: list[SnapshotWantedNeed] = Field(description="Needs it wants to discuss, by rank")
    contacts: list[SnapshotContact] = Field(description="SnapshotContact people, by position")
    # Present only for a firm that asked (issue 14), so the snapshots (and hashes) of firms that did not, and
    # every snapshot stored before, stay what they were.
    support_requested: bool = Field(
        default=False, description="Asked at sign-up for the individual support after the day (absent: false)"
    )
    support_note: str = Field(default="", description="What it would like help with (personal data; absent: '')")

    @model_serializer(mode="wrap")
    def _without_support_defaults(self, handler: SerializerFunctionWrapHandler) -> dict[str, Any]:
        """The dump leaves the support fields out when they hold their defaults, as the registry's body does.

        Examples
        --------
        >>> from uuid import UUID
        >>> org = {"id": UUID(int=1), "name": "Städ AB", "municipality_code": "2080", "cpv_codes": [],
        ...        "description": "", "keywords": [], "employees_band": None, "turnover_sek": None,
        ...        "areas_served": {"whole_country": False, "counties": [], "municipalities": []},
        ...        "certificates": [], "languages": ["sv"], "buyer_category": None}
        >>> sme = {"registration_id": UUID(int=2), "organisation": org, "languages": ["sv"],
        ...        "available_slots": [0], "max_meetings": 1, "wanted_needs": [], "contacts": []}
        >>> "support_requested" in SnapshotSme(**sme).model_dump()
        False
        >>> SnapshotSme(**sme, support_requested=True).model_dump()["support_note"]
        ''
        """
        data = handler(self)
        if not self.support_requested and not self.support_note:
            data.pop("support_requested", None)
            data.pop("support_note", None)
        return data


class SnapshotBuyer(_Contract):
    """A buyer's active registration."""

    registration_id: UUID = Field(description="Registration id")
    organisation: SnapshotOrganisation = Field(description="The buyer's profile")
    languages: list[str] = Field(description="Languages it can hold meetings in at this event")
    tables: int = Field(ge=1, description="Tables (parallel meetings) the buyer staffs")
    available_slots: list[int] = Field(description="Slot indexes it can meet in, ascending (all slots if none named)")
    representatives: list[dict[str, Any]] = Field(description="People at the buyer's tables, as registered")
    brought_need_ids: list[UUID] = Field(description="Needs the buyer brings to the event, sorted")
    wanted_sme_ids: list[UUID] = Field(description="SMEs the buyer would like to meet, sorted")
    contacts: list[SnapshotContact] = Field(description="SnapshotContact people, by position")


class SnapshotNeed(_Contract):
    """An upcoming procurement referenced by a registration."""

    id: UUID = Field(description="Need id")
    buyer_id: UUID = Field(description="The buyer organisation that owns it")
    title: str = Field(description="Title")
    description: str = Field(description="Description")
    cpv_main: str = Field(description="Main CPV code (8 digits)")
    cpv_additional: list[str] = Field(description="Additional CPV codes, sorted")
    estimated_value_sek: int | None = Field(description="Estimated contract value in SEK")
    procedure: Literal["direct_award", "simplified", "open", "other"] = Field(description="Planned procedure")
    planned_tender_date: dt.date | None = Field(description="When the tender is planned to be announced")
    delivery_municipality: str | None = Field(description="Where it is delivered (four-digit code)")
    suitable_for_smes: bool = Field(description="The buyer considers it suitable for small firms")
    status: Literal["planning", "planned", "published", "cancelled"] = Field(description="Need status")
    lots: list[dict[str, Any]] = Field(description="Lots, as registered")


class SnapshotPairRule(_Contract):
    """An organiser's decision about one SME–buyer pair."""

    sme_id: UUID = Field(description="The SME organisation")
    buyer_id: UUID = Field(description="The buyer organisation")
    rule: Literal["must_meet", "never"] = Field(description="must_meet, or never (conflict of interest)")
    reason: str = Field(description="Why (for the record)")


class SnapshotCancellation(_Contract):
    """A registration cancelled after the schedule was published: re-plan around it."""

    organisation_id: UUID = Field(description="The organisation that cancelled")
    kind: Literal["sme", "buyer"] = Field(description="sme or buyer")
    cancelled_at: AwareDatetime = Field(description="When it was cancelled (UTC)")


class EventSnapshot(_Contract):
    """A consistent view of one event for the matcher."""

    schema_version: Literal[1] = Field(default=SCHEMA_VERSION, description="Version of this contract")
    content_hash: str = Field(
        pattern="^[0-9a-f]{64}$",
        description="SHA-256 (hex) of the canonical JSON of everything but generated_at and itself; also the ETag",
    )
    generated_at: AwareDatetime = Field(description="When the registry read the data (UTC)")
    event: SnapshotEvent = Field(description="The event and its slot grid")
    thresholds: list[SnapshotThreshold] = Field(
        description="Procurement thresholds in force on the event date, by kind"
    )
    smes: list[SnapshotSme] = Field(description="Active SME registrations, by organisation id")
    buyers: list[SnapshotBuyer] = Field(description="Active buyer registrations, by organisation id")
    needs: list[SnapshotNeed] = Field(description="Every need brought or wanted by an active registration, by id")
    pair_rules: list[SnapshotPairRule] = Field(description="Organiser pair rules, by SME id then buyer id")
    cancelled: list[SnapshotCancellation] = Field(
        description="Registrations cancelled after publication, by organisation id"
    )

    def hash_matches(self) -> bool:
        """True when :attr:`content_hash` is the hash of this snapshot's content."""
        return content_hash(self) == self.content_hash


def canonical_bytes(snapshot: BaseModel | dict[str, Any]) -> bytes:
    """The canonical JSON of a snapshot's content: sorted keys, no whitespace, UTF-8.

    ``generated_at`` and ``content_hash`` are left out. Lists keep their order, which the
    registry makes stable (see the field descriptions), so equal data gives equal bytes.

    Examples
    --------
    >>> canonical_bytes({"b": [2, 1], "a": "å", "generated_at": "now", "content_hash": "x"})
    b'{"a":"\\xc3\\xa5","b":[2,1]}'
    """
    data = snapshot.model_dump(mode="json") if isinstance(snapshot, BaseModel) else snapshot
    content = {key: value for key, value in data.items() if key not in UNHASHED_FIELDS}
    return json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def content_hash(snapshot: BaseModel | dict[str, Any]) -> str:
    """SHA-256 hex digest of :func:`canonical_bytes`.

    Examples
    --------
    >>> content_hash({"a": 1}) == content_hash({"a": 1, "generated_at": "2025-01-01T00:00:00Z"})
    True
    >>> content_hash({"a": 1}) == content_hash({"a": 2})
    False
    >>> len(content_hash({"a": 1}))
    64
    """
    return hashlib.sha256(canonical_bytes(snapshot)).hexdigest()

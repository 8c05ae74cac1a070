"""Encode layer of the relevance lists: a party not signed up yet, added to the event's snapshot as if it were.

A firm opening the sign-up page for the first time is not in the snapshot (it lists active registrations
only), yet its list of needs should already be in order. Its profile, as the registry shows it, becomes a
registration with no wishes; a buyer's open needs (planned or published) become the needs it brings. The
result is scored by the engine exactly as a signed-up party would be, and stored nowhere.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from shared.snapshot import (
    EventSnapshot,
    SnapshotBuyer,
    SnapshotNeed,
    SnapshotOrganisation,
    SnapshotServedArea,
    SnapshotSme,
)

GUEST_REGISTRATION = UUID(int=0)  # never stored: the guest is in no registry row
OPEN_NEED_STATUSES = ("planned", "published")


def snapshot_organisation(organisation: dict[str, Any]) -> SnapshotOrganisation:
    """The snapshot's view of an organisation from the registry's ``GET /organisations/{id}`` (no contacts).

    Examples
    --------
    >>> profile = {"id": "00000000-0000-0000-0000-00000000000a", "name": "Städ AB", "municipality_code": "2080",
    ...            "cpv_codes": ["90910000"], "orgnr": "556000-0000", "contacts": None}
    >>> snapshot_organisation(profile).areas_served.whole_country
    False
    """
    area = organisation.get("areas_served") or {}
    return SnapshotOrganisation(
        id=organisation["id"],
        name=organisation["name"],
        municipality_code=organisation["municipality_code"],
        cpv_codes=sorted(organisation.get("cpv_codes") or []),
        description=organisation.get("description") or "",
        keywords=list(organisation.get("keywords") or []),
        employees_band=organisation.get("employees_band"),
        turnover_sek=organisation.get("turnover_sek"),
        areas_served=SnapshotServedArea(
            whole_country=bool(area.get("whole_country")),
            counties=sorted(area.get("counties") or []),
            municipalities=sorted(area.get("municipalities") or []),
        ),
        certificates=list(organisation.get("certificates") or []),
        languages=list(organisation.get("languages") or ["sv"]),
        buyer_category=organisation.get("buyer_category"),
    )


def snapshot_need(need: dict[str, Any]) -> SnapshotNeed:
    """The snapshot's view of a need from the registry's ``GET /needs`` items."""
    return SnapshotNeed(
        id=need["id"],
        buyer_id=need["buyer"]["id"],
        title=need["title"],
        description=need.get("description") or "",
        cpv_main=need["cpv_main"],
        cpv_additional=sorted(need.get("cpv_additional") or []),
        estimated_value_sek=need.get("estimated_value_sek"),
        procedure=need.get("procedure") or "other",
        planned_tender_date=need.get("planned_tender_date"),
        delivery_municipality=need.get("delivery_municipality"),
        suitable_for_smes=bool(need.get("suitable_for_smes", True)),
        status=need["status"],
        lots=list(need.get("lots") or []),
    )


def with_guest_sme(snapshot: EventSnapshot, organisation: dict[str, Any]) -> EventSnapshot:
    """The snapshot with the firm added as a registration without wishes, available all day.

    Examples
    --------
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> guest = {"id": "00000000-0000-0000-0000-00000000000c", "name": "Nya Städ AB", "municipality_code": "2080",
    ...          "cpv_codes": ["90911200"]}
    >>> [sme.organisation.name for sme in with_guest_sme(snapshot, guest).smes][-1]
    'Nya Städ AB'
    """
    slots = [slot.index for slot in snapshot.event.slots]
    sme = SnapshotSme(
        registration_id=GUEST_REGISTRATION,
        organisation=snapshot_organisation(organisation),
        languages=list(organisation.get("languages") or ["sv"]),
        available_slots=slots,
        max_meetings=min(snapshot.event.default_meetings_per_sme, len(slots)),
        wanted_needs=[],
        contacts=[],
    )
    return snapshot.model_copy(update={"smes": [*snapshot.smes, sme]})


def with_guest_buyer(
    snapshot: EventSnapshot, organisation: dict[str, Any], needs: list[dict[str, Any]]
) -> EventSnapshot:
    """The snapshot with the buyer added, bringing its open needs (none: it is scored on its profile)."""
    brought = [snapshot_need(need) for need in needs if need.get("status") in OPEN_NEED_STATUSES]
    known = {need.id for need in snapshot.needs}
    buyer = SnapshotBuyer(
        registration_id=GUEST_REGISTRATION,
        organisation=snapshot_organisation(organisation),
        languages=list(organisation.get("languages") or ["sv"]),
        tables=1,
        available_slots=[slot.index for slot in snapshot.event.slots],
        representatives=[],
        brought_need_ids=sorted(need.id for need in brought),
        wanted_sme_ids=[],
        contacts=[],
    )
    extra = [need for need in brought if need.id not in known]
    return snapshot.model_copy(update={"buyers": [*snapshot.buyers, buyer], "needs": [*snapshot.needs, *extra]})

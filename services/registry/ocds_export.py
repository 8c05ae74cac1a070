"""Needs → OCDS 1.1: a need as a release, and release packages (pure, no I/O).

The inverse of :func:`services.registry.ocds.release_to_fields` and of
:func:`services.registry.procurement.release_facts`; the field mapping is tabled in
:mod:`services.registry.ocds`. A need whose tender was advertised is tagged ``tender`` (else ``planning``),
plus ``award`` and ``contract`` when it has them, with their suppliers as parties (scheme SE-BLV).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from .need_models import NeedFields, ProcurementRead
from .ocds import PROCEDURE_TO_OCDS, STATUS_TO_OCDS
from .ocds_reader import ORG_ID_SCHEME, STOCKHOLM

OCDS_VERSION = "1.1"
EXTENSIONS = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_location_extension/v1.1.5/extension.json",
)


def day_to_ocds(day: date, end_of_day: bool = False) -> str:
    """An OCDS date-time for a day: its start (or last second) in Stockholm.

    Examples
    --------
    >>> day_to_ocds(date(2026, 7, 1)), day_to_ocds(date(2026, 1, 31), end_of_day=True)
    ('2026-07-01T00:00:00+02:00', '2026-01-31T23:59:59+01:00')
    """
    return datetime.combine(day, time(23, 59, 59) if end_of_day else time(0), STOCKHOLM).isoformat()


def _value(amount: int | None) -> dict[str, Any] | None:
    return None if amount is None else {"amount": amount, "currency": "SEK"}


def _instant(value: datetime | None) -> str | None:
    return None if value is None else value.isoformat()


def _without_nulls(obj: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in obj.items() if value is not None and value != {}}


def procurement_to_release(release: dict[str, Any], procurement: ProcurementRead) -> None:
    """Add a need's tender period and status, awards (suppliers as parties) and contracts to its release.

    Examples
    --------
    >>> release = {"tag": ["planning"], "parties": [], "tender": {"status": "active"}}
    >>> procurement_to_release(release, ProcurementRead.model_validate(
    ...     {"stage": "awarded", "tender_published": True, "awards": [{"id": "a1", "status": "active",
    ...      "suppliers": [{"orgnr": "556036-0793", "name": "Snö & Is AB"}]}]}))
    >>> release["tag"], release["awards"][0]["suppliers"], release["parties"][0]["identifier"]["id"]
    (['tender', 'award'], [{'id': 'SE-BLV-5560360793', 'name': 'Snö & Is AB'}], '556036-0793')
    """
    tender = release["tender"]
    # The need's status says planning/planned/active; what came after the advertisement only OCDS can say.
    if procurement.tender_status in ("complete", "unsuccessful", "cancelled", "withdrawn"):
        tender["status"] = procurement.tender_status
    period = _without_nulls(
        {"startDate": _instant(procurement.tender_period.start), "endDate": _instant(procurement.tender_period.end)}
    )
    if period:
        tender["tenderPeriod"] = period
    tags = ["tender" if procurement.tender_published else "planning"]
    parties: dict[str, dict[str, Any]] = {}
    awards = []
    for award in procurement.awards:
        suppliers = []
        for k, supplier in enumerate(award.suppliers):
            if supplier.orgnr:
                party_id = f"{ORG_ID_SCHEME}-{supplier.orgnr.replace('-', '')}"
                # One party per organisation (named by the first award that names it).
                parties.setdefault(party_id, _without_nulls(
                    {"id": party_id, "name": supplier.name, "roles": ["supplier"],
                     "identifier": {"scheme": ORG_ID_SCHEME, "id": supplier.orgnr}}
                ))  # fmt: skip
            else:
                party_id = f"{award.id}-supplier-{k + 1}"
                parties[party_id] = _without_nulls({"id": party_id, "name": supplier.name, "roles": ["supplier"]})
            suppliers.append(_without_nulls({"id": party_id, "name": supplier.name}))
        awards.append(
            _without_nulls(
                {
                    "id": award.id,
                    "status": award.status,
                    "date": _instant(award.date),
                    "value": _value(award.value_sek),
                    "suppliers": suppliers,
                }
            )
        )
    contracts = [
        _without_nulls(
            {
                "id": c.id,
                "awardID": c.award_id,
                "status": c.status,
                "value": _value(c.value_sek),
                "dateSigned": _instant(c.date_signed),
                "period": _without_nulls({"startDate": _instant(c.period_start), "endDate": _instant(c.period_end)}),
            }
        )
        for c in procurement.contracts
    ]
    if awards:
        tags.append("award")
        release["awards"] = awards
    if contracts:
        tags.append("contract")
        release["contracts"] = contracts
    release["tag"] = tags
    known = {party["id"]: party for party in release["parties"]}
    for party_id, party in parties.items():
        if party_id in known:  # the buyer awarded itself (an in-house award): one party with both roles
            known[party_id]["roles"] = [*known[party_id].get("roles", []), "supplier"]
        else:
            release["parties"].append(party)


def need_to_release(
    need: NeedFields,
    *,
    ocid: str,
    release_id: str,
    released_at: datetime,
    buyer_name: str,
    buyer_orgnr: str,
    procurement: ProcurementRead | None = None,
) -> dict[str, Any]:
    """An OCDS 1.1 release for a need (the inverse of :func:`~services.registry.ocds.release_to_fields`).

    Planning-tagged unless ``procurement`` tells of an advertised tender, awards or contracts
    (:func:`procurement_to_release`).

    Examples
    --------
    >>> from services.registry.ocds import EXAMPLE_RELEASE, release_to_fields, validate_release
    >>> need = validate_release(release_to_fields(EXAMPLE_RELEASE))
    >>> release = need_to_release(need, ocid=need.ocid, release_id="r1", released_at=datetime(2026, 1, 5),
    ...                           buyer_name="Falu kommun", buyer_orgnr="212000-2080")
    >>> validate_release(release_to_fields(release)) == need
    True
    """
    party_id = f"{ORG_ID_SCHEME}-{buyer_orgnr.replace('-', '')}"
    party: dict[str, Any] = {
        "id": party_id,
        "name": buyer_name,
        "identifier": {"scheme": ORG_ID_SCHEME, "id": buyer_orgnr, "legalName": buyer_name},
        "roles": ["buyer"],
    }
    if need.contact is not None:
        party["contactPoint"] = {"name": need.contact.name, "email": str(need.contact.email)}
        if need.contact.phone:
            party["contactPoint"]["telephone"] = need.contact.phone
    items: list[dict[str, Any]] = []

    def add_item(code: str, lot_id: str | None = None) -> None:
        item: dict[str, Any] = {"id": str(len(items) + 1), "classification": {"scheme": "CPV", "id": code}}
        if lot_id is not None:
            item["relatedLot"] = lot_id
        items.append(item)

    for code in (need.cpv_main, *need.cpv_additional):
        add_item(code)
    if need.delivery_municipality:
        items[0]["deliveryAddresses"] = [{"region": need.delivery_municipality, "countryName": "Sverige"}]
    tender: dict[str, Any] = {
        "id": need.reference or ocid,
        "title": need.title,
        "status": STATUS_TO_OCDS[need.status],
        "items": items,
        "suitability": {"sme": need.suitable_for_smes},
    }
    if need.description:
        tender["description"] = need.description
    method, details = PROCEDURE_TO_OCDS[need.procedure]
    if method is not None:
        tender["procurementMethod"] = method
        tender["procurementMethodDetails"] = details
    if need.planned_tender_date:
        tender["tenderPeriod"] = {"startDate": day_to_ocds(need.planned_tender_date)}
    period = {}
    if need.contract_start:
        period["startDate"] = day_to_ocds(need.contract_start)
    if need.contract_end:
        period["endDate"] = day_to_ocds(need.contract_end, end_of_day=True)
    if period:
        tender["contractPeriod"] = period
    if need.lots:
        tender["lots"] = []
        for lot in need.lots:
            entry: dict[str, Any] = {"id": lot.id, "title": lot.title}
            if lot.description:
                entry["description"] = lot.description
            if lot.estimated_value_sek is not None:
                entry["value"] = {"amount": lot.estimated_value_sek, "currency": "SEK"}
            tender["lots"].append(entry)
            for code in lot.cpv_codes:
                add_item(code, lot.id)
    release: dict[str, Any] = {
        "ocid": ocid,
        "id": release_id,
        "date": released_at.isoformat(),
        "tag": ["planning"],
        "initiationType": "tender",
        "language": "sv",
        "parties": [party],
        "buyer": {"id": party_id, "name": buyer_name},
        "planning": {},
        "tender": tender,
    }
    if need.estimated_value_sek is not None:
        release["planning"]["budget"] = {"amount": {"amount": need.estimated_value_sek, "currency": "SEK"}}
    if procurement is not None:
        procurement_to_release(release, procurement)
    return release


def release_package(releases: Iterable[dict[str, Any]], *, uri: str, published: datetime, publisher: str) -> dict:
    """Wrap releases in an OCDS 1.1 release package.

    Examples
    --------
    >>> package = release_package([], uri="https://x/needs/export/ocds", published=datetime(2026, 1, 1),
    ...                           publisher="Affärsträff")
    >>> package["version"], package["releases"]
    ('1.1', [])
    """
    return {
        "uri": uri,
        "version": OCDS_VERSION,
        "publishedDate": published.isoformat(),
        "publisher": {"name": publisher},
        "extensions": list(EXTENSIONS),
        "releases": list(releases),
    }

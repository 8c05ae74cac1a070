"""Needs → OCDS 1.1: a need as a planning release, and release packages (pure, no I/O).

The inverse of :func:`services.registry.ocds.release_to_fields`; the field mapping is tabled in
:mod:`services.registry.ocds`.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, time
from typing import Any

from .need_models import NeedFields
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


def need_to_release(
    need: NeedFields, *, ocid: str, release_id: str, released_at: datetime, buyer_name: str, buyer_orgnr: str
) -> dict[str, Any]:
    """An OCDS 1.1 planning release for a need (the inverse of :func:`~services.registry.ocds.release_to_fields`).

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

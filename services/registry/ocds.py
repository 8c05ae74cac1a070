"""OCDS 1.1 ⇄ needs: pure mapping between Open Contracting releases and :class:`NeedFields` (no I/O).

Buyers paste what their procurement systems publish: a *release package* (``{"releases": [...]}``) or a
single release. Each release must be at the planning or tender stage (``tag`` contains ``planning``,
``planningUpdate``, ``tender`` or ``tenderUpdate``: a tender release is an upcoming procurement that has
just been published, still worth a meeting). Field mapping (OCDS 1.1 core plus the Lots, Location and
Suitability extensions):

==================================================  ==========================================
OCDS                                                need
==================================================  ==========================================
``ocid``                                            ``ocid`` (re-import updates the same need)
``planning.budget.amount`` {amount, currency SEK}   ``estimated_value_sek`` (other currency: 422)
``tender.id`` (when it differs from the ocid)       ``reference`` (diarienummer)
``tender.title`` / ``tender.description``           ``title`` / ``description``
first ``tender.items[]`` without ``relatedLot``:    ``cpv_main``
``classification`` {scheme CPV, id}
other such items' classification and every         ``cpv_additional``
``additionalClassifications`` entry with scheme CPV
items with ``relatedLot``                           that lot's ``cpv_codes``
``tender.procurementMethod`` + ``…Details``         ``procedure`` (see :data:`PROCEDURE_TO_OCDS`)
``tender.tenderPeriod.startDate``                   ``planned_tender_date`` (day in Stockholm)
``tender.contractPeriod`` start/end                 ``contract_start`` / ``contract_end``
``tender.lots[]`` {id, title, description, value}   ``lots``
``tender.status``                                   ``status`` (see :data:`STATUS_TO_OCDS`)
``tender.items[].deliveryAddresses[].region``       ``delivery_municipality`` (only a 4-digit
(Location extension; legacy ``deliveryAddress``)    kommunkod is taken; other text is ignored)
``tender.suitability.sme`` (else any                ``suitable_for_smes`` (absent: true)
``tender.lots[].suitability.sme``)
buyer party (``buyer.id`` or role ``buyer``):       the buyer (org-id.guide scheme ``SE-BLV`` =
``identifier`` {scheme SE-BLV, id orgnr}            Bolagsverket's organisationsnummer; the
                                                    misspelling ``SE-BOLV`` is accepted on input)
buyer party ``contactPoint`` {name, email,          ``contact``
telephone}
==================================================  ==========================================

Errors carry JSON pointers into the posted document (e.g. ``/releases/3/tender/items/0/classification/id``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any
from zoneinfo import ZoneInfo

from pydantic import ValidationError

from shared.errors import FieldError, json_pointer
from shared.reference.orgnr import normalise_orgnr

from .need_models import NeedFields

OCDS_VERSION = "1.1"
ORG_ID_SCHEME = "SE-BLV"
ORG_ID_SCHEMES_ACCEPTED = frozenset({"SE-BLV", "SE-BOLV"})
ACCEPTED_TAGS = frozenset({"planning", "planningUpdate", "tender", "tenderUpdate"})
STOCKHOLM = ZoneInfo("Europe/Stockholm")
EXTENSIONS = (
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/v1.1.5/extension.json",
    "https://raw.githubusercontent.com/open-contracting-extensions/ocds_location_extension/v1.1.5/extension.json",
)

# procedure → (procurementMethod, procurementMethodDetails). Förenklat förfarande (LOU 19 kap.) is
# advertised and open to every supplier, so it is "open" with its Swedish name in the details.
PROCEDURE_TO_OCDS: dict[str, tuple[str | None, str | None]] = {
    "direct_award": ("direct", "Direktupphandling"),
    "simplified": ("open", "Förenklat förfarande"),
    "open": ("open", "Öppet förfarande"),
    "other": (None, None),
}
STATUS_TO_OCDS = {"planning": "planning", "planned": "planned", "published": "active", "cancelled": "cancelled"}
OCDS_TO_STATUS = {**{v: k for k, v in STATUS_TO_OCDS.items()}, "withdrawn": "cancelled"}
_KOMMUNKOD = re.compile(r"^[0-9]{4}$")


class OcdsInvalid(Exception):
    """The document cannot be mapped; ``errors`` point into it."""

    def __init__(self, errors: Sequence[FieldError]) -> None:
        super().__init__(f"{len(errors)} invalid fields")
        self.errors = list(errors)


@dataclass
class ImportedRelease:
    """One release mapped to need fields, with where each field came from (for error pointers)."""

    pointer: str
    ocid: str
    date: str | None
    buyer_orgnr: str
    buyer_pointer: str
    fields: dict[str, Any]
    sources: dict[str, str] = field(default_factory=dict)


def procedure_from_ocds(method: object, details: object) -> str:
    """Our procedure for an OCDS ``procurementMethod`` and its details.

    Examples
    --------
    >>> procedure_from_ocds("open", "Förenklat förfarande"), procedure_from_ocds("open", None)
    ('simplified', 'open')
    >>> procedure_from_ocds("limited", "direktupphandling"), procedure_from_ocds("selective", None)
    ('direct_award', 'other')
    """
    text = details.casefold() if isinstance(details, str) else ""
    if method == "direct" or (method == "limited" and "direkt" in text):
        return "direct_award"
    if method == "open":
        return "simplified" if ("förenklat" in text or "simplified" in text) else "open"
    return "other"


def day_from_ocds(value: object) -> date:
    """The day in Stockholm of an OCDS date-time (a plain date is accepted too).

    Examples
    --------
    >>> day_from_ocds("2026-03-01T00:00:00+01:00"), day_from_ocds("2026-02-28T23:30:00Z")
    (datetime.date(2026, 3, 1), datetime.date(2026, 3, 1))
    """
    if not isinstance(value, str):
        raise ValueError("expected a date-time string")
    parsed = datetime.fromisoformat(value)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=STOCKHOLM)
    return parsed.astimezone(STOCKHOLM).date()


def day_to_ocds(day: date, end_of_day: bool = False) -> str:
    """An OCDS date-time for a day: its start (or last second) in Stockholm.

    Examples
    --------
    >>> day_to_ocds(date(2026, 7, 1)), day_to_ocds(date(2026, 1, 31), end_of_day=True)
    ('2026-07-01T00:00:00+02:00', '2026-01-31T23:59:59+01:00')
    """
    return datetime.combine(day, time(23, 59, 59) if end_of_day else time(0), STOCKHOLM).isoformat()


def releases_in(document: object) -> list[tuple[str, dict[str, Any]]]:
    """The releases of a package (pointer ``/releases/i``) or a single release (pointer ``""``).

    Examples
    --------
    >>> [p for p, _ in releases_in({"releases": [{"ocid": "a"}, {"ocid": "b"}]})]
    ['/releases/0', '/releases/1']
    >>> releases_in({"ocid": "a"})
    [('', {'ocid': 'a'})]
    """
    if not isinstance(document, dict):
        raise OcdsInvalid([FieldError(pointer="", code="type", detail="Send an OCDS release package or release.")])
    if "releases" not in document:
        if "ocid" in document:
            return [("", document)]
        raise OcdsInvalid([FieldError(pointer="/releases", code="missing", detail="No releases in the document.")])
    releases = document["releases"]
    if not isinstance(releases, list) or not releases:
        raise OcdsInvalid([FieldError(pointer="/releases", code="type", detail="releases must be a non-empty array.")])
    errors = [
        FieldError(pointer=f"/releases/{i}", code="type", detail="A release must be an object.")
        for i, release in enumerate(releases)
        if not isinstance(release, dict)
    ]
    if errors:
        raise OcdsInvalid(errors)
    return [(f"/releases/{i}", release) for i, release in enumerate(releases)]


class _Reader:
    """Walks one release, collecting errors instead of stopping at the first."""

    def __init__(self, pointer: str) -> None:
        self.pointer = pointer
        self.errors: list[FieldError] = []

    def error(self, where: str, code: str, detail: str) -> None:
        self.errors.append(FieldError(pointer=self.pointer + where, code=code, detail=detail))

    def obj(self, parent: Mapping[str, Any], key: str, where: str) -> dict[str, Any]:
        value = parent.get(key)
        if value is None:
            return {}
        if not isinstance(value, dict):
            self.error(f"{where}/{key}", "type", "Expected an object.")
            return {}
        return value

    def arr(self, parent: Mapping[str, Any], key: str, where: str) -> list[Any]:
        value = parent.get(key)
        if value is None:
            return []
        if not isinstance(value, list):
            self.error(f"{where}/{key}", "type", "Expected an array.")
            return []
        return value

    def amount(self, value: Mapping[str, Any], where: str) -> int | None:
        """Whole kronor of an OCDS Value object; only SEK is accepted."""
        if not value:
            return None
        currency, amount = value.get("currency"), value.get("amount")
        if currency != "SEK":
            self.error(f"{where}/currency", "unsupported_currency", "Only amounts in SEK are accepted.")
            return None
        if isinstance(amount, bool) or not isinstance(amount, int | float):
            self.error(f"{where}/amount", "type", "Expected a number.")
            return None
        return int(Decimal(str(amount)).quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def day(self, period: Mapping[str, Any], key: str, where: str) -> date | None:
        if period.get(key) is None:
            return None
        try:
            return day_from_ocds(period[key])
        except ValueError:
            self.error(f"{where}/{key}", "date_time", "Expected an ISO 8601 date-time.")
            return None


def _cpv_of(item: Mapping[str, Any], where: str) -> list[tuple[str, str]]:
    """(code, source pointer) of an item's CPV classification and additional classifications."""
    found = []
    classifications = [("classification", item.get("classification"))]
    extra = item.get("additionalClassifications")
    if isinstance(extra, list):
        classifications += [(f"additionalClassifications/{k}", c) for k, c in enumerate(extra)]
    for path, classification in classifications:
        if isinstance(classification, dict) and str(classification.get("scheme", "")).upper() == "CPV":
            code = classification.get("id")
            found.append((code if isinstance(code, str) else str(code), f"{where}/{path}/id"))
    return found


def _find_buyer(reader: _Reader, release: Mapping[str, Any]) -> tuple[int, dict[str, Any]] | None:
    parties = reader.arr(release, "parties", "")
    buyer_id = reader.obj(release, "buyer", "").get("id")
    for index, party in enumerate(parties):
        if isinstance(party, dict) and buyer_id is not None and party.get("id") == buyer_id:
            return index, party
    for index, party in enumerate(parties):
        if isinstance(party, dict) and "buyer" in (party.get("roles") or []):
            return index, party
    reader.error("/buyer", "missing", "No party with role buyer (or named by buyer.id).")
    return None


def _buyer_orgnr(reader: _Reader, party: Mapping[str, Any], where: str) -> tuple[str, str]:
    candidates = [("identifier", party.get("identifier"))]
    extra = party.get("additionalIdentifiers")
    if isinstance(extra, list):
        candidates += [(f"additionalIdentifiers/{k}", ident) for k, ident in enumerate(extra)]
    for path, ident in candidates:
        if isinstance(ident, dict) and ident.get("scheme") in ORG_ID_SCHEMES_ACCEPTED:
            pointer = f"{where}/{path}/id"
            try:
                return normalise_orgnr(str(ident.get("id", ""))), pointer
            except ValueError as error:
                reader.error(pointer, "invalid_orgnr", str(error))
                return "", pointer
    reader.error(f"{where}/identifier", "missing", f"The buyer needs an identifier with scheme {ORG_ID_SCHEME}.")
    return "", f"{where}/identifier"


def release_to_fields(release: Mapping[str, Any], pointer: str = "") -> ImportedRelease:
    """Map one OCDS release to need fields (not yet validated) and their source pointers.

    Raises :class:`OcdsInvalid` for problems only the OCDS side can see (tag, currency, buyer, types);
    field values are checked afterwards by :func:`validate_release`.

    Examples
    --------
    >>> imported = release_to_fields(EXAMPLE_RELEASE)
    >>> imported.fields["title"], imported.fields["cpv_main"], imported.fields["estimated_value_sek"]
    ('Snöröjning Falun', '90620000-9', 1200000)
    >>> imported.sources["/cpv_main"], imported.buyer_orgnr
    ('/tender/items/0/classification/id', '212000-2080')
    """
    r = _Reader(pointer)
    tags = release.get("tag")
    if not isinstance(tags, list) or not ACCEPTED_TAGS & set(tags):
        r.error("/tag", "unsupported_tag", f"Only releases tagged {', '.join(sorted(ACCEPTED_TAGS))} are needs.")
    ocid = release.get("ocid")
    if not isinstance(ocid, str) or not ocid.strip():
        r.error("/ocid", "missing", "Every release needs an ocid.")
        ocid = ""
    tender = r.obj(release, "tender", "")
    planning = r.obj(release, "planning", "")
    budget = r.obj(planning, "budget", "/planning")
    fields: dict[str, Any] = {"ocid": ocid}
    sources = {"/ocid": "/ocid", "/title": "/tender/title", "/description": "/tender/description"}
    for name in ("title", "description"):
        if tender.get(name) is not None:
            fields[name] = tender[name]
    tender_id = tender.get("id")
    if tender_id is not None and str(tender_id) != ocid:
        fields["reference"] = str(tender_id)
        sources["/reference"] = "/tender/id"
    value = r.amount(r.obj(budget, "amount", "/planning/budget"), "/planning/budget/amount")
    sources["/estimated_value_sek"] = "/planning/budget/amount/amount"
    if value is not None:
        fields["estimated_value_sek"] = value

    items = r.arr(tender, "items", "/tender")
    lots = r.arr(tender, "lots", "/tender")
    need_codes: list[tuple[str, str]] = []
    lot_codes: dict[str, list[tuple[str, str]]] = {}
    municipality: tuple[str, str] | None = None
    for j, item in enumerate(items):
        where = f"/tender/items/{j}"
        if not isinstance(item, dict):
            r.error(where, "type", "Expected an object.")
            continue
        codes = _cpv_of(item, where)
        if item.get("relatedLot") is not None:
            lot_codes.setdefault(str(item["relatedLot"]), []).extend(codes)
        else:
            need_codes.extend(codes)
        addresses = [
            (f"{where}/deliveryAddresses/{k}", a) for k, a in enumerate(r.arr(item, "deliveryAddresses", where))
        ]
        addresses.append((f"{where}/deliveryAddress", item.get("deliveryAddress")))
        for path, address in addresses:
            region = address.get("region") if isinstance(address, dict) else None
            if municipality is None and isinstance(region, str) and _KOMMUNKOD.match(region.strip()):
                municipality = (region.strip(), f"{path}/region")
    if not need_codes:  # every item belongs to a lot: the need is classified by all of them
        need_codes = [code for codes in lot_codes.values() for code in codes]
    if need_codes:
        fields["cpv_main"], sources["/cpv_main"] = need_codes[0]
        fields["cpv_additional"] = [code for code, _ in need_codes[1:]]
        sources.update({f"/cpv_additional/{k}": src for k, (_, src) in enumerate(need_codes[1:])})
    else:
        r.error("/tender/items", "missing", "At least one item needs a classification with scheme CPV.")
    if municipality is not None:
        fields["delivery_municipality"], sources["/delivery_municipality"] = municipality

    method = tender.get("procurementMethod")
    fields["procedure"] = procedure_from_ocds(method, tender.get("procurementMethodDetails"))
    sources["/procedure"] = "/tender/procurementMethod"
    status = tender.get("status")
    if status is not None:
        if status not in OCDS_TO_STATUS:
            r.error("/tender/status", "unsupported_status", "A need is planning, planned, active or cancelled.")
        else:
            fields["status"] = OCDS_TO_STATUS[status]
    sources["/status"] = "/tender/status"
    tender_period = r.obj(tender, "tenderPeriod", "/tender")
    fields["planned_tender_date"] = r.day(tender_period, "startDate", "/tender/tenderPeriod")
    sources["/planned_tender_date"] = "/tender/tenderPeriod/startDate"
    contract_period = r.obj(tender, "contractPeriod", "/tender")
    fields["contract_start"] = r.day(contract_period, "startDate", "/tender/contractPeriod")
    fields["contract_end"] = r.day(contract_period, "endDate", "/tender/contractPeriod")
    sources["/contract_start"] = "/tender/contractPeriod/startDate"
    sources["/contract_end"] = "/tender/contractPeriod/endDate"
    sources[""] = "/tender"  # model-level errors (e.g. contract period order)

    suitability = r.obj(tender, "suitability", "/tender")
    sme_flags: list[bool] = []
    mapped_lots = []
    for i, lot in enumerate(lots):
        where = f"/tender/lots/{i}"
        if not isinstance(lot, dict):
            r.error(where, "type", "Expected an object.")
            continue
        lot_id = None if lot.get("id") is None else str(lot["id"])
        mapped: dict[str, Any] = {"id": lot_id, "title": lot.get("title")}
        if lot.get("description") is not None:
            mapped["description"] = lot["description"]
        lot_value = r.amount(r.obj(lot, "value", where), f"{where}/value")
        if lot_value is not None:
            mapped["estimated_value_sek"] = lot_value
        codes = lot_codes.get(lot_id or "", [])
        mapped["cpv_codes"] = [code for code, _ in codes]
        k = len(mapped_lots)
        sources.update({f"/lots/{k}": where, f"/lots/{k}/estimated_value_sek": f"{where}/value/amount"})
        sources.update({f"/lots/{k}/cpv_codes/{n}": src for n, (_, src) in enumerate(codes)})
        mapped_lots.append(mapped)
        lot_sme = r.obj(lot, "suitability", where).get("sme")
        if isinstance(lot_sme, bool):
            sme_flags.append(lot_sme)
    fields["lots"] = mapped_lots
    sources["/lots"] = "/tender/lots"
    if isinstance(suitability.get("sme"), bool):
        fields["suitable_for_smes"] = suitability["sme"]
    elif sme_flags:
        fields["suitable_for_smes"] = any(sme_flags)
    sources["/suitable_for_smes"] = "/tender/suitability/sme"

    buyer = _find_buyer(r, release)
    orgnr, buyer_pointer = "", "/buyer"
    if buyer is not None:
        index, party = buyer
        orgnr, buyer_pointer = _buyer_orgnr(r, party, f"/parties/{index}")
        contact = r.obj(party, "contactPoint", f"/parties/{index}")
        if contact:
            base = f"/parties/{index}/contactPoint"
            fields["contact"] = {"name": contact.get("name"), "email": contact.get("email")}
            if contact.get("telephone") is not None:
                fields["contact"]["phone"] = contact["telephone"]
            sources.update({"/contact": base, "/contact/phone": f"{base}/telephone"})
    if r.errors:
        raise OcdsInvalid(r.errors)
    absolute = {need: pointer + source for need, source in sources.items()}
    return ImportedRelease(
        pointer=pointer,
        ocid=ocid,
        date=release.get("date") if isinstance(release.get("date"), str) else None,
        buyer_orgnr=orgnr,
        buyer_pointer=pointer + buyer_pointer,
        fields=fields,
        sources=absolute,
    )


def source_pointer(need_pointer: str, sources: Mapping[str, str]) -> str:
    """Where in the OCDS document a need field came from: the longest known prefix, plus the rest.

    Examples
    --------
    >>> source_pointer("/lots/0/title", {"/lots/0": "/releases/2/tender/lots/0", "": "/releases/2/tender"})
    '/releases/2/tender/lots/0/title'
    >>> source_pointer("/contact/email", {"/contact": "/parties/0/contactPoint"})
    '/parties/0/contactPoint/email'
    """
    prefix = need_pointer
    while True:
        if prefix in sources:
            return sources[prefix] + need_pointer[len(prefix) :]
        if not prefix:
            return need_pointer
        prefix = prefix.rsplit("/", 1)[0]


def validate_release(imported: ImportedRelease) -> NeedFields:
    """Validate a mapped release as a need; errors point into the OCDS document."""
    try:
        return NeedFields.model_validate(imported.fields)
    except ValidationError as error:
        raise OcdsInvalid(
            [
                FieldError(
                    pointer=source_pointer(json_pointer(item["loc"]), imported.sources),
                    code=item["type"],
                    detail=item["msg"],
                )
                for item in error.errors(include_url=False, include_input=False)
            ]
        ) from None


def need_to_release(
    need: NeedFields, *, ocid: str, release_id: str, released_at: datetime, buyer_name: str, buyer_orgnr: str
) -> dict[str, Any]:
    """An OCDS 1.1 planning release for a need (the inverse of :func:`release_to_fields`).

    Examples
    --------
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


EXAMPLE_RELEASE: dict[str, Any] = {
    "ocid": "ocds-example-falun-2026-001",
    "id": "ocds-example-falun-2026-001-planning-1",
    "date": "2026-01-05T09:00:00+01:00",
    "tag": ["planning"],
    "initiationType": "tender",
    "parties": [
        {
            "id": "SE-BLV-2120002080",
            "name": "Falu kommun",
            "identifier": {"scheme": "SE-BLV", "id": "212000-2080"},
            "roles": ["buyer"],
            "contactPoint": {"name": "Anna Andersson", "email": "anna@falun.se", "telephone": "023-123 45"},
        }
    ],
    "buyer": {"id": "SE-BLV-2120002080", "name": "Falu kommun"},
    "planning": {"budget": {"amount": {"amount": 1200000, "currency": "SEK"}}},
    "tender": {
        "id": "KS 2026/0042",
        "title": "Snöröjning Falun",
        "status": "planning",
        "procurementMethod": "open",
        "procurementMethodDetails": "Förenklat förfarande",
        "items": [
            {
                "id": "1",
                "classification": {"scheme": "CPV", "id": "90620000-9"},
                "deliveryAddresses": [{"region": "2080"}],
            }
        ],
        "tenderPeriod": {"startDate": "2026-04-01T00:00:00+02:00"},
        "suitability": {"sme": True},
    },
}
"""A small planning release from a (fictional) municipal system, for docs and tests."""

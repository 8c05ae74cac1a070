"""OCDS 1.1 → needs: pure mapping of Open Contracting releases to :class:`NeedFields` (no I/O).

The way back (a need as a planning release, in a release package) is :mod:`services.registry.ocds_export`;
the table below describes both directions.

Buyers paste what their procurement systems publish: a *release package* (``{"releases": [...]}``) or a
single release. A release at the planning or tender stage (``tag`` contains ``planning``,
``planningUpdate``, ``tender`` or ``tenderUpdate``: a tender release is an upcoming procurement that has
just been published, still worth a meeting) gives the need's fields, mapped here. What happens next
(the tender advertised, awards, contracts: tags ``award``, ``awardUpdate``, ``contract``,
``contractUpdate`` for a known ocid) is read by :mod:`services.registry.procurement`.

Field mapping (OCDS 1.1 core plus the Lots, Location and Suitability extensions):

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
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from pydantic import ValidationError

from shared.errors import FieldError, json_pointer

from .need_models import NeedFields
from .ocds_reader import ReleaseReader, buyer_orgnr, cpv_of, find_buyer

ACCEPTED_TAGS = frozenset({"planning", "planningUpdate", "tender", "tenderUpdate"})

# procedure → (procurementMethod, procurementMethodDetails). Förenklat förfarande (LOU 19 kap.) is
# advertised and open to every supplier, so it is "open" with its Swedish name in the details.
PROCEDURE_TO_OCDS: dict[str, tuple[str | None, str | None]] = {
    "direct_award": ("direct", "Direktupphandling"),
    "simplified": ("open", "Förenklat förfarande"),
    "open": ("open", "Öppet förfarande"),
    "other": (None, None),
}
STATUS_TO_OCDS = {"planning": "planning", "planned": "planned", "published": "active", "cancelled": "cancelled"}
# complete and unsuccessful are tender statuses after the need was advertised (see services.registry.procurement).
OCDS_TO_STATUS = {
    **{v: k for k, v in STATUS_TO_OCDS.items()},
    "withdrawn": "cancelled",
    "complete": "published",
    "unsuccessful": "cancelled",
}
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
    r = ReleaseReader(pointer)
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
        codes = cpv_of(item, where)
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
            known = ", ".join(sorted(OCDS_TO_STATUS))
            r.error("/tender/status", "unsupported_status", f"A need's tender status is one of {known}.")
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
    mapped_lots: list[dict[str, Any]] = []
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

    buyer = find_buyer(r, release)
    orgnr, buyer_pointer = "", "/buyer"
    if buyer is not None:
        index, party = buyer
        orgnr, buyer_pointer = buyer_orgnr(r, party, f"/parties/{index}")
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

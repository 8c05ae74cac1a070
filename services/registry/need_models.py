"""Needs (kommande upphandlingar): what a buyer plans to procure, as people type it in and as it is read.

``NeedFields`` holds everything a buyer edits and checks it as a whole (contract period ordered,
additional CPV codes de-duplicated and never repeating the main code, lot ids unique). ``NeedCreate``
adds the buyer the need belongs to; ``NeedPatch`` is a partial update that is merged onto the stored
need and validated again as a whole. ``NeedRead`` is what every reader gets, with labels, the
procurement-value band and warnings computed by :mod:`services.registry.thresholds`.

Status changes do not go through PATCH but ``POST /needs/{id}/status`` (:class:`StatusChange`): they
follow a small state machine and are audited as decisions of their own.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal, Self
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from shared.integers import Int64
from shared.reference.cpv import CpvCode
from shared.reference.municipalities import MunicipalityCode
from shared.reference.phone import ContactPerson
from shared.text import Reason, multi_line, single_line

Procedure = Literal["direct_award", "simplified", "open", "other"]
NeedStatus = Literal["planning", "planned", "published", "cancelled"]
ValueBand = Literal["below_direct_award", "below_eu_threshold", "above_eu_threshold"]

MAX_LOTS = 50

# Need texts are stored as typed (not stripped), as they always have been; controls are cleaned (shared.text).
NeedTitle = Annotated[str, *single_line(300, min_length=1, strip=False)]
NeedDescription = Annotated[str, *multi_line(10000, strip=False)]
NeedReference = Annotated[str, *single_line(100, min_length=1, strip=False)]
Ocid = Annotated[str, *single_line(200, min_length=1, strip=False)]
LotId = Annotated[str, *single_line(100, min_length=1, strip=False)]
LotDescription = Annotated[str, *multi_line(5000, strip=False)]
ContactName = Annotated[str, *single_line(200, min_length=1, strip=False)]

# The status machine: planning → planned → published; planning|planned → cancelled. Final: published, cancelled.
STATUS_TRANSITIONS: dict[str, frozenset[str]] = {
    "planning": frozenset({"planned", "cancelled"}),
    "planned": frozenset({"published", "cancelled"}),
    "published": frozenset(),
    "cancelled": frozenset(),
}
FINAL_STATUSES = frozenset(status for status, after in STATUS_TRANSITIONS.items() if not after)


def _unique(codes: list[str], exclude: str | None = None) -> list[str]:
    """Codes in first-seen order without repeats (and without ``exclude``).

    Examples
    --------
    >>> _unique(["b", "a", "b", "c"], exclude="c")
    ['b', 'a']
    """
    return [code for code in dict.fromkeys(codes) if code != exclude]


class Contact(ContactPerson):
    """The need's contact person (personal data: shown only to the buyer, organisers and the matcher)."""

    # Stored as typed (not stripped), as needs always have; organisations' contacts strip their names.
    name: ContactName


class Lot(BaseModel):
    """One lot (delkontrakt) of a need."""

    model_config = ConfigDict(extra="forbid")

    id: LotId | None = Field(default=None, description="Given the lot's position (1, 2, …) when absent")
    title: NeedTitle
    description: LotDescription = ""
    estimated_value_sek: Int64 | None = Field(default=None, ge=0)
    cpv_codes: list[CpvCode] = Field(default_factory=list, max_length=50)

    @field_validator("cpv_codes")
    @classmethod
    def dedupe_codes(cls, codes: list[str]) -> list[str]:
        return _unique(codes)


class NeedFields(BaseModel):
    """Everything about a need that its buyer edits."""

    model_config = ConfigDict(extra="forbid")

    title: NeedTitle
    description: NeedDescription = ""
    cpv_main: CpvCode
    cpv_additional: list[CpvCode] = Field(default_factory=list, max_length=100)
    estimated_value_sek: Int64 | None = Field(default=None, ge=0, description="Whole contract, excluding VAT")
    planned_tender_date: date | None = None
    contract_start: date | None = None
    contract_end: date | None = None
    procedure: Procedure = "other"
    lots: list[Lot] = Field(default_factory=list, max_length=MAX_LOTS)
    delivery_municipality: MunicipalityCode | None = None
    suitable_for_smes: bool = True
    # The API keeps "planning" as its default; the buyer's web form offers "planned" (visible) first.
    status: NeedStatus = Field(
        default="planning",
        description=(
            "Who sees the need: planning = a draft only the buyer and organisers see; planned = visible to "
            "firms; published = visible, and the procurement is advertised; cancelled = not going ahead"
        ),
    )
    reference: NeedReference | None = Field(default=None, description="Buyer's diarienummer")
    ocid: Ocid | None = Field(default=None, description="OCDS contracting process id")
    contact: Contact | None = None

    @model_validator(mode="after")
    def consistent(self) -> Self:
        if self.contract_start and self.contract_end and self.contract_end < self.contract_start:
            raise ValueError("contract_end must not be before contract_start")
        self.cpv_additional = _unique(self.cpv_additional, exclude=self.cpv_main)
        seen: set[str] = set()
        for position, lot in enumerate(self.lots, start=1):
            if lot.id is None:
                lot.id = str(position)
            if lot.id in seen:
                raise ValueError(f"lot id {lot.id!r} is used twice")
            seen.add(lot.id)
        return self


class NeedCreate(NeedFields):
    """A new need. Buyers leave ``buyer_id`` out (or give their own); organisers name the buyer."""

    buyer_id: UUID | None = Field(default=None, description="Required for organisers; buyers may only give their own")


# Table columns written from a NeedCreate, in the order sql.needs.INSERT_NEED takes them.
NEED_COLUMNS = (
    "buyer_id",
    "ocid",
    "reference",
    "title",
    "description",
    "cpv_main",
    "cpv_additional",
    "estimated_value_sek",
    "planned_tender_date",
    "contract_start",
    "contract_end",
    "procedure",
    "lots",
    "delivery_municipality",
    "suitable_for_smes",
    "status",
    "contact",
)


def need_row(create: NeedFields, buyer_id: UUID | None = None) -> dict[str, object]:
    """The ``needs`` table's columns and values for a validated need (JSON columns as plain data).

    Parameters
    ----------
    create : NeedFields
        Usually a :class:`NeedCreate`; its ``buyer_id`` is used unless ``buyer_id`` is given.
    buyer_id : UUID, optional
        The buyer resolved by the caller (e.g. the token's organisation).

    Examples
    --------
    >>> row = need_row(NeedCreate(title="Snöröjning", cpv_main="90620000-9"), buyer_id=None)
    >>> row["cpv_main"], row["lots"], row["status"], list(row) == list(NEED_COLUMNS)
    ('90620000', [], 'planning', True)
    """
    data = create.model_dump(mode="json")
    row: dict[str, object] = {column: data.get(column) for column in NEED_COLUMNS}
    row["buyer_id"] = buyer_id if buyer_id is not None else getattr(create, "buyer_id", None)
    for column in ("planned_tender_date", "contract_start", "contract_end"):
        row[column] = getattr(create, column)  # asyncpg wants date objects, not ISO text
    return row


class NeedPatch(BaseModel):
    """Fields to change; absent fields stay, ``null`` clears an optional field. Status: see /status."""

    model_config = ConfigDict(extra="forbid")

    title: str | None = None
    description: str | None = None
    cpv_main: str | None = None
    cpv_additional: list[Any] | None = None
    estimated_value_sek: Int64 | None = Field(default=None, ge=0)
    planned_tender_date: date | None = None
    contract_start: date | None = None
    contract_end: date | None = None
    procedure: Procedure | None = None
    lots: list[Any] | None = None
    delivery_municipality: str | None = None
    suitable_for_smes: bool | None = None
    reference: str | None = None
    ocid: str | None = None
    contact: dict[str, Any] | None = None


class StatusChange(BaseModel):
    """Move a need along planning → planned → published, or cancel it while not yet published."""

    model_config = ConfigDict(extra="forbid")

    status: NeedStatus
    reason: Reason = ""


class BuyerRef(BaseModel):
    id: UUID
    name: str


class NeedWarning(BaseModel):
    code: str
    message: str = Field(description="Swedish")


ProcurementStage = Literal["planned", "tender", "awarded", "contract", "cancelled", "unsuccessful"]


class TenderPeriod(BaseModel):
    start: datetime | None = None
    end: datetime | None = None


class AwardSupplier(BaseModel):
    orgnr: str | None = Field(default=None, description="Organisationsnummer (OCDS scheme SE-BLV); null if none")
    name: str | None = None
    organisation_id: UUID | None = Field(
        default=None, description="The registered organisation with this org.nr; null if none is registered"
    )


class AwardRead(BaseModel):
    id: str = Field(description="The OCDS award id")
    status: Literal["pending", "active", "cancelled", "unsuccessful"]
    date: datetime | None = None
    value_sek: int | None = None
    suppliers: list[AwardSupplier] = Field(default_factory=list)


class ContractRead(BaseModel):
    id: str = Field(description="The OCDS contract id")
    award_id: str | None = None
    status: Literal["pending", "active", "cancelled", "terminated"]
    period_start: datetime | None = None
    period_end: datetime | None = None
    value_sek: int | None = None
    date_signed: datetime | None = None


class ProcurementRead(BaseModel):
    """Where the need's procurement stands, from its OCDS releases (separate from the need's ``status``)."""

    stage: ProcurementStage = Field(
        default="planned", description="planned → tender (annonserad) → awarded → contract; or cancelled/unsuccessful"
    )
    tender_status: str | None = Field(default=None, description="The OCDS tender.status last heard of")
    tender_published: bool = Field(default=False, description="The tender has been advertised")
    tender_period: TenderPeriod = Field(default_factory=TenderPeriod)
    awards: list[AwardRead] = Field(default_factory=list)
    contracts: list[ContractRead] = Field(default_factory=list)


class NeedRead(NeedFields):
    """A need as readers see it. ``contact`` is null for callers who may not see personal data."""

    id: UUID
    version: int
    created_at: datetime
    updated_at: datetime
    buyer: BuyerRef
    cpv_main_label: str = Field(description="Swedish CPV label")
    cpv_additional_labels: list[str]
    value_band: ValueBand | None = Field(description="By the thresholds in force on planned_tender_date (or today)")
    warnings: list[NeedWarning]
    procurement: ProcurementRead = Field(
        default_factory=ProcurementRead, description="From the buyer's OCDS tender, award and contract releases"
    )


class NeedList(BaseModel):
    items: list[NeedRead]
    next_cursor: str | None = None


class OcdsImportResult(BaseModel):
    created: int
    updated: int
    needs: list[UUID]


class OcdsDocument(BaseModel):
    """An OCDS 1.1 release package (``releases: [...]``) or a single release (for the OpenAPI document)."""

    model_config = ConfigDict(extra="allow")

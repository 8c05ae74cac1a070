"""Organisations (SMEs and public buyers) and their contact people: what clients send and get back.

Input models validate hard and normalise (org.nr to ``NNNNNN-NNNN``, CPV codes to 8 digits, phone
numbers to E.164, keywords lower-cased and deduplicated), so what is stored is already canonical.
:func:`organisation_row` maps a validated create to the ``registry.organisations`` columns; the
routes and the CSV bulk importer both insert through it. Which fields the profile has, and the columns
each is stored in, is :mod:`shared.organisation_profile`'s to say; the models here spell the fields out
with their types (``tests/test_organisation_profile.py`` holds them to it).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Annotated, Any, Literal
from urllib.parse import urlsplit
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationInfo,
    field_validator,
)

from shared.organisation_profile import COMPOSITE_FIELDS, NULLABLE_FIELD_NAMES, PROFILE_FIELDS, REQUIRED_FIELD_NAMES
from shared.reference.cpv import CpvCode
from shared.reference.municipalities import CountyCode, MunicipalityCode
from shared.reference.orgnr import OrgNr, is_personal_number
from shared.reference.phone import ContactPerson
from shared.text import Name, multi_line, single_line

from .sql.organisations import WRITABLE_COLUMNS

Kind = Literal["sme", "buyer"]
EmployeesBand = Literal["0", "1-9", "10-49", "50-249", "250+"]
BuyerCategory = Literal["municipality", "region", "county_board", "municipal_company", "state_agency", "other"]

# bigint in PostgreSQL; anything larger is a typo, not a turnover.
MAX_TURNOVER_SEK = 10**15


def _dedupe(values: list[Any]) -> list[Any]:
    """Drop repeats, keeping the first occurrence's position.

    Examples
    --------
    >>> _dedupe(["b", "a", "b"])
    ['b', 'a']
    """
    return list(dict.fromkeys(values))


def check_website(value: str) -> str:
    """Accept an absolute http(s) URL with a host.

    Examples
    --------
    >>> check_website("https://www.falun.se/upphandling")
    'https://www.falun.se/upphandling'
    >>> check_website("ftp://example.se")
    Traceback (most recent call last):
    ...
    ValueError: must be an http:// or https:// address with a host name
    """
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname or " " in value:
        raise ValueError("must be an http:// or https:// address with a host name")
    return value


Keyword = Annotated[str, *single_line(60, min_length=1, lower=True)]
Certificate = Annotated[str, *single_line(100, min_length=1)]
LanguageCode = Annotated[str, StringConstraints(pattern=r"^[a-z]{2}$")]
Website = Annotated[Annotated[str, *single_line(300)], AfterValidator(check_website)]
OrganisationName = Name
ContactTitle = Annotated[str, *single_line(200)]


# Field types shared by the create and the update model (lists lose repeats, keeping first positions).
Description = Annotated[str, *multi_line(5000)]
Keywords = Annotated[list[Keyword], Field(max_length=30), AfterValidator(_dedupe)]
CpvCodes = Annotated[list[CpvCode], Field(max_length=50), AfterValidator(_dedupe)]
Certificates = Annotated[list[Certificate], Field(max_length=20), AfterValidator(_dedupe)]
Languages = Annotated[list[LanguageCode], Field(min_length=1, max_length=20), AfterValidator(_dedupe)]


class ContactIn(ContactPerson):
    """A contact person (personal data: shown only to the organisation, organisers and the matcher)."""

    title: ContactTitle = ""


class Contact(ContactIn):
    """A stored contact person."""

    id: UUID


class AreasServed(BaseModel):
    """Where the organisation delivers: the whole country, whole counties, or listed municipalities."""

    model_config = ConfigDict(extra="forbid")

    whole_country: bool = False
    counties: Annotated[list[CountyCode], Field(max_length=25), AfterValidator(_dedupe)] = Field(default_factory=list)
    municipalities: Annotated[list[MunicipalityCode], Field(max_length=300), AfterValidator(_dedupe)] = Field(
        default_factory=list
    )


class _OrganisationFields(BaseModel):
    """Fields an organisation's profile has (shared by create and update)."""

    model_config = ConfigDict(extra="forbid")

    name: OrganisationName
    municipality_code: MunicipalityCode = Field(description="Kommunkod of the seat, e.g. 2080 (Falun)")
    description: Description = ""
    keywords: Keywords = Field(default_factory=list)
    employees_band: EmployeesBand | None = None
    turnover_sek: int | None = Field(default=None, ge=0, le=MAX_TURNOVER_SEK)
    areas_served: AreasServed = Field(default_factory=AreasServed)
    certificates: Certificates = Field(default_factory=list)
    languages: Languages = Field(default_factory=lambda: ["sv"], description="ISO 639-1 codes, e.g. sv, en")
    website: Website | None = None
    contacts: list[ContactIn] = Field(default_factory=list, max_length=10)


class OrganisationCreate(_OrganisationFields):
    """A new SME or buyer."""

    kind: Kind
    orgnr: OrgNr = Field(description="Organisationsnummer, NNNNNN-NNNN (sole traders: the personnummer)")
    cpv_codes: CpvCodes = Field(
        default_factory=list, validate_default=True, description="What the organisation sells or buys (CPV 2008)"
    )
    buyer_category: BuyerCategory | None = Field(default=None, description="Buyers only: what kind of public body")

    # Fields are validated in order (inherited ones first, then kind, orgnr, cpv_codes, buyer_category),
    # so `kind` is already in info.data when these two run.
    @field_validator("cpv_codes")
    @classmethod
    def smes_name_what_they_sell(cls, codes: list[str], info: ValidationInfo) -> list[str]:
        if info.data.get("kind") == "sme" and not codes:
            raise ValueError("an SME must name at least one CPV code for what it sells")
        return codes

    @field_validator("buyer_category")
    @classmethod
    def category_only_for_buyers(cls, category: str | None, info: ValidationInfo) -> str | None:
        if category is not None and info.data.get("kind") == "sme":
            raise ValueError("only buyers have a buyer_category")
        return category


# Fields of an update that may be cleared with an explicit null; the others must keep a value.
NULLABLE_FIELDS = NULLABLE_FIELD_NAMES


class OrganisationUpdate(BaseModel):
    """A partial change (PATCH): a present key changes its field, null clears a nullable field.

    ``contacts``, when present, replaces the whole list. ``kind`` cannot change; ``orgnr`` only by
    organisers. Cross-field rules (an SME keeps a CPV code, buyer_category only for buyers) are checked
    against the merged result.
    """

    model_config = ConfigDict(extra="forbid")

    kind: Kind | None = None
    orgnr: OrgNr | None = None
    name: OrganisationName | None = None
    municipality_code: MunicipalityCode | None = None
    description: Description | None = None
    keywords: Keywords | None = None
    cpv_codes: CpvCodes | None = None
    employees_band: EmployeesBand | None = None
    turnover_sek: int | None = Field(default=None, ge=0, le=MAX_TURNOVER_SEK)
    areas_served: AreasServed | None = None
    certificates: Certificates | None = None
    languages: Languages | None = None
    buyer_category: BuyerCategory | None = None
    website: Website | None = None
    contacts: list[ContactIn] | None = Field(default=None, max_length=10)

    @field_validator(*REQUIRED_FIELD_NAMES, "contacts")
    @classmethod
    def required_fields_cannot_be_cleared(cls, value: Any) -> Any:
        # Runs only for keys the client sent: an explicit null on a required field is an error.
        if value is None:
            raise ValueError("this field cannot be cleared (send a value, or leave the key out)")
        return value

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, as validated Python values (contacts as ContactIn)."""
        return {name: getattr(self, name) for name in self.model_fields_set}


class Organisation(BaseModel):
    """An organisation as stored. ``contacts`` is null when the caller may not see them; ``orgnr`` is
    null for erased organisations and, for sole traders (a personnummer), for callers other than the
    organisation itself, organisers and the matcher."""

    id: UUID
    kind: Kind
    orgnr: str | None
    orgnr_is_personal_number: bool = Field(description="A sole trader's personnummer (personal data)")
    name: str
    municipality_code: str
    description: str
    keywords: list[str]
    cpv_codes: list[str]
    employees_band: EmployeesBand | None
    turnover_sek: int | None
    areas_served: AreasServed
    certificates: list[str]
    languages: list[str]
    buyer_category: BuyerCategory | None
    website: str | None
    contacts: list[Contact] | None
    erased: bool
    version: int
    created_at: datetime
    updated_at: datetime


class CreatedOrganisation(Organisation):
    """The answer to a self-registration: the organisation and its first SME token (shown once)."""

    token: str | None = Field(default=None, description="The SME's API token. Shown only now: store it safely.")


# Columns of registry.organisations written from a create (contacts live in their own table).
ORGANISATION_COLUMNS = WRITABLE_COLUMNS


def _copied(value: Any) -> Any:
    """A list as a new list (rows and models keep theirs), anything else as it is."""
    return list(value) if isinstance(value, list) else value


def profile_columns(fields: Mapping[str, Any]) -> dict[str, object]:
    """Map model field names to column names (``areas_served`` spreads over three columns).

    Examples
    --------
    >>> profile_columns({"name": "Falu Städ AB", "areas_served": AreasServed(counties=["20"])})
    {'name': 'Falu Städ AB', 'serves_whole_country': False, 'served_counties': ['20'], 'served_municipalities': []}
    """
    columns: dict[str, object] = {}
    for name, value in fields.items():
        if name == "contacts":
            continue
        parts = COMPOSITE_FIELDS.get(name)
        if parts:
            for key, column in parts:
                columns[column] = _copied(getattr(value, key))
        else:
            columns[name] = value
    return columns


def organisation_row(create: OrganisationCreate) -> dict[str, object]:
    """The ``registry.organisations`` columns → values of a new organisation (without contacts).

    Examples
    --------
    >>> row = organisation_row(OrganisationCreate(
    ...     kind="sme", orgnr="5560160680", name="Falu Städ AB", municipality_code="2080", cpv_codes=["90910000-9"]))
    >>> row["orgnr"], row["cpv_codes"], row["languages"], row["serves_whole_country"]
    ('556016-0680', ['90910000'], ['sv'], False)
    """
    fields = {name: getattr(create, name) for name in type(create).model_fields if name != "contacts"}
    row = profile_columns(fields)
    return {column: row[column] for column in ORGANISATION_COLUMNS}


def create_fields_of_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """A stored row in the shape of :class:`OrganisationCreate` (without contacts), for merging a PATCH."""
    return {
        field.name: {key: _copied(row[column]) for key, column in field.parts} if field.parts else row[field.name]
        for field in PROFILE_FIELDS
    }


def organisation_of_row(
    row: Mapping[str, Any], contacts: list[Mapping[str, Any]] | None, *, private: bool
) -> Organisation:
    """The read model of a stored row; ``private`` says whether the caller may see personal data.

    Without ``private`` a sole trader's org.nr (a personnummer) is withheld and ``contacts`` is null.
    """
    orgnr = row["orgnr"]
    personal = orgnr is not None and is_personal_number(orgnr)
    return Organisation(
        id=row["id"],
        kind=row["kind"],
        orgnr=orgnr if private or not personal else None,
        orgnr_is_personal_number=personal,
        name=row["name"],
        municipality_code=row["municipality_code"],
        description=row["description"],
        keywords=list(row["keywords"]),
        cpv_codes=list(row["cpv_codes"]),
        employees_band=row["employees_band"],
        turnover_sek=row["turnover_sek"],
        areas_served=AreasServed.model_construct(
            whole_country=row["serves_whole_country"],
            counties=list(row["served_counties"]),
            municipalities=list(row["served_municipalities"]),
        ),
        certificates=list(row["certificates"]),
        languages=list(row["languages"]),
        buyer_category=row["buyer_category"],
        website=row["website"],
        contacts=[Contact.model_construct(**dict(c)) for c in contacts] if private and contacts is not None else None,
        erased=row["erased_at"] is not None,
        version=row["version"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
    )

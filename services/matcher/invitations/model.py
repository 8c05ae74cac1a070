"""The invitations' request and answers (documented in the OpenAPI document)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Self
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from shared.reference.cpv import cpv_label
from shared.reference.municipalities import MunicipalityCode


def known_division(division: str) -> str:
    """A division CPV 2008 has (the registry refuses others); ValueError otherwise.

    Examples
    --------
    >>> known_division("45")
    '45'
    """
    cpv_label(f"{division}000000")  # ValueError for a division CPV 2008 does not have
    return division


CpvDivision = Annotated[
    str,
    Field(pattern=r"^[0-9]{2}$", description="A CPV division: the first two digits"),
    AfterValidator(known_division),
]


class InvitationCriteria(BaseModel):
    """The segment to invite: every criterion given must hold (at least one)."""

    model_config = ConfigDict(extra="forbid")

    municipality: MunicipalityCode | None = Field(default=None, description="Firms whose home kommunkod this is")
    cpv_division: CpvDivision | None = Field(default=None, description="Firms with a CPV code in this division")
    took_part_before: bool = Field(default=False, description="Firms registered (not cancelled) at an earlier event")
    dry_run: bool = Field(default=False, description="Only count: how many would be invited and who is left out")

    @model_validator(mode="after")
    def some_criterion(self) -> Self:
        if self.municipality is None and self.cpv_division is None and not self.took_part_before:
            raise ValueError("give at least one of municipality, cpv_division, took_part_before")
        return self

    def segment(self) -> dict[str, Any]:
        """The criteria given, as codes (what an invitation row keeps).

        Examples
        --------
        >>> InvitationCriteria(cpv_division="45", dry_run=True).segment()
        {'cpv_division': '45'}
        """
        found = self.model_dump(exclude_none=True, exclude={"dry_run", "took_part_before"})
        return found | ({"took_part_before": True} if self.took_part_before else {})

    def registry_query(self, event_id: UUID) -> dict[str, str]:
        """The registry's ``GET /segments/firms`` parameters for this segment and event.

        Examples
        --------
        >>> InvitationCriteria(municipality="2085", took_part_before=True).registry_query(UUID(int=1))
        {'municipality': '2085', 'took_part_before': 'true', 'event': '00000000-0000-0000-0000-000000000001'}
        """
        query = {key: "true" if value is True else str(value) for key, value in self.segment().items()}
        return query | {"event": str(event_id)}


class LeftOut(BaseModel):
    """The segment's firms not invited now, by why."""

    signed_up: int = Field(description="Already signed up to the event")
    already_invited: int = Field(description="Invited to the event before")
    erased: int = Field(description="Erased organisations")
    no_contact: int = Field(description="No contact address in the registry")


class InvitationOutcome(BaseModel):
    matched: int = Field(description="Firms of the segment, signed-up ones included")
    queued: int = Field(description="Invitations queued now (with dry_run: that would be)")
    left_out: LeftOut
    dry_run: bool


class Invitation(BaseModel):
    organisation_id: UUID
    name: str | None = Field(description="As the registry shows it now (None when it is gone)")
    segment: dict[str, Any] = Field(description="The criteria the firm was invited by (codes and ids)")
    queued_at: dt.datetime
    delivered_at: dt.datetime | None
    given_up: bool = Field(description="The e-mail could not be delivered")


class InvitationList(BaseModel):
    count: int = Field(description="Invitations to the event in all")
    items: list[Invitation] = Field(description="Oldest first")

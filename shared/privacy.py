"""What both services agree on about erased organisations and the registry's change feed.

The registry records each erasure and each cancellation after publication as a row of its change feed
(``GET /changes``); the matcher applies them to every copy it holds. Both show an erased organisation
under the same words.
"""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

# The name an erased organisation keeps where a record (a published schedule) needs a name at all.
ERASED_NAME = "Borttagen organisation"


class ChangeKind(StrEnum):
    # The organisation was erased (GDPR art. 17): every copy of its data must go.
    ORGANISATION_ERASED = "organisation.erased"
    # A registration was cancelled after the schedule was made: the meetings are off, people are told.
    REGISTRATION_CANCELLED = "registration.cancelled"
    # A need's procurement moved (OCDS tender, award, contract): the firms that met its buyer may be told.
    NEED_STAGE = "need.stage"


class Change(BaseModel):
    """One entry of the registry's change feed: what happened to whom, never any personal data.

    Examples
    --------
    >>> Change(id=1, kind="organisation.erased", organisation_id=UUID(int=1), event_id=None,
    ...        at="2027-03-01T09:00:00Z").kind is ChangeKind.ORGANISATION_ERASED
    True
    """

    model_config = ConfigDict(frozen=True)

    id: int = Field(ge=1, description="Position in the feed (ascending, never reused); the next cursor")
    # A kind this code does not know stays a plain string (a newer registry may add kinds): readers skip it.
    kind: Annotated[ChangeKind | str, Field(union_mode="left_to_right")] = Field(
        description="organisation.erased, registration.cancelled or need.stage; readers skip kinds they do not know"
    )
    organisation_id: UUID = Field(description="The organisation concerned (for need.stage: the need's buyer)")
    event_id: UUID | None = Field(description="The event (for a cancellation); null for an erasure")
    at: dt.datetime = Field(description="When it happened (UTC)")
    need_id: UUID | None = Field(default=None, description="The need (for need.stage)")
    stage: str | None = Field(default=None, description="The need's new procurement stage (for need.stage)")


class ChangeFeed(BaseModel):
    """A page of the change feed, oldest first."""

    items: list[Change] = Field(description="Changes after the cursor asked for, oldest first")
    last_id: int = Field(ge=0, description="The id of the last item (the cursor to ask after next time)")

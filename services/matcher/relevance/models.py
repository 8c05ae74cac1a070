"""What ``GET /events/{event_id}/relevance`` takes and gives."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import FieldError, ValidationProblem

MAX_ITEMS = 5000


class RelevanceQuery(BaseModel):
    """Whose list: exactly one of ``sme_id`` and ``buyer_id``."""

    model_config = ConfigDict(extra="forbid")

    sme_id: UUID | None = Field(default=None, description="A firm: the event's needs, best fit first")
    buyer_id: UUID | None = Field(default=None, description="A buyer: the event's firms, best fit first")
    limit: int = Field(default=1000, ge=1, le=MAX_ITEMS, description="At most this many counterparts")

    def party(self) -> tuple[Literal["sme", "buyer"], UUID]:
        """(side, organisation id), or 422 naming the parameters when not exactly one is given.

        Examples
        --------
        >>> from uuid import UUID
        >>> RelevanceQuery(sme_id=UUID(int=1)).party()
        ('sme', UUID('00000000-0000-0000-0000-000000000001'))
        """
        if (self.sme_id is None) == (self.buyer_id is None):
            detail = "Give exactly one of sme_id and buyer_id."
            raise ValidationProblem(
                [FieldError(parameter=name, code="one_of", detail=detail) for name in ("sme_id", "buyer_id")]
            )
        return ("sme", self.sme_id) if self.sme_id is not None else ("buyer", self.buyer_id)  # type: ignore[return-value]


class RelevanceItem(BaseModel):
    """One counterpart, scored by the engine as the schedule would score the pair."""

    organisation_id: UUID = Field(description="The counterpart: a buyer (a firm's list) or a firm (a buyer's list)")
    name: str = Field(description="The counterpart's name")
    need_id: UUID | None = Field(
        description="A firm's list: the need scored (null: a buyer bringing no need, scored on its profile); "
        "a buyer's list: the buyer's need that fits the firm best"
    )
    need_title: str = Field(description="That need's title (a buyer without needs: its name)")
    cpv_main: str = Field(
        description="A firm's list: the need's main CPV code; a buyer's list: the firm's best-matching code "
        "('' when none fits)"
    )
    municipality_code: str | None = Field(
        description="A firm's list: where the need is delivered (null: not said); a buyer's list: the firm's home"
    )
    score: int = Field(ge=0, le=100, description="Relevance of the pair, 0–100")
    components: dict[str, float] = Field(description="cpv, text, geography, size, interest and fit, each 0–1")
    reason_sv: str = Field(description="Why, in a few words (Swedish): 'Passar er: samma CPV-kod …'")
    reason_en: str = Field(description="The same in English")


class RelevanceList(BaseModel):
    """The asking party's counterparts at the event, best fit first."""

    event_id: UUID
    organisation_id: UUID = Field(description="Whose list it is")
    side: Literal["sme", "buyer"] = Field(description="sme: the items are needs; buyer: the items are firms")
    signed_up: bool = Field(
        description="The party is signed up for the event; false: scored from its profile as if it were"
    )
    min_relevance_percent: int = Field(description="The event's minimum relevance for a meeting (0–100)")
    items: list[RelevanceItem]

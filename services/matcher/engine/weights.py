"""How much each scoring component counts, with documented defaults and per-event overrides.

The relevance of an SME–buyer pair (see :mod:`.scoring`) is

``fit = (w_cpv·cpv + w_text·text + w_geo·geography + w_size·size) / (w_cpv + w_text + w_geo + w_size)``

``score = fit + w_interest · interest · (1 − fit)``

so declared interest is a *bonus* that closes a share of the headroom above the substantive fit: it can
lift a pair but never past 1, and it matters most where the profiles alone say little (people know
things the registry does not). Organiser rules then apply: "must meet" raises the score to at least
``must_meet_score`` and makes the pair allowed; "never" forbids it and sets it to 0.

Why these defaults (all tunable per event):

- ``cpv`` 0.40 — the CPV code is the one structured statement of *what* is bought and sold, chosen
  from a controlled vocabulary by both sides; it is the strongest and least noisy signal.
- ``text`` 0.25 — free text catches what codes miss (firms pick broad or wrong codes; "snöröjning"
  may sit under 90620000 or 45233141) but is noisier, so it counts less than CPV.
- ``geography`` 0.20 — most contracts at a Dalarna Affärsträff are local services (cleaning,
  snow clearing, maintenance) where delivering on site decides whether a small firm can bid at all.
- ``size`` 0.15 — a firm can rarely take a contract far larger than its yearly turnover, but
  consortia and subcontracting soften this, and turnover is often missing: the weakest signal.
- ``interest`` 0.60 — a mutual, top-ranked interest closes 60 % of the gap to 1 (fit 0.3 → 0.72);
  a one-sided one a third of that (→ 0.44). People's own wishes should visibly matter, yet a pair
  with a real fit and no wishes should still beat a pair with wishes and no fit at all.
- ``mutual`` 1.0 — the weight of the both-sides term in the interest component
  ``(sme + buyer + mutual·sme·buyer) / (2 + mutual)``: with 1.0 a mutual interest (1.0) is worth more
  than the two one-sided ones together (1/3 + 1/3), because a meeting both asked for is the one most
  likely to lead to a bid.
- ``rank_decay`` 0.5 — the SME's rank r of a need gives interest ``1 / (1 + rank_decay·(r − 1))``:
  rank 1 → 1, rank 2 → 0.67, rank 3 → 0.5; an unranked wish counts like rank 3.
- ``must_meet_score`` 0.9 — the organiser asked for this meeting; it ranks among the best pairs.
- ``min_substance`` 0.2 — a pair with neither CPV nor text fit of at least this much (0.25 is "same
  CPV division" between two 8-digit codes) and no declared interest scores 0: geography and size
  alone are no reason to meet.
- ``distance_scale_km`` 50 — outside the served area, geography is ``exp(−d / 50 km)``: a neighbour
  municipality (~40 km centroid to centroid) still scores ≈ 0.45, the other end of Dalarna
  (~200 km) ≈ 0.02. 50 km is roughly the radius a small service firm covers in a working day.
- ``size_ratio_limit`` 10 — size fit falls log-linearly from 1 at contract value ≤ turnover to 0 at
  ten times the turnover (contracts usually run several years, so up to one year's turnover in total
  value is comfortable; ten times is out of reach without partners).
- ``text_floor`` 0.05, ``text_full`` 0.35 — character n-gram cosines between unrelated Swedish texts
  are ~0.0–0.08 (shared endings, "och"), clear topical matches 0.2–0.4; the text component maps
  ``[floor, full]`` linearly onto ``[0, 1]``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from .model import InstanceError

COMPONENTS = ("cpv", "text", "geography", "size")


class ScoringWeights(BaseModel):
    """Weights and calibration of the relevance score (see the module docstring for the reasons).

    Examples
    --------
    >>> w = ScoringWeights()
    >>> w.cpv, w.interest
    (0.4, 0.6)
    >>> try:
    ...     ScoringWeights(cpv=0, text=0, geography=0, size=0)
    ... except ValueError as error:
    ...     print("rejected:", error.errors()[0]["msg"])
    rejected: Value error, at least one of cpv, text, geography, size must be positive
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    cpv: float = Field(default=0.40, ge=0, description="Weight of hierarchical CPV fit")
    text: float = Field(default=0.25, ge=0, description="Weight of text fit (description/keywords vs needs)")
    geography: float = Field(default=0.20, ge=0, description="Weight of geography (served area, distance)")
    size: float = Field(default=0.15, ge=0, description="Weight of size fit (contract value vs turnover)")
    interest: float = Field(default=0.60, ge=0, le=1, description="Share of the headroom closed by full interest")
    mutual: float = Field(default=1.0, ge=0, description="Weight of the both-sides term of the interest component")
    rank_decay: float = Field(default=0.5, ge=0, description="Interest of rank r is 1/(1 + rank_decay·(r-1))")
    unranked_rank: int = Field(default=3, ge=1, description="Rank assumed for a wish without a rank")
    must_meet_score: float = Field(default=0.9, ge=0, le=1, description="Lowest score of a 'must meet' pair")
    min_substance: float = Field(default=0.2, ge=0, le=1, description="Below this CPV and text fit, no reason")
    distance_scale_km: float = Field(default=50.0, gt=0, description="Geography decays as exp(-d / scale)")
    size_ratio_limit: float = Field(default=10.0, gt=1, description="Value/turnover ratio at which size fit is 0")
    text_floor: float = Field(default=0.05, ge=0, lt=1, description="Cosine mapped to text fit 0")
    text_full: float = Field(default=0.35, gt=0, le=1, description="Cosine mapped to text fit 1")

    @model_validator(mode="after")
    def _check(self) -> ScoringWeights:
        if not any(getattr(self, name) > 0 for name in COMPONENTS):
            raise ValueError(f"at least one of {', '.join(COMPONENTS)} must be positive")
        if self.text_full <= self.text_floor:
            raise ValueError("text_full must be above text_floor")
        return self

    def component_weights(self) -> tuple[float, ...]:
        """The weights of the fit components, in :data:`COMPONENTS` order, normalised to sum to 1.

        Examples
        --------
        >>> ScoringWeights(cpv=1, text=1, geography=0, size=0).component_weights()
        (0.5, 0.5, 0.0, 0.0)
        """
        raw = [getattr(self, name) for name in COMPONENTS]
        total = sum(raw)
        return tuple(value / total for value in raw)

    def rank_interest(self, rank: int | None) -> float:
        """The SME-side interest of a wish of this rank (None: unranked).

        Examples
        --------
        >>> w = ScoringWeights()
        >>> [round(w.rank_interest(r), 2) for r in (1, 2, 3, None)]
        [1.0, 0.67, 0.5, 0.5]
        """
        effective = self.unranked_rank if rank is None else max(1, rank)
        return 1.0 / (1.0 + self.rank_decay * (effective - 1))


def weights_for_event(overrides: Mapping[str, Any] | None = None) -> ScoringWeights:
    """The default weights with an event's overrides applied, validated.

    Parameters
    ----------
    overrides : mapping, optional
        Field names of :class:`ScoringWeights` and their values for this event.

    Returns
    -------
    ScoringWeights

    Raises
    ------
    InstanceError
        Naming the first offending field (``weights.<name>``): unknown, negative, or all fit weights 0.

    Examples
    --------
    >>> weights_for_event({"geography": 0.5}).geography
    0.5
    >>> weights_for_event({"size": -1})
    Traceback (most recent call last):
    ...
    services.matcher.engine.model.InstanceError: weights.size: Input should be greater than or equal to 0
    """
    try:
        return ScoringWeights(**dict(overrides or {}))
    except ValidationError as error:
        first = error.errors()[0]
        location = ".".join(str(part) for part in first["loc"])
        item = f"weights.{location}" if location else "weights"
        raise InstanceError(item, first["msg"].removeprefix("Value error, ")) from None

"""Relevance of every SME–buyer pair, from named components, vectorised over all pairs.

Each component is computed for every SME × *need* pair (S × N, in blocks of SMEs to bound memory), the
need-level scores are combined (formula in :mod:`.weights`), and each buyer keeps the best of its needs:
``relevance[s, b] = max over b's needs n of score[s, n]``, with ``driving_need[s, b]`` the need that
gave it. A max rather than a soft-max keeps every number explainable: the components stored for a pair
are exactly those of one need, and they reproduce its score.

Components, each in [0, 1]:

- **cpv** — hierarchical fit of the SME's codes with the need's main and additional codes: the best
  over code pairs of the Wu–Palmer similarity ``2·depth(lcs) / (depth(a) + depth(b))`` (Wu & Palmer,
  "Verb semantics and lexical selection", ACL 1994), with depth = significant digits and ``lcs`` the
  deepest common ancestor-or-self in the CPV tree (as :func:`shared.reference.cpv.shared_depth`). Equal
  codes give 1, two 8-digit codes sharing only their division 0.25, different divisions 0.
- **text** — cosine of character n-gram TF-IDF vectors (:mod:`.text`), mapped from
  ``[text_floor, text_full]`` onto [0, 1].
- **geography** — 1 if the need's delivery municipality is in the firm's served area, else
  ``exp(−d / distance_scale_km)`` with d the great-circle distance from the nearest municipality of the
  area; 0 if no distance is known; 0.5 (neutral) if the need names no delivery municipality.
- **size** — 1 up to contract value = turnover, falling log-linearly to 0 at ``size_ratio_limit``
  times the turnover; a direct-award-sized need for a micro firm is 1; unknown value or turnover 0.5.
- **interest** — ``(a + w + mutual·a·w) / (2 + mutual)`` with a the SME's interest in the need (by
  rank) and w = 1 if the buyer wished to meet the SME.
"""

from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np
import scipy.sparse as sp
from numpy.typing import NDArray

from .model import BoolArray, FloatArray, InstanceError, IntArray, frozen
from .text import TextSimilarity
from .weights import ScoringWeights

# The components are float32 (half the memory of the S × N blocks); relevance, the solvers' input, is float64.
Float32Array = NDArray[np.float32]

BLOCK_ENTRIES = 1_000_000  # SME × need entries per block: a few 8 MB temporaries at a time
NEUTRAL = 0.5


@dataclass(frozen=True, eq=False)
class PairFeatures:
    """Everything scoring needs, as arrays (built by :func:`.encode.encode_snapshot`, or by hand in tests).

    Attributes
    ----------
    cpv_codes : (C,) int
        The CPV codes in use, as 8-digit integers (90910000).
    cpv_lineage : (C, 9) int
        ``cpv_lineage[c, d]`` is the ancestor-or-self of code c with d significant digits, as an 8-digit
        integer, or -1 (no such level on its path; columns 0 and 1 are always -1).
    cpv_depth : (C,) int
        Significant digits of each code (2–8).
    sme_cpv, need_cpv : (S, Ks), (N, Kn) int
        Indexes into ``cpv_codes``, padded with -1.
    sme_text, need_text : scipy.sparse.csr_matrix
        Unit-length TF-IDF rows (see :mod:`.text`).
    sme_served : (S, M) bool
        Municipalities each SME serves (its own included).
    need_municipality : (N,) int
        Delivery municipality index, -1 when not given.
    distance_km : (M, M) float
        Great-circle distances between municipality centroids, NaN where unknown.
    sme_turnover, need_value : (S,), (N,) float
        SEK, NaN when unknown.
    sme_micro : (S,) bool
        Micro firm (fewer than 10 employees or turnover at most the EU micro limit).
    need_small : (N,) bool
        Direct-award sized (planned as a direct award, or value at most the direct-award threshold).
    sme_need_interest : (S, N) float, scipy.sparse (dense input is converted)
        The SME's declared interest in each need (0 none, 1 its first choice); sparse because an SME
        names a handful of needs among thousands.
    buyer_wish : (S, B) bool
        The buyer wished to meet the SME.
    need_buyer : (N,) int
        Owner of each need column, non-decreasing, every buyer at least once.
    must_meet, never : (S, B) bool
        Organiser pair rules.
    """

    cpv_codes: IntArray
    cpv_lineage: IntArray
    cpv_depth: IntArray
    sme_cpv: IntArray
    need_cpv: IntArray
    sme_text: sp.csr_matrix
    need_text: sp.csr_matrix
    sme_served: BoolArray
    need_municipality: IntArray
    distance_km: FloatArray
    sme_turnover: FloatArray
    need_value: FloatArray
    sme_micro: BoolArray
    need_small: BoolArray
    sme_need_interest: sp.csr_matrix
    buyer_wish: BoolArray
    need_buyer: IntArray
    must_meet: BoolArray
    never: BoolArray

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name in ("sme_text", "need_text", "sme_need_interest"):
                object.__setattr__(self, item.name, sp.csr_matrix(value))
            else:
                object.__setattr__(self, item.name, frozen(value, np.asarray(value).dtype))
        smes, needs = self.sme_need_interest.shape
        buyers = self.buyer_wish.shape[1]
        checks = {
            "sme_cpv": (self.sme_cpv.shape[0], smes),
            "need_cpv": (self.need_cpv.shape[0], needs),
            "sme_served": (self.sme_served.shape[0], smes),
            "need_municipality": (self.need_municipality.shape[0], needs),
            "need_buyer": (self.need_buyer.shape[0], needs),
            "buyer_wish": (self.buyer_wish.shape[0], smes),
            "must_meet": (self.must_meet.shape, (smes, buyers)),
            "never": (self.never.shape, (smes, buyers)),
        }
        for name, (actual, expected) in checks.items():
            if actual != expected:
                raise InstanceError(name, f"has size {actual}, expected {expected}")
        if buyers and not np.array_equal(np.unique(self.need_buyer), np.arange(buyers)):
            raise InstanceError("need_buyer", "every buyer needs at least one need column, owners in 0..B-1")
        if np.any(np.diff(self.need_buyer) < 0):
            raise InstanceError("need_buyer", "need columns must be grouped by buyer (non-decreasing)")

    @property
    def shape(self) -> tuple[int, int, int]:
        """(S, B, N): SMEs, buyers, need columns."""
        return self.sme_need_interest.shape[0], self.buyer_wish.shape[1], self.sme_need_interest.shape[1]


@dataclass(frozen=True, eq=False)
class PairScores:
    """Relevance of every SME–buyer pair with the components of the need that drove it.

    Attributes
    ----------
    relevance : (S, B) float64 in [0, 1]
        Final score: organiser rules applied ("never" → 0, "must meet" → at least ``must_meet_score``).
    fit : (S, B) float32
        Weighted mean of cpv, text, geography and size of the driving need.
    cpv, text, geography, size : (S, B) float32
        The components of the driving need.
    sme_interest : (S, B) float32
        The SME's declared interest in the driving need.
    buyer_wish : (S, B) bool
    interest : (S, B) float32
        The combined interest component.
    driving_need : (S, B) int32
        The need column (see :attr:`PairFeatures.need_buyer`) whose score the pair has.
    """

    relevance: FloatArray
    fit: Float32Array
    cpv: Float32Array
    text: Float32Array
    geography: Float32Array
    size: Float32Array
    sme_interest: Float32Array
    buyer_wish: BoolArray
    interest: Float32Array
    driving_need: NDArray[np.int32]


def cpv_similarity(cpv_lineage: IntArray, cpv_depth: IntArray) -> FloatArray:
    """Wu–Palmer similarity of every pair of codes: ``2·depth(lcs) / (depth(a) + depth(b))``.

    Parameters
    ----------
    cpv_lineage : (C, 9) int
        Ancestor-or-self of each code at each depth, -1 where the path has no code of that depth.
    cpv_depth : (C,) int
        Significant digits of each code.

    Returns
    -------
    (C, C) float64

    Examples
    --------
    Codes 90910000 (depth 4), 90911200 (depth 6, below it) and 45000000 (a division):

    >>> lineage = np.full((3, 9), -1)
    >>> lineage[0, [2, 3, 4]] = [90000000, 90900000, 90910000]
    >>> lineage[1, [2, 3, 4, 5, 6]] = [90000000, 90900000, 90910000, 90911000, 90911200]
    >>> lineage[2, 2] = 45000000
    >>> cpv_similarity(lineage, np.array([4, 6, 2])).round(2)
    array([[1. , 0.8, 0. ],
           [0.8, 1. , 0. ],
           [0. , 0. , 1. ]])
    """
    codes = cpv_lineage.shape[0]
    lcs_depth = np.zeros((codes, codes), dtype=np.int64)
    for depth in range(2, cpv_lineage.shape[1]):
        column = cpv_lineage[:, depth]
        shared = (column[:, None] == column[None, :]) & (column[:, None] >= 0)
        lcs_depth = np.where(shared, depth, lcs_depth)
    total_depth = cpv_depth[:, None] + cpv_depth[None, :]
    return np.divide(2.0 * lcs_depth, total_depth, out=np.zeros((codes, codes)), where=total_depth > 0)


def _best_per_need(similarity: FloatArray, need_cpv: IntArray) -> FloatArray:
    """``out[a, n]`` = best similarity of code a with any code of need n; a final all-zero row for padding.

    Reducing over the needs' (few) codes first makes the SME side a gather of whole rows per SME code:
    S·N work per code an SME lists, never S·Ks·N·Kn.
    """
    codes = similarity.shape[0]
    padded = np.zeros((codes + 1, codes + 1))  # index -1 (padding) is the last row / column: zeros
    padded[:codes, :codes] = similarity
    out = np.zeros((codes + 1, need_cpv.shape[0]))
    for k in range(need_cpv.shape[1]):
        np.maximum(out, padded[:, need_cpv[:, k]], out=out)
    return out


def _geography_table(features: PairFeatures, scale_km: float) -> FloatArray:
    """(S, M + 1) float32: each SME's geography score for delivery in each municipality; last column 0.5.

    Built once per SME and municipality, then gathered per need, so the S × N work is a single gather.
    """
    served = features.sme_served
    distances = np.where(np.isnan(features.distance_km), np.inf, features.distance_km)
    # Distance from each SME's area to each municipality: min over served municipalities with known
    # distances (only those rows of the matrix; in practice Dalarna's 15).
    area_distance = np.full(served.shape, np.inf)
    for origin in np.flatnonzero(np.isfinite(distances).any(axis=1)):
        candidate = np.where(served[:, origin, None], distances[origin][None, :], np.inf)
        np.minimum(area_distance, candidate, out=area_distance)
    table = np.full((served.shape[0], served.shape[1] + 1), NEUTRAL, dtype=np.float32)
    table[:, :-1] = np.where(served, 1.0, np.exp(-area_distance / scale_km))
    return table


def _size_terms(features: PairFeatures, ratio_limit: float) -> tuple[FloatArray, FloatArray]:
    """Per-SME and per-need terms whose difference, clipped to [0, 1], is the size fit (NaN: unknown).

    ``1 − log(value / turnover) / log(limit)`` = ``(log turnover + log limit) / log limit − log value / log limit``.
    """
    scale = np.log(ratio_limit)
    turnover = np.where(features.sme_turnover > 0, features.sme_turnover, np.nan)
    with np.errstate(divide="ignore", invalid="ignore"):
        sme_term = (np.log(turnover) + scale) / scale
        need_term = np.log(np.where(features.need_value > 0, features.need_value, np.nan)) / scale
    need_term = np.where(features.need_value == 0, -np.inf, need_term)  # a zero-value need fits anyone
    return sme_term.astype(np.float32), need_term.astype(np.float32)


def _interest(
    features: PairFeatures, block: slice, starts: IntArray, mutual: float
) -> tuple[FloatArray, FloatArray, IntArray, IntArray]:
    """SME interest and combined interest (dense, zero almost everywhere) and where they are non-zero."""
    rows_in_block = block.stop - block.start
    needs = features.need_buyer.shape[0]
    wanted = features.sme_need_interest[block].tocoo()
    sme_interest = np.zeros((rows_in_block, needs), dtype=np.float32)
    sme_interest[wanted.row, wanted.col] = wanted.data
    # Expand each buyer wish (s, b) to all of b's need columns.
    wish_rows, wish_buyers = np.nonzero(features.buyer_wish[block])
    ends = np.r_[starts[1:], needs]
    counts = (ends - starts)[wish_buyers]
    offsets = np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)
    wish_columns = np.repeat(starts[wish_buyers], counts) + offsets
    wish_rows = np.repeat(wish_rows, counts)
    wish = np.zeros((rows_in_block, needs), dtype=np.float32)
    wish[wish_rows, wish_columns] = 1.0
    rows = np.concatenate([wanted.row.astype(np.int64), wish_rows])
    columns = np.concatenate([wanted.col.astype(np.int64), wish_columns])
    a, w = sme_interest[rows, columns], wish[rows, columns]
    interest = np.zeros((rows_in_block, needs), dtype=np.float32)
    interest[rows, columns] = (a + w + np.float32(mutual) * a * w) / np.float32(2.0 + mutual)
    return sme_interest, interest, rows, columns


def score_pairs(features: PairFeatures, weights: ScoringWeights | None = None) -> PairScores:
    """Score every SME–buyer pair (see the module docstring for the components and :mod:`.weights`).

    Parameters
    ----------
    features : PairFeatures
    weights : ScoringWeights, optional
        Defaults to ``ScoringWeights()``.

    Returns
    -------
    PairScores

    Examples
    --------
    Two SMEs, one buyer with one need (CPV 90910000, delivered in municipality 0); SME 0 has the same
    code and serves municipality 0, SME 1 is in another CPV division:

    >>> from services.matcher.engine.examples import tiny_features
    >>> features = tiny_features(sme_codes=[[0], [1]], need_codes=[[0]])
    >>> scores = score_pairs(features)
    >>> scores.cpv.tolist(), scores.geography.tolist()
    ([[1.0], [0.0]], [[1.0], [1.0]])
    >>> scores.relevance.round(3).tolist()  # 0.40·1 + 0.25·0 + 0.20·1 + 0.15·0.5 (size unknown); SME 1: no fit
    [[0.675], [0.0]]
    """
    weights = weights or ScoringWeights()
    w_cpv, w_text, w_geo, w_size = (np.float32(w) for w in weights.component_weights())
    smes, buyers, needs = features.shape
    need_cpv_best = _best_per_need(cpv_similarity(features.cpv_lineage, features.cpv_depth), features.need_cpv)
    need_cpv_best = need_cpv_best.astype(np.float32)
    geography_table = _geography_table(features, weights.distance_scale_km)
    delivery = np.where(features.need_municipality >= 0, features.need_municipality, geography_table.shape[1] - 1)
    sme_size, need_size = _size_terms(features, weights.size_ratio_limit)
    small_needs = np.flatnonzero(features.need_small)
    starts = np.flatnonzero(np.r_[True, np.diff(features.need_buyer) != 0]) if needs else np.zeros(0, np.int64)
    names = ("fit", "cpv", "text", "geography", "size", "sme_interest", "interest")
    out = {name: np.zeros((smes, buyers), dtype=np.float32) for name in names}
    relevance = np.zeros((smes, buyers))
    driving = np.zeros((smes, buyers), dtype=np.int32)
    block_rows = max(1, BLOCK_ENTRIES // max(needs, 1))
    text_scale = np.float32(1.0 / (weights.text_full - weights.text_floor))
    text_similarity = TextSimilarity(features.sme_text, features.need_text)
    need_columns = np.arange(needs, dtype=np.int32)
    for first in range(0, smes if buyers else 0, block_rows):
        block = slice(first, min(smes, first + block_rows))
        cpv = np.zeros((block.stop - block.start, needs), dtype=np.float32)
        for k in range(features.sme_cpv.shape[1]):
            np.maximum(cpv, need_cpv_best[features.sme_cpv[block, k]], out=cpv)
        text = text_similarity.block(block)
        text -= np.float32(weights.text_floor)
        text *= text_scale
        np.clip(text, 0.0, 1.0, out=text)
        geography = geography_table[block][:, delivery]
        size = np.nan_to_num(sme_size[block], nan=0.0)[:, None] - np.nan_to_num(need_size, nan=0.0)[None, :]
        np.clip(size, 0.0, 1.0, out=size)
        size[np.isnan(sme_size[block])] = NEUTRAL  # unknown turnover or value: neutral
        size[:, np.isnan(need_size)] = NEUTRAL
        size[np.ix_(np.flatnonzero(features.sme_micro[block]), small_needs)] = 1.0  # direct-award size, micro firm
        fit = w_cpv * cpv
        fit += w_text * text
        fit += w_geo * geography
        fit += w_size * size
        np.minimum(fit, 1.0, out=fit)  # float32 rounding of weights summing to 1
        sme_interest, interest, rows, columns = _interest(features, block, starts, weights.mutual)
        score = fit * ((cpv >= weights.min_substance) | (text >= weights.min_substance))
        # Interest is sparse (a few needs per SME, a few SMEs per buyer): add its bonus entry by entry.
        fit_there = fit[rows, columns]
        score[rows, columns] = fit_there + np.float32(weights.interest) * interest[rows, columns] * (1.0 - fit_there)
        # Best need per buyer, and the first need column that reaches it.
        best = np.maximum.reduceat(score, starts, axis=1)
        first_best = np.where(score == best[:, features.need_buyer], need_columns, np.int32(needs))
        chosen = np.minimum.reduceat(first_best, starts, axis=1)
        relevance[block] = best
        driving[block] = chosen
        flat = (np.arange(chosen.shape[0])[:, None] * needs + chosen).ravel()
        components: tuple[np.ndarray, ...] = (fit, cpv, text, geography, size, sme_interest, interest)
        for name, values in zip(names, components, strict=True):
            out[name][block] = values.ravel()[flat].reshape(chosen.shape)
    relevance = np.where(features.must_meet, np.maximum(relevance, weights.must_meet_score), relevance)
    relevance = np.clip(np.where(features.never, 0.0, relevance), 0.0, 1.0)
    return PairScores(
        relevance=relevance,
        fit=out["fit"],
        cpv=out["cpv"],
        text=out["text"],
        geography=out["geography"],
        size=out["size"],
        sme_interest=out["sme_interest"],
        buyer_wish=np.array(features.buyer_wish),
        interest=out["interest"],
        driving_need=driving,
    )

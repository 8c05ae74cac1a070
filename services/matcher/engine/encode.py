"""Encode layer: the registry's :class:`~shared.snapshot.EventSnapshot` → index maps, arrays, scores, instance.

Indexes follow the snapshot's stable order: SMEs and buyers by organisation id, slots by grid index.
Need *columns* are grouped by buyer (buyer order, then need id): every need of a registered buyer that
is in the snapshot and not cancelled. A buyer that brings no need is represented by one *profile*
column (``need_ids[n] is None``) made from its organisation's CPV codes, description and home
municipality, so it can still be matched. A buyer's relevance to an SME is the best of its columns
(see :mod:`.scoring`), and :attr:`PairScores.driving_need` keeps which one.

Rules applied here: "never" pairs and pairs without a common meeting language (when both declared
languages) are not allowed; "must meet" pairs are always allowed (the organiser decided); a pair
that is both "must meet" and "never" is an error; pairs under the event's minimum relevance
(``min_relevance_percent``) are not allowed either (:func:`.model.apply_floor`). References the
snapshot may legitimately hold to parties not at the event (a wish for an SME that did not register,
a rule about a cancelled buyer, an SME's wish for a need of an absent buyer) are ignored; references
to things missing from the snapshot altogether are errors (:class:`InstanceError` naming the item).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID

import numpy as np
import scipy.sparse as sp

from shared.reference.cpv import cpv_ancestors, normalise_cpv, shared_depth
from shared.reference.municipalities import EARTH_RADIUS_KM, dalarna_municipalities, find_municipality
from shared.snapshot import EventSnapshot, SnapshotOrganisation

from .model import BipartiteInstance, BoolArray, InstanceError, IntArray, apply_floor, frozen
from .scoring import PairFeatures, PairScores, score_pairs
from .text import text_vectors
from .weights import ScoringWeights

DIRECT_AWARD_KIND = "direct_award_lou"
MICRO_BANDS = frozenset({"0", "1-9"})
# EU micro-enterprise limit (Recommendation 2003/361/EC): turnover ≤ EUR 2 million, about SEK 22 million.
MICRO_TURNOVER_SEK = 22_000_000


@dataclass(frozen=True, eq=False)
class EncodedEvent:
    """One event as arrays: index maps, features, scores and the bipartite instance for the solvers.

    Attributes
    ----------
    event_id : UUID
    sme_ids, buyer_ids : tuple of UUID
        Organisation ids in index order.
    sme_names, buyer_names : tuple of str
    need_ids : tuple of (UUID or None)
        Need of each column; None for a buyer's profile column.
    need_titles : tuple of str
    need_cpv_main : tuple of str
        The main CPV code of each column ("" for a profile column without codes).
    slot_indexes : (T,) int
        The snapshot's slot index of each slot position.
    municipality_codes : tuple of str
        Kommunkoder, index order of ``sme_served`` and ``need_municipality``.
    sme_municipality : (S,) int
    sme_need_rank : (S, N) int, scipy.sparse.csr_matrix
        The SME's rank of each need: 0 not wanted, -1 wanted without a rank, else 1, 2, ….
    language_ok : (S, B) bool
    features : PairFeatures
    scores : PairScores
    instance : BipartiteInstance
    weights : ScoringWeights
    """

    event_id: UUID
    sme_ids: tuple[UUID, ...]
    buyer_ids: tuple[UUID, ...]
    sme_names: tuple[str, ...]
    buyer_names: tuple[str, ...]
    need_ids: tuple[UUID | None, ...]
    need_titles: tuple[str, ...]
    need_cpv_main: tuple[str, ...]
    slot_indexes: IntArray
    municipality_codes: tuple[str, ...]
    sme_municipality: IntArray
    sme_need_rank: sp.csr_matrix
    language_ok: BoolArray
    features: PairFeatures
    scores: PairScores
    instance: BipartiteInstance
    weights: ScoringWeights

    def sme_index(self, organisation_id: UUID) -> int:
        """Index of an SME by organisation id (ValueError if absent)."""
        return self.sme_ids.index(organisation_id)

    def buyer_index(self, organisation_id: UUID) -> int:
        """Index of a buyer by organisation id (ValueError if absent)."""
        return self.buyer_ids.index(organisation_id)


@functools.cache
def _cpv_path(code: str) -> tuple[int, tuple[int, ...]]:
    """(significant digits, lineage row of length 9) of a normalised CPV code (see PairFeatures)."""
    lineage = [-1] * 9
    for member in (code, *cpv_ancestors(code)):
        lineage[shared_depth(member, member)] = int(member)
    return shared_depth(code, code), tuple(lineage)


class _CpvVocabulary:
    """Distinct CPV codes in first-seen order; invalid codes raise InstanceError naming their owner."""

    def __init__(self) -> None:
        self.index: dict[str, int] = {}
        self.codes: list[str] = []

    def indexes(self, codes: Sequence[str], owner: str) -> list[int]:
        out = []
        for raw in codes:
            try:
                code = normalise_cpv(raw)
            except ValueError as error:
                raise InstanceError(owner, f"CPV code {raw!r}: {error}") from None
            if code not in self.index:
                self.index[code] = len(self.codes)
                self.codes.append(code)
            out.append(self.index[code])
        return out

    def arrays(self) -> tuple[IntArray, IntArray, IntArray]:
        paths = [_cpv_path(code) for code in self.index]
        codes = np.array([int(code) for code in self.index], dtype=np.int64)
        depth = np.array([p[0] for p in paths], dtype=np.int64)
        lineage = np.array([p[1] for p in paths], dtype=np.int64).reshape(-1, 9)
        return codes, lineage, depth


def _padded(rows: list[list[int]]) -> IntArray:
    width = max((len(row) for row in rows), default=0)
    return np.array([row + [-1] * (width - len(row)) for row in rows], dtype=np.int64).reshape(len(rows), width)


def _availability(slots: Sequence[int], position: dict[int, int], owner: str) -> BoolArray:
    row = np.zeros(len(position), dtype=bool)
    for slot in slots:
        if slot not in position:
            raise InstanceError(owner, f"available slot {slot} is not in the event's grid")
        row[position[slot]] = True
    return row


def _served_masks(organisations: Sequence[SnapshotOrganisation], municipalities: tuple[str, ...]) -> BoolArray:
    """(S, M): whole country, counties (first two digits), listed municipalities and the home one."""
    column = {code: m for m, code in enumerate(municipalities)}
    county = np.array([code[:2] for code in municipalities])
    served = np.zeros((len(organisations), len(municipalities)), dtype=bool)
    for s, organisation in enumerate(organisations):
        area = organisation.areas_served
        if area.whole_country:
            served[s] = True
            continue
        served[s, np.isin(county, area.counties)] = True
        served[s, [column[code] for code in (*area.municipalities, organisation.municipality_code)]] = True
    return served


def _distance_matrix(municipalities: tuple[str, ...]) -> np.ndarray:
    """(M, M) great-circle km between the municipalities' points where both are known, NaN elsewhere.

    Any of Sweden's 290 municipalities has a point (Dalarna's are their area centres), so an event in
    another county scores distance as one in Dalarna does; a code outside the list scores as unknown.
    """
    points = [find_municipality(code) for code in municipalities]
    lat = np.radians([p.lat if p else np.nan for p in points])
    lon = np.radians([p.lon if p else np.nan for p in points])
    # Haversine on the mean Earth radius, as shared.reference.municipalities.distance_km.
    half_dlat = (lat[None, :] - lat[:, None]) / 2
    half_dlon = (lon[None, :] - lon[:, None]) / 2
    h = np.sin(half_dlat) ** 2 + np.cos(lat[:, None]) * np.cos(lat[None, :]) * np.sin(half_dlon) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.minimum(1.0, np.sqrt(h)))


def _direct_award_limit(snapshot: EventSnapshot) -> float:
    amounts = sorted((t.valid_from, t.amount_sek) for t in snapshot.thresholds if t.kind == DIRECT_AWARD_KIND)
    return float(amounts[-1][1]) if amounts else np.nan


def _unique(ids: Sequence[UUID], kind: str) -> dict[UUID, int]:
    index: dict[UUID, int] = {}
    for i, identifier in enumerate(ids):
        if identifier in index:
            raise InstanceError(f"{kind} {identifier}", "is registered twice")
        index[identifier] = i
    return index


def _languages_shared(sme_languages: list[list[str]], buyer_languages: list[list[str]]) -> BoolArray:
    """(S, B): a common language, or either side declared none (no constraint)."""
    vocabulary = {
        lang: k for k, lang in enumerate(sorted({lang for ls in sme_languages + buyer_languages for lang in ls}))
    }

    def indicator(lists: list[list[str]]) -> np.ndarray:
        out = np.zeros((len(lists), len(vocabulary)), dtype=np.int64)
        for row, languages in enumerate(lists):
            out[row, [vocabulary[lang] for lang in languages]] = 1
        return out

    sme, buyer = indicator(sme_languages), indicator(buyer_languages)
    silent = (sme.sum(axis=1) == 0)[:, None] | (buyer.sum(axis=1) == 0)[None, :]
    return (sme @ buyer.T > 0) | silent


def encode_snapshot(snapshot: EventSnapshot, weights: ScoringWeights | None = None) -> EncodedEvent:
    """Turn an event snapshot into index maps, feature arrays, pair scores and a :class:`BipartiteInstance`.

    Parameters
    ----------
    snapshot : EventSnapshot
    weights : ScoringWeights, optional
        The event's weights (see :func:`.weights.weights_for_event`); defaults to ``ScoringWeights()``.

    Returns
    -------
    EncodedEvent

    Raises
    ------
    InstanceError
        Naming the offending item: duplicate registrations, invalid CPV codes, slots outside the grid,
        needs referenced but missing, a pair both "must meet" and "never".

    Examples
    --------
    >>> from services.matcher.engine.examples import example_snapshot
    >>> encoded = encode_snapshot(example_snapshot())
    >>> encoded.instance.shape, len(encoded.need_ids)
    ((2, 1, 4), 1)
    >>> encoded.scores.relevance.round(2).tolist()  # the cleaner in Falun vs the builder in Mora
    [[1.0], [0.0]]
    """
    weights = weights or ScoringWeights()
    smes, buyers = snapshot.smes, snapshot.buyers
    sme_at = _unique([sme.organisation.id for sme in smes], "sme")
    buyer_at = _unique([buyer.organisation.id for buyer in buyers], "buyer")
    slot_position = {slot.index: t for t, slot in enumerate(sorted(snapshot.event.slots, key=lambda s: s.index))}
    needs_by_id = {need.id: need for need in snapshot.needs}
    for buyer in buyers:
        for need_id in buyer.brought_need_ids:
            if need_id not in needs_by_id:
                raise InstanceError(f"buyer {buyer.organisation.id}", f"brings need {need_id}, not in the snapshot")

    # Need columns, grouped by buyer; a profile column for a buyer without needs.
    owned: dict[UUID, list] = {buyer.organisation.id: [] for buyer in buyers}
    for need in sorted(snapshot.needs, key=lambda need: need.id):
        if need.buyer_id in owned and need.status != "cancelled":
            owned[need.buyer_id].append(need)
    vocabulary = _CpvVocabulary()
    limit = _direct_award_limit(snapshot)
    need_ids, need_titles, need_main, need_buyer, need_codes, need_texts = [], [], [], [], [], []
    need_municipality_codes, need_value, need_small = [], [], []
    for b, buyer in enumerate(buyers):
        organisation = buyer.organisation
        for need in owned[organisation.id]:
            need_ids.append(need.id)
            need_titles.append(need.title)
            need_codes.append(vocabulary.indexes([need.cpv_main, *need.cpv_additional], f"need {need.id}"))
            need_main.append(vocabulary.codes[need_codes[-1][0]])
            need_texts.append(f"{need.title}. {need.description}")
            need_municipality_codes.append(need.delivery_municipality)
            value = np.nan if need.estimated_value_sek is None else float(need.estimated_value_sek)
            need_value.append(value)
            need_small.append(need.procedure == "direct_award" or bool(value <= limit))  # NaN compares False
            need_buyer.append(b)
        if not owned[organisation.id]:
            need_ids.append(None)
            need_titles.append(organisation.name)
            need_codes.append(vocabulary.indexes(organisation.cpv_codes, f"buyer {organisation.id}"))
            need_main.append(vocabulary.codes[need_codes[-1][0]] if need_codes[-1] else "")
            need_texts.append(" ".join([organisation.description, *organisation.keywords]))
            need_municipality_codes.append(organisation.municipality_code)
            need_value.append(np.nan)
            need_small.append(False)
            need_buyer.append(b)
    column_of = {need_id: n for n, need_id in enumerate(need_ids) if need_id is not None}

    organisations = [sme.organisation for sme in smes]
    sme_codes = [vocabulary.indexes(o.cpv_codes, f"sme {o.id}") for o in organisations]
    municipalities = tuple(
        sorted(
            {m.code for m in dalarna_municipalities()}
            | {o.municipality_code for o in organisations}
            | {code for o in organisations for code in o.areas_served.municipalities}
            | {code for code in need_municipality_codes if code is not None}
        )
    )
    municipality_at = {code: m for m, code in enumerate(municipalities)}

    n_smes, n_buyers, n_needs = len(smes), len(buyers), len(need_ids)
    wanted_rows, wanted_columns, wanted_ranks, wanted_interest = [], [], [], []
    for s, sme in enumerate(smes):
        for wanted in sme.wanted_needs:
            if wanted.need_id not in needs_by_id:
                raise InstanceError(f"sme {sme.organisation.id}", f"wants need {wanted.need_id}, not in the snapshot")
            n = column_of.get(wanted.need_id)
            if n is not None:  # else: its buyer is not at the event, or it was cancelled
                wanted_rows.append(s)
                wanted_columns.append(n)
                wanted_ranks.append(-1 if wanted.rank is None else wanted.rank)
                wanted_interest.append(weights.rank_interest(wanted.rank))
    coordinates = (np.array(wanted_rows, dtype=np.int64), np.array(wanted_columns, dtype=np.int64))
    rank = sp.csr_matrix((np.array(wanted_ranks, dtype=np.int64), coordinates), shape=(n_smes, n_needs))
    interest = sp.csr_matrix((np.array(wanted_interest), coordinates), shape=(n_smes, n_needs))
    wish = np.zeros((n_smes, n_buyers), dtype=bool)
    for b, buyer in enumerate(buyers):
        wish[[sme_at[i] for i in buyer.wanted_sme_ids if i in sme_at], b] = True
    must = np.zeros((n_smes, n_buyers), dtype=bool)
    never = np.zeros((n_smes, n_buyers), dtype=bool)
    for rule in snapshot.pair_rules:
        if rule.sme_id in sme_at and rule.buyer_id in buyer_at:
            (must if rule.rule == "must_meet" else never)[sme_at[rule.sme_id], buyer_at[rule.buyer_id]] = True
    conflict = np.argwhere(must & never)
    if conflict.size:
        s, b = conflict[0]
        pair = f"pair (sme {smes[s].organisation.id}, buyer {buyers[b].organisation.id})"
        raise InstanceError(pair, "is both 'must meet' and 'never'")

    sme_text, need_text = text_vectors([" ".join([o.description, *o.keywords]) for o in organisations], need_texts)
    turnover = np.array([np.nan if o.turnover_sek is None else float(o.turnover_sek) for o in organisations])
    micro = np.array(
        [
            o.employees_band in MICRO_BANDS
            if o.employees_band
            else o.turnover_sek is not None and o.turnover_sek <= MICRO_TURNOVER_SEK
            for o in organisations
        ],
        dtype=bool,
    ).reshape(n_smes)
    codes, lineage, depth = vocabulary.arrays()
    features = PairFeatures(
        cpv_codes=codes,
        cpv_lineage=lineage,
        cpv_depth=depth,
        sme_cpv=_padded(sme_codes),
        need_cpv=_padded(need_codes),
        sme_text=sme_text,
        need_text=need_text,
        sme_served=_served_masks(organisations, municipalities),
        need_municipality=np.array([municipality_at.get(c, -1) if c else -1 for c in need_municipality_codes], int),
        distance_km=_distance_matrix(municipalities),
        sme_turnover=turnover.reshape(n_smes),
        need_value=np.array(need_value, dtype=float).reshape(n_needs),
        sme_micro=micro,
        need_small=np.array(need_small, dtype=bool).reshape(n_needs),
        sme_need_interest=interest,
        buyer_wish=wish,
        need_buyer=np.array(need_buyer, dtype=np.int64),
        must_meet=must,
        never=never,
    )
    scores = score_pairs(features, weights)
    language_ok = _languages_shared([sme.languages for sme in smes], [buyer.languages for buyer in buyers])
    sme_available = np.array(
        [_availability(sme.available_slots, slot_position, f"sme {sme.organisation.id}") for sme in smes], bool
    ).reshape(n_smes, len(slot_position))
    buyer_available = np.array(
        [_availability(buyer.available_slots, slot_position, f"buyer {buyer.organisation.id}") for buyer in buyers],
        bool,
    ).reshape(n_buyers, len(slot_position))
    instance = BipartiteInstance(
        relevance=scores.relevance,
        allowed=(language_ok & ~never) | must,
        must_meet=must,
        sme_capacity=np.array([sme.max_meetings for sme in smes], dtype=np.int64),
        buyer_tables=np.array([buyer.tables for buyer in buyers], dtype=np.int64),
        sme_available=sme_available,
        buyer_available=buyer_available,
    )
    # The event's minimum relevance: pairs under it are no candidates for any solver stage.
    instance = apply_floor(instance, snapshot.event.min_relevance_percent / 100)
    return EncodedEvent(
        event_id=snapshot.event.id,
        sme_ids=tuple(o.id for o in organisations),
        buyer_ids=tuple(buyer.organisation.id for buyer in buyers),
        sme_names=tuple(o.name for o in organisations),
        buyer_names=tuple(buyer.organisation.name for buyer in buyers),
        need_ids=tuple(need_ids),
        need_titles=tuple(need_titles),
        need_cpv_main=tuple(need_main),
        slot_indexes=frozen(sorted(slot_position), np.int64),
        municipality_codes=municipalities,
        sme_municipality=frozen([municipality_at[o.municipality_code] for o in organisations], np.int64),
        sme_need_rank=rank,
        language_ok=frozen(language_ok, np.bool_),
        features=features,
        scores=scores,
        instance=instance,
        weights=weights,
    )

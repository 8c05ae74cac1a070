"""Why two parties meet: each pair's components, the need that drove it, and a sentence in Swedish and English.

Sentences speak to the SME ("you", "ni") about the buyer's need and list only what actually holds, in
a fixed order: interest and organiser decisions first (what people asked for), then CPV, text,
geography and size. Every pair can be explained, including one with nothing in common (a meeting that
only fills a free slot says so).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import numpy as np

from shared.formatting import quoted
from shared.reference.cpv import cpv_label
from shared.reference.municipalities import municipality_name

from .encode import EncodedEvent
from .model import InstanceError
from .scoring import PairScores, cpv_similarity

CPV_MENTION = 0.25  # same division between two 8-digit codes (see scoring)
TEXT_MENTION = 0.5
SIZE_WARNING = 0.3


@dataclass(frozen=True)
class Explanation:
    """One SME–buyer pair, explained.

    Attributes
    ----------
    sme, buyer : int
        Indexes.
    sme_id, buyer_id : UUID
    need_id : UUID or None
        The need that drove the score (None: the buyer's profile, it brought no need).
    need_title : str
    relevance : float
    components : dict of str to float
        ``cpv``, ``text``, ``geography``, ``size``, ``interest`` and ``fit``.
    sme_cpv, need_cpv : str or None
        The best-matching code pair (None when no code is shared).
    delivery_municipality : str or None
        Kommunkod of the driving need's delivery.
    sentence_sv, sentence_en : str
    """

    sme: int
    buyer: int
    sme_id: UUID
    buyer_id: UUID
    need_id: UUID | None
    need_title: str
    relevance: float
    components: dict[str, float]
    sme_cpv: str | None
    need_cpv: str | None
    delivery_municipality: str | None
    sentence_sv: str
    sentence_en: str


def best_cpv_pair(encoded: EncodedEvent, sme: int, need: int) -> tuple[str | None, str | None, float]:
    """The SME code and need code that agree best (Wu–Palmer, as in scoring), and their similarity.

    Examples
    --------
    >>> from services.matcher.engine.encode import encode_snapshot
    >>> from services.matcher.engine.examples import example_snapshot
    >>> best_cpv_pair(encode_snapshot(example_snapshot()), 0, 0)
    ('90910000', '90910000', 1.0)
    """
    features = encoded.features
    sme_codes = [c for c in features.sme_cpv[sme] if c >= 0]
    need_codes = [c for c in features.need_cpv[need] if c >= 0]
    if not sme_codes or not need_codes:
        return None, None, 0.0
    both = np.array(sme_codes + need_codes)
    similarity = cpv_similarity(features.cpv_lineage[both], features.cpv_depth[both])[
        : len(sme_codes), len(sme_codes) :
    ]
    # Ties go to the need's first code (its main code) and the SME's first listed code.
    i, j = np.unravel_index(int(np.argmax(similarity.T.ravel())), similarity.T.shape)[::-1]
    best = float(similarity[i, j])
    if best <= 0:
        return None, None, 0.0
    return f"{features.cpv_codes[sme_codes[i]]:08d}", f"{features.cpv_codes[need_codes[j]]:08d}", best


def _area_distance(encoded: EncodedEvent, sme: int, municipality: int) -> float:
    features = encoded.features
    distances = features.distance_km[features.sme_served[sme], municipality]
    distances = distances[~np.isnan(distances)]
    return float(distances.min()) if distances.size else float("nan")


class _Lookups:
    """What every pair's explanation looks up, prepared once per call of :func:`explain_pairs`.

    A sparse matrix indexed pair by pair (``rank[sme, columns]``) costs ~0.3 ms a time: at L's 8,000
    meetings that was most of the explanations' seconds. Here: the CSR arrays read directly, each
    buyer's need columns found once, and the best CPV pair computed once per pair of code lists.
    """

    def __init__(self, encoded: EncodedEvent) -> None:
        ranks = encoded.sme_need_rank.tocsr()
        if not ranks.has_canonical_format:
            ranks = ranks.copy()
            ranks.sum_duplicates()
        self._indptr, self._indices, self._data = ranks.indptr, ranks.indices, ranks.data
        self._need_buyer = encoded.features.need_buyer
        self._columns: dict[int, np.ndarray] = {}
        self._encoded = encoded
        self._cpv: dict[tuple, tuple[str | None, str | None, float]] = {}

    def best_cpv_pair(self, sme: int, need: int) -> tuple[str | None, str | None, float]:
        """:func:`best_cpv_pair`, once per (SME codes, need codes): many firms list the same codes."""
        features = self._encoded.features
        key = (tuple(features.sme_cpv[sme].tolist()), tuple(features.need_cpv[need].tolist()))
        found = self._cpv.get(key)
        if found is None:
            found = self._cpv[key] = best_cpv_pair(self._encoded, sme, need)
        return found

    def columns(self, buyer: int) -> np.ndarray:
        """The buyer's needs (their column indexes, ascending)."""
        found = self._columns.get(buyer)
        if found is None:
            found = self._columns[buyer] = np.flatnonzero(self._need_buyer == buyer)
        return found

    def ranks(self, sme: int, columns: np.ndarray) -> np.ndarray:
        """The SME's ranks of the needs ``columns`` (0: not ranked), as ``rank[sme, columns]`` densely."""
        start, end = self._indptr[sme], self._indptr[sme + 1]
        stored, values = self._indices[start:end], self._data[start:end]
        out = np.zeros(len(columns), dtype=self._data.dtype)
        if len(columns) and len(stored):
            at = np.minimum(np.searchsorted(columns, stored), len(columns) - 1)
            hit = columns[at] == stored
            out[at[hit]] = values[hit]
        return out


@dataclass(frozen=True)
class _PairFacts:
    """One pair's scores and flags, read for every pair at once (one fancy index per array, not per pair)."""

    buyer_wants: bool
    must_meet: bool
    text: float
    size: float
    delivery: int
    served: bool
    small_for_micro: bool


def _pair_facts(encoded: EncodedEvent, scores: PairScores, sme, buyer, need) -> list[_PairFacts]:
    features = encoded.features
    delivery = features.need_municipality[need]
    served = features.sme_served[sme, np.maximum(delivery, 0)] & (delivery >= 0)
    columns = zip(
        scores.buyer_wish[sme, buyer].tolist(),
        features.must_meet[sme, buyer].tolist(),
        scores.text[sme, buyer].tolist(),
        scores.size[sme, buyer].tolist(),
        delivery.tolist(),
        served.tolist(),
        (features.need_small[need] & features.sme_micro[sme]).tolist(),
        strict=True,
    )
    return [_PairFacts(bool(w), bool(m), t, z, int(d), bool(v), bool(k)) for w, m, t, z, d, v, k in columns]


def _parts(
    encoded: EncodedEvent, sme: int, buyer: int, need: int, facts: _PairFacts, lookups: _Lookups
) -> tuple[list, list, dict]:
    """The sentence fragments (Swedish, English) and the facts behind them."""
    sv: list[str] = []
    en: list[str] = []
    buyer_name, title = encoded.buyer_names[buyer], encoded.need_titles[need]
    # The SME's wish may be for another of the buyer's needs than the one that drove the score.
    columns = lookups.columns(buyer)
    ranks = lookups.ranks(sme, columns)
    sme_wants = bool(ranks.any())  # the method: np.any's dispatch cost more than the test at L
    if sme_wants:  # name the need it ranked highest (unranked wishes after ranked ones)
        never_chosen = np.iinfo(np.int64).max
        preference = np.where(ranks > 0, ranks, np.where(ranks < 0, never_chosen - 1, never_chosen))
        title = encoded.need_titles[columns[int(np.argmin(preference))]]
    buyer_wants = facts.buyer_wants
    if sme_wants and buyer_wants:
        sv.append("ni har båda anmält intresse")
        en.append("you both marked interest")
    elif sme_wants:
        sv.append(f"ni har anmält intresse för {quoted(title)}")
        en.append(f"you marked interest in {quoted(title, 'en')}")
    elif buyer_wants:
        sv.append(f"{buyer_name} vill träffa er")
        en.append(f"{buyer_name} asked to meet you")
    if facts.must_meet:
        sv.append("arrangören har bett om mötet")
        en.append("the organiser asked for this meeting")
    sme_code, need_code, similarity = lookups.best_cpv_pair(sme, need)
    # best_cpv_pair gives both codes or neither.
    if sme_code is not None and need_code is not None and similarity >= CPV_MENTION:
        label_sv, label_en = cpv_label(need_code, "sv"), cpv_label(need_code, "en")
        if sme_code == need_code:
            sv.append(f"CPV {need_code} {label_sv} stämmer")
            en.append(f"CPV {need_code} {label_en} matches")
        else:
            sv.append(f"CPV {need_code} {label_sv} ligger nära er {sme_code} {cpv_label(sme_code, 'sv')}")
            en.append(f"CPV {need_code} {label_en} is close to your {sme_code} {cpv_label(sme_code, 'en')}")
    if facts.text >= TEXT_MENTION:
        sv.append(f"er beskrivning liknar {quoted(title)}")
        en.append(f"your description resembles {quoted(title, 'en')}")
    delivery = facts.delivery
    code = encoded.municipality_codes[delivery] if delivery >= 0 else None
    if code is not None:
        name = municipality_name(code)
        if facts.served:
            sv.append(f"leveransen i {name} ligger inom ert område")
            en.append(f"delivery in {name} is within your area")
        else:
            km = _area_distance(encoded, sme, delivery)
            if np.isnan(km):
                sv.append(f"leveransen i {name} ligger utanför ert område")
                en.append(f"delivery in {name} is outside your area")
            else:
                sv.append(f"leveransen i {name} ligger cirka {km:.0f} km från ert område")
                en.append(f"delivery in {name} is about {km:.0f} km from your area")
    if facts.small_for_micro:
        sv.append("uppdraget har en storlek som passar ett mikroföretag")
        en.append("the contract is sized for a micro firm")
    elif facts.size < SIZE_WARNING:
        sv.append("uppdraget är stort i förhållande till er omsättning")
        en.append("the contract is large for your turnover")
    return sv, en, {"sme_cpv": sme_code, "need_cpv": need_code, "delivery": code}


def _sentence(parts: list[str], fallback: str) -> str:
    text = "; ".join(parts) if parts else fallback
    return text[:1].upper() + text[1:] + "."


def explain_pairs(encoded: EncodedEvent, scores: PairScores, pairs: Any) -> list[Explanation]:
    """Explain each ``(sme, buyer)`` pair: components, driving need and a sentence in Swedish and English.

    Parameters
    ----------
    encoded : EncodedEvent
    scores : PairScores
        Usually ``encoded.scores`` (or a re-scoring of ``encoded.features`` with other weights).
    pairs : (M, 2) array-like of int
        SME and buyer indexes, e.g. a selection's or a schedule's first two columns.

    Returns
    -------
    list of Explanation
        In the order of ``pairs``.

    Raises
    ------
    InstanceError
        ``pairs[i]`` naming a pair outside the event.

    Examples
    --------
    >>> from services.matcher.engine.encode import encode_snapshot
    >>> from services.matcher.engine.examples import example_snapshot
    >>> encoded = encode_snapshot(example_snapshot())
    >>> [first] = explain_pairs(encoded, encoded.scores, [[0, 0]])
    >>> print(first.sentence_sv)
    Ni har båda anmält intresse; CPV 90910000 Städning stämmer; er beskrivning liknar ”Lokalvård i förskolor”; leveransen i Falun ligger inom ert område; uppdraget har en storlek som passar ett mikroföretag.
    >>> print(first.sentence_en)
    You both marked interest; CPV 90910000 Cleaning services matches; your description resembles “Lokalvård i förskolor”; delivery in Falun is within your area; the contract is sized for a micro firm.
    """  # noqa: E501
    rows = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    smes, buyers = scores.relevance.shape
    outside = np.flatnonzero((rows[:, 0] < 0) | (rows[:, 0] >= smes) | (rows[:, 1] < 0) | (rows[:, 1] >= buyers))
    if outside.size:
        sme, buyer = rows[outside[0]].tolist()
        raise InstanceError(f"pairs[{outside[0]}]", f"(sme {sme}, buyer {buyer}) is outside the event")
    lookups = _Lookups(encoded)
    sme_of, buyer_of = rows[:, 0], rows[:, 1]
    need_of = scores.driving_need[sme_of, buyer_of].astype(np.int64)
    names = ("cpv", "text", "geography", "size", "interest", "fit")
    component_rows = zip(*(getattr(scores, name)[sme_of, buyer_of].tolist() for name in names), strict=True)
    relevance = scores.relevance[sme_of, buyer_of].tolist()
    pair_facts = _pair_facts(encoded, scores, sme_of, buyer_of, need_of)
    out = []
    for row, (sme, buyer, need, values) in enumerate(
        zip(sme_of.tolist(), buyer_of.tolist(), need_of.tolist(), component_rows, strict=True)
    ):
        sv, en, facts = _parts(encoded, sme, buyer, need, pair_facts[row], lookups)
        components = {name: round(value, 4) for name, value in zip(names, values, strict=True)}
        out.append(
            Explanation(
                sme=sme,
                buyer=buyer,
                sme_id=encoded.sme_ids[sme],
                buyer_id=encoded.buyer_ids[buyer],
                need_id=encoded.need_ids[need],
                need_title=encoded.need_titles[need],
                relevance=relevance[row],
                components=components,
                sme_cpv=facts["sme_cpv"],
                need_cpv=facts["need_cpv"],
                delivery_municipality=facts["delivery"],
                sentence_sv=_sentence(sv, "inga tydliga gemensamma nämnare; mötet fyller en ledig tid"),
                sentence_en=_sentence(en, "no clear common ground; the meeting fills a free slot"),
            )
        )
    return out


def explanation_dict(explanation: Explanation) -> dict[str, Any]:
    """The JSON-ready fields of an :class:`Explanation` that a stored meeting keeps (and agendas show).

    The solve side stores these with each meeting; the agendas read them back from the stored version.

    Examples
    --------
    >>> why = Explanation(0, 1, UUID(int=10), UUID(int=20), UUID(int=500), "Lokalvård", 0.8, {"cpv": 1.0},
    ...                   "90910000", "90911000", "2080", "Ni passar.", "You fit.")
    >>> fields = explanation_dict(why)
    >>> sorted(fields)[:4], fields["need_id"], "sme_id" in fields
    (['components', 'delivery_municipality', 'need_cpv', 'need_id'], '00000000-0000-0000-0000-0000000001f4', False)
    """
    # Field by field, not dataclasses.asdict: its deep copies were a second per 8,000 meetings.
    fields = {
        field.name: getattr(explanation, field.name)
        for field in dataclasses.fields(explanation)
        if field.name not in _ROW_FIELDS
    }
    fields["components"] = dict(explanation.components)
    fields["need_id"] = None if explanation.need_id is None else str(explanation.need_id)
    return fields


_ROW_FIELDS = frozenset({"sme", "buyer", "sme_id", "buyer_id"})  # the meeting row carries these

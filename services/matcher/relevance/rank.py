"""Solve layer of the relevance lists: one party's counterparts at an event, best fit first, each with a reason.

A firm signing up ranks the buyers' needs; a buyer signing up ranks the firms it wishes to meet. Both lists
are ordered by the engine's own pair score (:func:`..engine.scoring.score_pairs`, the same components and
weights the schedule uses), re-run on a slice of the encoded event:

- **a firm's list** is per *need*, not per buyer (the engine keeps the best need of each buyer): every need
  column becomes its own counterpart, so each need of a buyer gets its own score;
- **a buyer's list** is per firm: the best of the buyer's needs, exactly the engine's ``relevance[s, b]``.

What the asking party itself declared is left out of its own list (a firm's ranks of the needs, a buyer's
wishes), so the order says how well things fit rather than echoing what was typed; what the *other* side
declared stays in (a buyer wished to meet this firm; a firm wants to discuss this buyer's need) and the
reason says so. Organisers' pair rules are left out too: a "never" rule is a conflict of interest that
participants are not told about, and a "must meet" is the organiser's decision, not a fit.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal
from uuid import UUID

import numpy as np
import scipy.sparse as sp

from shared.reference.cpv import cpv_label, shared_depth

from ..engine.encode import EncodedEvent
from ..engine.explain import best_cpv_pair, municipality_name
from ..engine.scoring import PairFeatures, PairScores, score_pairs

Side = Literal["sme", "buyer"]
CPV_MENTION = 0.25  # as the engine's explanations: two 8-digit codes of one division and more
TEXT_MENTION = 0.4
MAX_PARTS = 3  # a short reason: what fits best, not every component


@dataclass(frozen=True)
class Ranked:
    """One counterpart of the asking party, scored.

    Attributes
    ----------
    organisation_id : UUID
        The counterpart: the buyer (a firm's list) or the firm (a buyer's list).
    name : str
    need_id : UUID or None
        A firm's list: the need (None: a buyer that brings no need, scored on its profile). A buyer's list:
        the buyer's need that fits the firm best.
    need_title : str
    cpv_main : str
        A firm's list: the need's main CPV code; a buyer's list: the firm's best-matching code ("" if none).
    municipality_code : str or None
        A firm's list: where the need is delivered; a buyer's list: the firm's home municipality.
    score : int
        Relevance, 0–100.
    components : dict of str to float
    reason_sv, reason_en : str
    """

    organisation_id: UUID
    name: str
    need_id: UUID | None
    need_title: str
    cpv_main: str
    municipality_code: str | None
    score: int
    components: dict[str, float]
    reason_sv: str
    reason_en: str


def _sme_slice(features: PairFeatures, sme: int) -> PairFeatures:
    """One firm × every need column, each column its own counterpart; the firm's own ranks left out."""
    needs = features.need_buyer.shape[0]
    return PairFeatures(
        cpv_codes=features.cpv_codes,
        cpv_lineage=features.cpv_lineage,
        cpv_depth=features.cpv_depth,
        sme_cpv=features.sme_cpv[[sme]],
        need_cpv=features.need_cpv,
        sme_text=features.sme_text[[sme]],
        need_text=features.need_text,
        sme_served=features.sme_served[[sme]],
        need_municipality=features.need_municipality,
        distance_km=features.distance_km,
        sme_turnover=features.sme_turnover[[sme]],
        need_value=features.need_value,
        sme_micro=features.sme_micro[[sme]],
        need_small=features.need_small,
        sme_need_interest=sp.csr_matrix((1, needs)),
        buyer_wish=features.buyer_wish[[sme]][:, features.need_buyer],
        need_buyer=np.arange(needs, dtype=np.int64),
        must_meet=np.zeros((1, needs), dtype=bool),
        never=np.zeros((1, needs), dtype=bool),
    )


def _buyer_slice(features: PairFeatures, buyer: int) -> tuple[PairFeatures, np.ndarray]:
    """Every firm × the buyer's need columns (one buyer); the buyer's own wishes left out."""
    columns = np.flatnonzero(features.need_buyer == buyer)
    smes = features.sme_cpv.shape[0]
    sliced = PairFeatures(
        cpv_codes=features.cpv_codes,
        cpv_lineage=features.cpv_lineage,
        cpv_depth=features.cpv_depth,
        sme_cpv=features.sme_cpv,
        need_cpv=features.need_cpv[columns],
        sme_text=features.sme_text,
        need_text=features.need_text[columns],
        sme_served=features.sme_served,
        need_municipality=features.need_municipality[columns],
        distance_km=features.distance_km,
        sme_turnover=features.sme_turnover,
        need_value=features.need_value[columns],
        sme_micro=features.sme_micro,
        need_small=features.need_small[columns],
        sme_need_interest=features.sme_need_interest[:, columns],
        buyer_wish=np.zeros((smes, 1), dtype=bool),
        need_buyer=np.zeros(len(columns), dtype=np.int64),
        must_meet=np.zeros((smes, 1), dtype=bool),
        never=np.zeros((smes, 1), dtype=bool),
    )
    return sliced, columns


def _common_cpv(sme_code: str, need_code: str) -> str:
    """The deepest CPV code both lie in (a code itself when equal), e.g. 90911200 and 90919200 → 90910000."""
    depth = shared_depth(sme_code, need_code)
    return need_code[:depth].ljust(8, "0")


def _cpv_part(sme_code: str | None, need_code: str | None, similarity: float) -> tuple[str, str] | None:
    if sme_code is None or need_code is None or similarity < CPV_MENTION:
        return None
    if sme_code == need_code:
        return (f"samma CPV-kod {need_code} {cpv_label(need_code, 'sv')}",
                f"same CPV code {need_code} {cpv_label(need_code, 'en')}")  # fmt: skip
    area = _common_cpv(sme_code, need_code)
    try:
        label_sv, label_en = cpv_label(area, "sv"), cpv_label(area, "en")
    except (KeyError, ValueError):  # a level the tree skips: name the need's own code
        area, label_sv, label_en = need_code, cpv_label(need_code, "sv"), cpv_label(need_code, "en")
    return f"samma CPV-område {area} {label_sv}", f"same CPV area {area} {label_en}"


def _place_part(encoded: EncodedEvent, sme: int, need: int, side: Side) -> tuple[str, str] | None:
    """Where the work is done and whether the firm works there (the need's delivery, else the firm's home)."""
    features = encoded.features
    delivery = int(features.need_municipality[need])
    if delivery < 0:
        if side == "buyer":  # no delivery named: say where the firm is, which a buyer weighs anyway
            name = municipality_name(encoded.municipality_codes[int(encoded.sme_municipality[sme])])
            return f"finns i {name}", f"based in {name}"
        return None
    name = municipality_name(encoded.municipality_codes[delivery])
    if features.sme_served[sme, delivery]:
        return f"verksamma i {name}", f"active in {name}"
    distances = features.distance_km[features.sme_served[sme], delivery]
    distances = distances[~np.isnan(distances)]
    if distances.size:
        km = float(distances.min())
        return f"cirka {km:.0f} km från {name}", f"about {km:.0f} km from {name}"
    return None


def reason(
    encoded: EncodedEvent, scores: PairScores, row: int, column: int, sme: int, need: int, side: Side
) -> tuple[str, str]:
    """A short reason in Swedish and English ("Passar er: samma CPV-kod 90910000 Städning, verksamma i Falun.").

    ``scores[row, column]`` is the pair's entry in the sliced scores; ``sme`` and ``need`` its indexes in
    ``encoded``. At most :data:`MAX_PARTS` facts: what the other side asked for, CPV, place, text, size.
    """
    parts: list[tuple[str, str]] = []
    if side == "sme" and scores.buyer_wish[row, column]:
        parts.append(("köparen vill träffa er", "the buyer asked to meet you"))
    if side == "buyer" and scores.sme_interest[row, column] > 0:
        title = encoded.need_titles[need]
        parts.append((f"vill prata om «{title}»", f"wants to discuss “{title}”"))
    cpv = _cpv_part(*best_cpv_pair(encoded, sme, need))
    if cpv:
        parts.append(cpv)
    place = _place_part(encoded, sme, need, side)
    if place:
        parts.append(place)
    if scores.text[row, column] >= TEXT_MENTION:
        parts.append(("liknande verksamhet i beskrivningen", "similar work in the description"))
    if encoded.features.sme_micro[sme] and encoded.features.need_small[need]:
        parts.append(("lagom stort för ett litet företag", "sized for a small firm"))
    parts = parts[:MAX_PARTS]
    if not parts or (cpv is None and scores.text[row, column] < TEXT_MENTION and scores.interest[row, column] == 0):
        # Only the place or the size in common: not a fit worth a meeting's reason.
        return "Få gemensamma nämnare.", "Little in common."
    return (
        "Passar er: " + ", ".join(sv for sv, _ in parts) + ".",
        "Fits you: " + ", ".join(en for _, en in parts) + ".",
    )


def _components(scores: PairScores, row: int, column: int) -> dict[str, float]:
    names = ("cpv", "text", "geography", "size", "interest", "fit")
    return {name: round(float(getattr(scores, name)[row, column]), 4) for name in names}


def _ordered(items: list[Ranked]) -> list[Ranked]:
    """Best first; equal scores by name, then need title, then id (the same list every time)."""
    return sorted(items, key=lambda r: (-r.score, r.name.casefold(), r.need_title.casefold(), str(r.need_id)))


def rank_for_sme(encoded: EncodedEvent, sme: int) -> list[Ranked]:
    """Every need column of the event (a buyer without needs: its profile) for the firm at index ``sme``.

    Examples
    --------
    >>> from services.matcher.engine.encode import encode_snapshot
    >>> from services.matcher.engine.examples import example_snapshot
    >>> encoded = encode_snapshot(example_snapshot())
    >>> [first] = rank_for_sme(encoded, 0)
    >>> first.need_title, first.score
    ('Lokalvård i förskolor', 100)
    >>> print(first.reason_sv)
    Passar er: köparen vill träffa er, samma CPV-kod 90910000 Städning, verksamma i Falun.
    >>> [builder] = rank_for_sme(encoded, 1)
    >>> builder.score, builder.reason_en
    (0, 'Little in common.')
    """
    scores = score_pairs(_sme_slice(encoded.features, sme), encoded.weights)
    items = []
    for need in range(len(encoded.need_ids)):
        buyer = int(encoded.features.need_buyer[need])
        sv, en = reason(encoded, scores, 0, need, sme, need, "sme")
        items.append(
            Ranked(
                organisation_id=encoded.buyer_ids[buyer],
                name=encoded.buyer_names[buyer],
                need_id=encoded.need_ids[need],
                need_title=encoded.need_titles[need],
                cpv_main=encoded.need_cpv_main[need],
                municipality_code=(
                    encoded.municipality_codes[int(encoded.features.need_municipality[need])]
                    if encoded.features.need_municipality[need] >= 0
                    else None
                ),
                score=round(100 * float(scores.relevance[0, need])),
                components=_components(scores, 0, need),
                reason_sv=sv,
                reason_en=en,
            )
        )
    return _ordered(items)


def rank_for_buyer(encoded: EncodedEvent, buyer: int) -> list[Ranked]:
    """Every firm of the event for the buyer at index ``buyer``, by the best of the buyer's needs.

    Examples
    --------
    >>> from services.matcher.engine.encode import encode_snapshot
    >>> from services.matcher.engine.examples import example_snapshot
    >>> ranked = rank_for_buyer(encode_snapshot(example_snapshot()), 0)
    >>> [(r.name, r.score) for r in ranked]
    [('Städbolaget i Falun AB', 100), ('Mora Bygg AB', 0)]
    >>> print(ranked[0].reason_sv)
    Passar er: vill prata om «Lokalvård i förskolor», samma CPV-kod 90910000 Städning, verksamma i Falun.
    """
    sliced, columns = _buyer_slice(encoded.features, buyer)
    scores = score_pairs(sliced, encoded.weights)
    items = []
    for sme in range(len(encoded.sme_ids)):
        need = int(columns[int(scores.driving_need[sme, 0])])
        sme_code, _need_code, _similarity = best_cpv_pair(encoded, sme, need)
        sv, en = reason(encoded, scores, sme, 0, sme, need, "buyer")
        items.append(
            Ranked(
                organisation_id=encoded.sme_ids[sme],
                name=encoded.sme_names[sme],
                need_id=encoded.need_ids[need],
                need_title=encoded.need_titles[need],
                cpv_main=sme_code or "",
                municipality_code=encoded.municipality_codes[int(encoded.sme_municipality[sme])],
                score=round(100 * float(scores.relevance[sme, 0])),
                components=_components(scores, sme, 0),
                reason_sv=sv,
                reason_en=en,
            )
        )
    return _ordered(items)

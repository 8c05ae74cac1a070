"""Repeat pairs in a schedule job: find who met at an earlier event, and keep them apart unless asked.

The job (``runner``) reads, before it computes, which SME–buyer pairs of this event had a meeting in
the published version of an earlier event (:func:`met_before`); the solver process then takes those
pairs out of the candidates unless one side asked for the meeting (:func:`avoid_repeats`, the rule in
:mod:`..engine.repeat_pairs`) and says so in the explanation of a repeat meeting that was kept
(:func:`mark_kept`). The job parameter ``avoid_repeat_pairs`` (default true) turns this off.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg
import numpy as np

from shared.snapshot import EventSnapshot

from ..engine.encode import EncodedEvent
from ..engine.model import BipartiteInstance
from ..engine.repeat_pairs import KEPT_EN, KEPT_SV, asked_pairs, met_before_mask, repeat_exclusion
from ..jobs.parameters import JobParameters
from ..sql import repeat_pairs as sql


async def met_before(
    conn: asyncpg.Connection, snapshot: EventSnapshot, params: JobParameters
) -> tuple[tuple[UUID, UUID], ...]:
    """The (sme id, buyer id) pairs of ``snapshot``'s event that met at an earlier event (none when off)."""
    if not params.avoid_repeat_pairs:
        return ()
    smes = [sme.organisation.id for sme in snapshot.smes]
    buyers = [buyer.organisation.id for buyer in snapshot.buyers]
    if not smes or not buyers:
        return ()
    rows = await conn.fetch(sql.SELECT_MET_BEFORE, snapshot.event.id, snapshot.event.date, smes, buyers)
    return tuple((row["sme_id"], row["buyer_id"]) for row in rows)


@dataclasses.dataclass(frozen=True)
class RepeatOutcome:
    """What the rule did: the instance without the repeats, how many candidates it took out, who stayed."""

    instance: BipartiteInstance
    avoided: int
    kept: frozenset[tuple[int, int]]


def avoid_repeats(
    encoded: EncodedEvent, instance: BipartiteInstance, pairs: Sequence[tuple[UUID, UUID]]
) -> RepeatOutcome:
    """``instance`` with the pairs that met before and that nobody asked for no longer allowed.

    ``instance`` already carries the organiser's rules and locks (a locked or "must meet" pair counts
    as asked). ``avoided`` counts the pairs that were candidates and no longer are; ``kept`` holds the
    index pairs that met before and stay candidates because someone asked.

    Examples
    --------
    >>> from services.matcher.engine.examples import example_snapshot
    >>> from services.matcher.engine.encode import encode_snapshot
    >>> encoded = encode_snapshot(example_snapshot())
    >>> pair = (encoded.sme_ids[0], encoded.buyer_ids[0])
    >>> outcome = avoid_repeats(encoded, encoded.instance, [pair])
    >>> outcome.avoided + len(outcome.kept), bool(outcome.instance.allowed[0, 0]) == bool(outcome.kept)
    (1, True)
    """
    index = [
        (encoded.sme_index(s), encoded.buyer_index(b))
        for s, b in pairs
        if s in encoded.sme_ids and b in encoded.buyer_ids
    ]
    met = met_before_mask(instance.allowed.shape, index)
    features = encoded.features
    asked = asked_pairs(
        encoded.sme_need_rank, features.need_buyer, features.buyer_wish, instance.must_meet, instance.locked
    )
    excluded = repeat_exclusion(met, asked)
    avoided = int((excluded & instance.allowed).sum())
    # Out of below_floor too: a later apply_floor must not let them back in (as for forbidden pairs).
    floor = instance.below_floor
    without = dataclasses.replace(
        instance, allowed=instance.allowed & ~excluded, below_floor=None if floor is None else floor & ~excluded
    )
    kept = frozenset((int(s), int(b)) for s, b in np.argwhere(met & asked))
    return RepeatOutcome(without, avoided, kept)


def mark_kept(explanation: dict[str, Any]) -> dict[str, Any]:
    """A kept repeat meeting's explanation, saying (sv, en) why it is there again.

    Examples
    --------
    >>> marked = mark_kept({"sentence_sv": "Ni passar.", "sentence_en": "You fit."})
    >>> marked["met_before"], marked["sentence_en"].endswith("one of you asked for it.")
    (True, True)
    """
    return {
        **explanation,
        "met_before": True,
        "sentence_sv": f"{explanation.get('sentence_sv', '')} {KEPT_SV}".strip(),
        "sentence_en": f"{explanation.get('sentence_en', '')} {KEPT_EN}".strip(),
    }

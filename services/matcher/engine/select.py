"""Select who meets whom (before slotting): fairness first, relevance second, with a certified bound.

The problem (DESIGN.md §3.1) is a bipartite b-matching on SMEs × buyers: each SME at most its cap
(≤ its available slots), each buyer at most tables × available slots, each pair at most once, never a
forbidden pair, nor a pair that shares no available slot (slotting could never place it).

Method — exact stages, each one's optimum kept as a constraint of the next (a lexicographic optimum):

0. *Forced pairs.* Locked meetings' pairs always (even without a common slot: the organiser placed
   them); then the largest set of "must meet" pairs that fits the capacities left (a max b-matching,
   ties to relevance), fixed as pairs, not just as a count — cut (with window cuts on) to pairs that fit in
   slots together beside the locks (:mod:`.must_fit`): the proven minimum below holds for schedules that
   keep them, so they must be keepable. The rest are reported with a reason.
1. *Coverage.* Max flow: each SME not yet covered sends one unit (its first meeting) through a usable
   pair to a buyer with capacity left. ``S − covered`` is the proven minimum of zero-meeting SMEs.
2. *Level.* The largest ``k`` such that every covered SME can have at least ``min(k, reach)`` meetings,
   where ``reach`` is what it could get on its own (its cap, and the buyers it has a reason to meet) —
   so an SME with a single possible buyer does not pin the level at 1. Degree lower bounds are a flow
   question (send ``min(k, reach) − forced`` units from each SME; feasible iff saturated), so bisection
   over ``k`` with max flows decides it exactly.
3. *Relevance.* Maximise total relevance subject to those degree lower bounds: an LP whose matrix is a
   network matrix (totally unimodular), so HiGHS' vertex is an integral optimum. Its weak-duality bound
   (:func:`.flow.max_weight_bmatching`) is :attr:`Selection.bound`: no schedule with the same forced
   pairs and fairness levels has more relevance, since slotting only removes pairs. Being a network
   problem it is solved first as a min-cost flow (:mod:`.min_cost`: OR-Tools, certified by node
   potentials — the same optimum and bound, ~0.25 s at L instead of 6–9 s of HiGHS column generation on
   the service's L event); HiGHS takes over only when window cuts cut the flow's answer.
   With availability windows, *window cuts* (:mod:`.window_cuts`, separated lazily) add each party's
   Hall conditions over the slot sets that occur: a buyer's pairs whose common slots lie in ``W`` at most
   tables × |W|, an SME's at most |W|. They hold for every schedule, so the bound stays certified and
   drops to what schedules can reach. Per party they are the rank inequalities of a transversal matroid
   (pairs → (slot, table) seats; König–Ore), so without lower bounds the LP is a matroid-intersection LP
   (Edmonds 1970) and still integral; with lower bounds and the "single" rows integrality is not proven,
   and a fractional vertex goes to HiGHS' MILP (:data:`.flow.FRACTIONAL`) — never seen on the synthetic
   events. The cuts see one party at a time, not an SME and a buyer needing the same slot, so a few
   pairs can still fail to fit (slotting drops them). On ``synthetic_event(size, seed, windows=True)``
   (seeds 0–2) they lift the pipeline from 99.19 / 99.97 / 99.98 % of the bound (S / M / L, worst seed)
   to 99.90 / 100.00 / 100.00 %, for ~2× the selection time (L ~0.2–0.6 s CPU).
   The fairness stages (1, 2) stay max flows without window cuts: their optima are exact for the
   b-matching and hence *bounds* for schedules (at least ``min_zero_meeting_smes`` SMEs go without a
   meeting in any schedule; no schedule has a higher level). If the cuts make stage 2's level
   unreachable (the LP with lower bounds is infeasible), stage 3 runs without cuts, as before.

Why stages, not one min-cost flow with lexicographic bonuses: the bonuses must nest (M1 > M2 · units >
total relevance), i.e. cost ranges of ~10¹², where HiGHS' 1e-7 tolerances would blur relevance; max flows
are integral and exact and leave one LP with costs in [0, 1]. Everything works on the candidate pairs
(an edge list), never on dense S × B products. CPU time of the whole selection on the synthetic events
(``generator.synthetic_event(size, seed=0, windows=True)``): M ~0.025 s, L ~0.2 s, XL (10,000 × 1,000
× 24, 142k candidate pairs) ~3.3 s, of which the stage-3 LP (one dual-simplex solve) is ~2.5–3 s and the
forced pairs, coverage flow and level bisection (3 max flows) ~0.15 s together.

Scarce buyers: if fewer SMEs can be covered at once than could each meet someone alone, *which* SMEs to
cover is a choice; an LP maximising ``M · covered + relevance`` (M ≈ 10⁴, exact) makes it, and the level
is then the best for that cover — a lower bound of the best level over all maximum covers (exact
whenever every SME that can meet someone is covered, the usual case).

Relevance-0 pairs are allowed but give nothing, and take a buyer's time: one is used only to give an SME
with no relevant buyer its only meeting, an SME never gets more than one (besides forced pairs), and
one that the stages do not need is never selected. (Without this, a sparse relevance matrix lets stage 2
fill SMEs up to the level with meetings that have no reason.) The "at most one" is a nested row per SME,
which keeps the matrix totally unimodular.

The event's minimum relevance (:func:`.model.apply_floor`) takes the pairs under it out of ``allowed``
before any stage sees them, so with a floor above 0 no stage — fairness included — can pick a pair
without a fit, and the bound and the proven minimum of SMEs without a meeting are those of the floored
problem (the same candidates the schedule is chosen from, so the report stays honest). The proven minimum
without the floor (:attr:`.model.Selection.min_zero_without_floor`) comes from one more max flow.

``objective="relevance"`` drops stage 2's lower bounds (plain maximum relevance over the forced pairs);
the stages still run, so the proven minima are reported and a caller can show what the fair choice
costs and buys (see the module's tests and the report: on a synthetic L event it costs ~1 % relevance
and saves every zero-meeting SME).
"""

from __future__ import annotations

import numpy as np

from .flow import max_bmatching, max_weight_bmatching
from .model import BipartiteInstance, BoolArray, FloatArray, InstanceError, IntArray, Selection, frozen
from .must_fit import fitting_slots
from .window_cuts import window_separator

OBJECTIVES = ("lexicographic", "relevance")


def select_meetings(
    instance: BipartiteInstance,
    *,
    objective: str = "lexicographic",
    time_limit: float | None = None,
    window_cuts: bool = True,
) -> Selection:
    """Choose the meeting pairs: most SMEs with a meeting, then the highest minimum, then most relevance.

    Parameters
    ----------
    instance : BipartiteInstance
    objective : {"lexicographic", "relevance"}
        "lexicographic" (fairness first, see the module docstring) or plain maximum total relevance.
    time_limit : float, optional
        Seconds for each relevance LP solve. When it runs out, the fair (stage 2) pairs are returned with a
        weaker but still valid bound (each SME's and each buyer's best pairs).
    window_cuts : bool
        Add availability-window cuts to the relevance stage (:mod:`.window_cuts`), so that the selection
        avoids pairs no schedule can place together and the bound drops to what schedules can reach.
        Also keep only must-meet pairs that fit in slots together beside the locked ones
        (:mod:`.must_fit`), so the proven minimum holds for a schedule that keeps them all.
        False: the plain b-matching (its bound is also valid, just weaker with windows).

    Returns
    -------
    Selection
        ``bound`` equals the selection's relevance (it is the LP optimum) unless the time limit hit.
        ``min_zero_meeting_smes`` and ``min_meetings_per_sme`` are the proven fairness optima for either
        objective, so a "relevance" selection can be compared with them.

    Raises
    ------
    InstanceError
        For an unknown objective, or locked meetings that are forbidden, repeated, or over a capacity.

    Examples
    --------
    Buyer 0 holds one meeting (one table, one slot). SME 0 likes it most, but SME 1 can meet no one else:

    >>> relevance = np.array([[0.9, 0.8, 0.3], [0.1, 0.0, 0.0], [0.0, 0.5, 0.6]])
    >>> allowed = np.array([[1, 1, 1], [1, 0, 0], [1, 1, 1]], bool)
    >>> event = BipartiteInstance(relevance, allowed, np.zeros((3, 3), bool), np.full(3, 2), np.ones(3, int),
    ...                           np.ones((3, 2), bool), np.array([[1, 0], [1, 1], [1, 1]], bool))
    >>> fair = select_meetings(event)
    >>> fair.pairs.tolist(), round(fair.bound, 6), fair.min_zero_meeting_smes, fair.min_meetings_per_sme
    ([[0, 1], [0, 2], [1, 0], [2, 1], [2, 2]], 2.3, 0, 2)
    >>> greedy = select_meetings(event, objective="relevance")
    >>> greedy.pairs.tolist(), round(greedy.bound, 6)
    ([[0, 0], [0, 1], [2, 1], [2, 2]], 2.8)
    """
    if objective not in OBJECTIVES:
        raise InstanceError("objective", f"must be one of {', '.join(OBJECTIVES)}, not {objective!r}")
    n_smes = instance.shape[0]
    sme_cap = instance.effective_sme_capacity()
    buyer_cap = instance.buyer_capacity()
    allowed_sme, allowed_buyer = np.nonzero(instance.allowed)  # row-major: sorted by SME
    candidate = share_a_slot(instance, allowed_sme, allowed_buyer)
    allowed_sme, allowed_buyer = allowed_sme[candidate], allowed_buyer[candidate]
    locked = _locked_pairs(instance, sme_cap, buyer_cap)
    forced, unmet, reasons, pinned, left_out = _forced_pairs(instance, locked, sme_cap, buyer_cap, window_cuts)

    forced_per_sme = forced.sum(axis=1)
    room_sme = sme_cap - forced_per_sme
    room_buyer = buyer_cap - forced.sum(axis=0)
    taken = forced | left_out  # a must-meet pair left out fits in no schedule that keeps the forced ones
    usable = ~taken[allowed_sme, allowed_buyer] & (room_sme[allowed_sme] > 0) & (room_buyer[allowed_buyer] > 0)
    sme, buyer = allowed_sme[usable], allowed_buyer[usable]  # sorted by SME, which _drop_idle relies on
    weight = instance.relevance[sme, buyer]
    idle = weight == 0
    min_zero, target, cover = _coverage(sme, buyer, weight, forced_per_sme, room_sme, room_buyer, time_limit)
    # What the floor costs in firms: the same stage-1 flow with the pairs under it (needed only if any).
    assert instance.below_floor is not None  # BipartiteInstance.__post_init__ turns None into all-False
    floored = min_zero > 0 and bool(instance.below_floor.any())
    min_zero_unfloored = _min_zero_without_floor(instance, forced, taken, room_sme, room_buyer) if floored else min_zero
    level, lower, fair = _level(sme, buyer, idle, target, cover, forced_per_sme, room_sme, room_buyer)

    sme_lower = lower if objective == "lexicographic" else np.zeros(n_smes, np.int64)
    separate = window_separator(instance, sme, buyer, forced) if window_cuts else None
    matching = max_weight_bmatching(
        sme,
        buyer,
        weight,
        sme_lower,
        room_sme,
        room_buyer,
        start=fair,
        single=idle,
        time_limit=time_limit,
        separate=separate,
    )
    if matching.status == "infeasible":  # no schedule reaches the level (see the module docstring)
        matching = max_weight_bmatching(
            sme, buyer, weight, sme_lower, room_sme, room_buyer, start=fair, single=idle, time_limit=time_limit
        )
    if matching.status == "optimal":
        chosen = _drop_idle(sme, weight, matching.chosen, sme_lower)
        bound = matching.bound
    else:
        chosen = fair
        bound = _capacity_bound(sme, buyer, weight, room_sme, room_buyer)

    selected = forced.copy()
    selected[sme[chosen], buyer[chosen]] = True
    relevance = float(instance.relevance[selected].sum())
    forced_relevance = float(instance.relevance[forced].sum())
    return Selection(
        pairs=frozen(np.argwhere(selected), np.int64),
        bound=max(forced_relevance + bound, relevance),
        min_zero_meeting_smes=min_zero,
        min_meetings_per_sme=level,
        unmet_must=frozen(unmet.reshape(-1, 2), np.int64),
        reasons=reasons,
        min_zero_without_floor=min(min_zero, min_zero_unfloored),
        forced_slots=frozen(pinned, np.int64),
    )


def share_a_slot(instance: BipartiteInstance, sme: IntArray, buyer: IntArray) -> BoolArray:
    """Which of the pairs ``(sme[j], buyer[j])`` share an available slot (slotting could place them).

    Computed on the given pairs only, on bit-packed slot masks (a dense S × B overlap is 10⁷ entries at XL).

    Examples
    --------
    >>> event = BipartiteInstance(np.ones((2, 2)), np.ones((2, 2), bool), np.zeros((2, 2), bool), np.ones(2),
    ...                           np.ones(2), np.array([[1, 0], [0, 1]], bool), np.array([[1, 0], [1, 1]], bool))
    >>> share_a_slot(event, np.array([0, 0, 1, 1]), np.array([0, 1, 0, 1])).tolist()
    [True, True, False, True]
    """
    sme_slots = np.packbits(instance.sme_available, axis=1)
    buyer_slots = np.packbits(instance.buyer_available, axis=1)
    result = np.zeros(len(sme), np.bool_)
    chunk = 1 << 20  # bounds the temporary (pairs × bytes) at a few MB
    for first in range(0, len(sme), chunk):
        part = slice(first, first + chunk)
        result[part] = np.any(sme_slots[sme[part]] & buyer_slots[buyer[part]], axis=1)
    return result


def _min_zero_without_floor(
    instance: BipartiteInstance, forced: BoolArray, taken: BoolArray, room_sme: IntArray, room_buyer: IntArray
) -> int:
    """Stage 1's proven minimum of SMEs without a meeting had the pairs under the floor been candidates.

    Same forced (and left-out, ``taken``) pairs and capacities; only the candidate set differs, so the
    difference to stage 1's minimum is exactly the firms the floor leaves without a meeting in every schedule.
    """
    assert instance.below_floor is not None  # BipartiteInstance.__post_init__ turns None into all-False
    sme, buyer = np.nonzero(instance.allowed | instance.below_floor)
    keep = share_a_slot(instance, sme, buyer) & ~taken[sme, buyer] & (room_sme[sme] > 0) & (room_buyer[buyer] > 0)
    sme, buyer = sme[keep], buyer[keep]
    covered = forced.sum(axis=1) > 0
    first = (~covered).astype(np.int64)
    extra, _ = max_bmatching(sme, buyer, first, room_buyer, single=instance.relevance[sme, buyer] == 0)
    return int(len(covered) - covered.sum() - extra)


def _locked_pairs(instance: BipartiteInstance, sme_cap: IntArray, buyer_cap: IntArray) -> BoolArray:
    """The locked meetings' pairs as an (S, B) mask, after checking they can all be kept."""
    locked = np.zeros(instance.relevance.shape, np.bool_)
    for row, (s, b, _slot) in enumerate(instance.locked):
        if not instance.allowed[s, b]:
            raise InstanceError(f"locked[{row}]", f"(sme {s}, buyer {b}) is a forbidden pair")
        if locked[s, b]:
            raise InstanceError(f"locked[{row}]", f"(sme {s}, buyer {b}) is locked twice; a pair meets once")
        locked[s, b] = True
    for name, counts, caps in (("sme", locked.sum(axis=1), sme_cap), ("buyer", locked.sum(axis=0), buyer_cap)):
        over = np.flatnonzero(counts > caps)
        if over.size:
            i = over[0]
            raise InstanceError(f"{name} {i}", f"{counts[i]} locked meetings exceed its capacity of {caps[i]}")
    return locked


def _forced_pairs(
    instance: BipartiteInstance, locked: BoolArray, sme_cap: IntArray, buyer_cap: IntArray, fit_slots: bool
) -> tuple[BoolArray, IntArray, tuple[str, ...], IntArray, BoolArray]:
    """Locked pairs plus a maximum set of must-meet pairs; the must-meet pairs left out and why.

    With ``fit_slots`` the set is cut to pairs that fit in slots together (:func:`.must_fit.fitting_slots`);
    also returned: their ``(sme, buyer, slot)`` placement (the witness) and the pairs cut that way.
    """
    must = instance.must_meet & ~locked
    room_sme = sme_cap - locked.sum(axis=1)
    room_buyer = buyer_cap - locked.sum(axis=0)
    sme, buyer = np.nonzero(must)  # must-meet pairs are allowed (the instance checks it)
    placeable = share_a_slot(instance, sme, buyer) & (room_sme[sme] > 0) & (room_buyer[buyer] > 0)
    sme, buyer = sme[placeable], buyer[placeable]
    within = np.all(np.bincount(sme, minlength=len(sme_cap)) <= room_sme) and np.all(
        np.bincount(buyer, minlength=len(buyer_cap)) <= room_buyer
    )
    if within:
        chosen = np.ones(len(sme), np.bool_)
    else:
        # Most pairs first, then most relevance: 1 + ε·relevance with ε·Σ relevance < 1 (exact by TU).
        epsilon = 1.0 / (len(sme) + 1)
        weight = 1.0 + epsilon * instance.relevance[sme, buyer]
        zeros = np.zeros(len(sme_cap), np.int64)
        start = np.zeros(len(sme), np.bool_)
        chosen = max_weight_bmatching(sme, buyer, weight, zeros, room_sme, room_buyer, start=start).chosen
    left_out = np.zeros(locked.shape, np.bool_)
    pinned = np.zeros((0, 3), np.int64)
    if fit_slots and chosen.any():  # capacities alone can fix pairs no schedule holds together
        picked = np.flatnonzero(chosen)
        most_relevant_first = np.argsort(-instance.relevance[sme[picked], buyer[picked]], kind="stable")
        slots = fitting_slots(instance, sme[picked], buyer[picked], most_relevant_first)
        out = picked[slots < 0]
        chosen = chosen.copy()
        chosen[out] = False
        left_out[sme[out], buyer[out]] = True
        pinned = np.column_stack((sme[picked], buyer[picked], slots))[slots >= 0]
    forced = locked.copy()
    forced[sme[chosen], buyer[chosen]] = True

    unmet = np.argwhere(must & ~forced)
    common = share_a_slot(instance, unmet[:, 0], unmet[:, 1])
    taken_sme = forced.sum(axis=1) >= sme_cap
    sme_slots = instance.sme_available.sum(axis=1)
    buyer_slots = instance.buyer_available.sum(axis=1)
    reasons = []
    for (s, b), shared in zip(unmet, common, strict=True):
        if sme_cap[s] == 0:
            reason = "the SME has no available slot" if sme_slots[s] == 0 else "the SME's capacity is 0"
        elif buyer_cap[b] == 0:
            reason = "the buyer has no available slot" if buyer_slots[b] == 0 else "the buyer staffs no table"
        elif not shared:
            reason = "the SME and the buyer share no available slot"
        elif left_out[s, b]:
            reason = "no common slot is left beside the locked and other must-meet meetings"
        elif room_sme[s] == 0:
            reason = "the SME's capacity is taken by locked meetings"
        elif room_buyer[b] == 0:
            reason = "the buyer's capacity is taken by locked meetings"
        elif taken_sme[s]:  # a maximum b-matching leaves a pair out only if one end is saturated
            reason = "the SME's capacity is taken by other must-meet pairs"
        else:
            reason = "the buyer's capacity is taken by other must-meet pairs"
        reasons.append(reason)
    return forced, unmet, tuple(reasons), pinned, left_out


def _coverage(
    sme: IntArray,
    buyer: IntArray,
    weight: FloatArray,
    forced_per_sme: IntArray,
    room_sme: IntArray,
    room_buyer: IntArray,
    time_limit: float | None,
) -> tuple[int, BoolArray, BoolArray]:
    """Stage 1: the proven minimum of zero-meeting SMEs, the SMEs to cover, and pairs that cover them.

    Max flow with one unit per SME not covered by forced pairs. If buyers are so scarce that not every SME
    that could meet someone alone can be covered at once, which SMEs to cover is a choice: made by an LP
    that maximises ``M · covered + relevance`` with ``M`` above any total relevance (exactly
    lexicographic: M is at most ~10⁴, far from HiGHS' tolerances).
    """
    n_smes = len(room_sme)
    covered = forced_per_sme > 0
    idle = weight == 0
    first = (~covered).astype(np.int64)  # one unit per SME not covered yet (room_sme > 0 on every usable pair)
    extra, witness = max_bmatching(sme, buyer, first, room_buyer, single=idle)
    min_zero = n_smes - int(covered.sum()) - extra
    target = covered.copy()
    target[sme] = True
    if extra < int((target & ~covered).sum()):
        bonus = np.where(covered, 0.0, float(min(room_sme.sum(), room_buyer.sum()) + 1))
        zeros = np.zeros(n_smes, np.int64)
        best = max_weight_bmatching(
            sme, buyer, weight, zeros, room_sme, room_buyer, start=witness, single=idle, cover_bonus=bonus,
            time_limit=time_limit,
        )  # fmt: skip
        witness = best.chosen if best.status == "optimal" else witness
        target = covered.copy()
        target[sme[witness]] = True
    return min_zero, target, witness


def _level(
    sme: IntArray,
    buyer: IntArray,
    idle: BoolArray,
    target: BoolArray,
    witness: BoolArray,
    forced_per_sme: IntArray,
    room_sme: IntArray,
    room_buyer: IntArray,
) -> tuple[int, IntArray, BoolArray]:
    """Stage 2: the largest level ``k`` for the ``target`` SMEs, their degree lower bounds and a witness.

    ``lower[s]`` is how many usable pairs SME ``s`` needs on top of its forced ones; ``witness`` (given:
    one pair per target SME without forced pairs) marks usable pairs meeting all of ``lower``.
    """
    n_smes = len(room_sme)
    covered = forced_per_sme > 0
    # What an SME could get on its own: its cap, and the buyers it has a reason to meet — or, if none,
    # one relevance-0 meeting (its only one).
    relevant = np.bincount(sme[~idle], minlength=n_smes)
    partners = np.where(relevant > 0, relevant, np.minimum(np.bincount(sme[idle], minlength=n_smes), 1))
    reach = forced_per_sme + np.minimum(room_sme, partners)
    if not target.any():
        return 0, np.zeros(n_smes, np.int64), witness
    level, lower = 1, np.where(target & ~covered, 1, 0)
    low, high = 2, int(reach[target].max())
    while low <= high:  # the largest feasible k, by bisection: feasibility is monotone in k
        k = (low + high) // 2
        need = np.where(target, np.maximum(np.minimum(k, reach) - forced_per_sme, 0), 0)
        value, chosen = max_bmatching(sme, buyer, need, room_buyer, single=idle)
        if value == need.sum():
            level, lower, witness, low = k, need, chosen, k + 1
        else:
            high = k - 1
    return level, lower, witness


def _drop_idle(sme: IntArray, weight: FloatArray, chosen: BoolArray, lower: IntArray) -> BoolArray:
    """Unselect relevance-0 pairs an SME does not need for its lower bound (they give nothing).

    ``sme`` must be sorted. Dropping a pair never breaks a capacity, and keeps each SME at ``lower``.
    """
    degree = np.bincount(sme[chosen], minlength=len(lower))
    idle = np.flatnonzero(chosen & (weight == 0))
    group = sme[idle]
    rank = np.arange(len(idle)) - np.searchsorted(group, group, side="left")
    result = chosen.copy()
    result[idle[rank < (degree - lower)[group]]] = False
    return result


def _capacity_bound(
    sme: IntArray, buyer: IntArray, weight: FloatArray, room_sme: IntArray, room_buyer: IntArray
) -> float:
    """A quick valid bound: every SME's (or every buyer's) best pairs up to its room, whichever is less."""
    totals = []
    for owner, room in ((sme, room_sme), (buyer, room_buyer)):
        order = np.lexsort((-weight, owner))
        group = owner[order]
        rank = np.arange(len(order)) - np.searchsorted(group, group, side="left")
        totals.append(float(weight[order][rank < room[group]].sum()))
    return min(totals)


__all__ = ["OBJECTIVES", "select_meetings", "share_a_slot"]

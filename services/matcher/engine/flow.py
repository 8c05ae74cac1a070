"""Bipartite b-matching primitives for the selection stages: a max-flow feasibility test and an exact LP.

Both work on an *edge list* of SME–buyer pairs (``sme[j]``, ``buyer[j]``), each usable at most once,
with a capacity per SME and per buyer. The constraint matrix of a bipartite b-matching is the incidence
matrix of a bipartite graph, hence totally unimodular (Schrijver, *Combinatorial Optimization*, Thm
21.16 / Cor. 21.1a): every vertex of its LP polytope — also with lower bounds on SME degrees — is
integral, so HiGHS' simplex answer is an exact integer optimum and its LP value is a certificate.
Extra valid rows from a separator (:data:`Separator`, e.g. :mod:`.window_cuts`) keep the certificate
(weak duality counts their duals) but may make the vertex fractional; see :data:`FRACTIONAL`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp
from scipy.optimize import Bounds, LinearConstraint, linprog, milp
from scipy.sparse.csgraph import maximum_flow

from .min_cost import flow_bmatching
from .model import BoolArray, FloatArray, IntArray

#: A separation oracle for extra valid rows ``A x ≤ b`` over all E pairs (e.g. availability-window cuts): given
#: the current ``x`` (0 for pairs outside the LP) it returns the rows it violates, as (A, b), or no rows.
Separator = Callable[[FloatArray], tuple[sp.csr_array, FloatArray]]

#: A column whose reduced profit exceeds this is added to the LP (column generation); see
#: :func:`max_weight_bmatching`. The certified bound does not depend on it.
PRICING_TOLERANCE = 1e-9

#: The LP starts from each SME's best ``4 × cap + 8`` pairs (and the ``start`` pairs); pricing adds the rest
#: that could help. At L with every pair relevant (600k columns) this cuts the LP from ~11 s to ~1 s, and
#: pricing finds nothing to add on the synthetic events; smaller starts (2 × cap + 4) need 2–5 re-solves.
STARTING_COLUMNS_PER_UNIT = 4
STARTING_COLUMNS_EXTRA = 8

#: Start from every column when the truncated start already holds this share of them: linprog cannot
#: warm-start, so each pricing round is a full re-solve. At XL (10,000 × 1,000 × 24) the truncated start
#: holds 131k of 142k columns and pricing needed 3 more rounds (~10.5 s CPU in all) against one ~3 s solve.
FULL_START_SHARE = 0.5

#: HiGHS presolve for the relevance LP: off. On these matrices it finds little to remove (the redundant rows
#: are left out already) and costs 10–30 % (measured at M, L and XL; IPM + crossover is 2.5× slower at XL).
PRESOLVE = False

#: An LP value this close to 0 or 1 counts as integral.
INTEGRALITY_TOLERANCE = 1e-6

#: What to do when separator cuts make the LP vertex fractional: "milp" (HiGHS branch and cut on the LP's
#: columns, its answer separated again until it violates no cut) or "floor" (keep the pairs at 1). Either
#: way the bound is the LP's, valid by weak duality.
FRACTIONAL = "milp"

#: How to solve a problem without cover bonuses: "flow" (:func:`.min_cost.flow_bmatching`, its answer then
#: separated; the LP only if a row is violated) or "lp" (column generation from the start). Both are exact
#: and certified; at L the flow takes ~0.25 s where the LP took 6–9 s (see :mod:`.min_cost`).
METHOD = "flow"


def max_bmatching(
    sme: IntArray, buyer: IntArray, sme_cap: IntArray, buyer_cap: IntArray, *, single: BoolArray | None = None
) -> tuple[int, BoolArray]:
    """Largest b-matching on the given pairs: the max flow source → SME → buyer → sink.

    Parameters
    ----------
    sme, buyer : (E,) int
        The usable pairs (each at most once).
    sme_cap, buyer_cap : (S,), (B,) int >= 0
        Most pairs per SME and per buyer.
    single : (E,) bool, optional
        Pairs of which each SME may use at most one (routed through a per-SME node of capacity 1).

    Returns
    -------
    value : int
        The number of pairs chosen (maximum).
    chosen : (E,) bool
        Which pairs a maximum b-matching uses.

    Examples
    --------
    Two SMEs both want buyer 0, who holds one meeting; SME 1 can also meet buyer 1.

    >>> value, chosen = max_bmatching(np.array([0, 1, 1]), np.array([0, 0, 1]), np.array([1, 1]), np.array([1, 1]))
    >>> value, chosen.tolist()
    (2, [True, False, True])
    """
    if len(sme) == 0:
        return 0, np.zeros(0, np.bool_)
    n_smes, n_buyers = len(sme_cap), len(buyer_cap)
    single = np.zeros(len(sme), np.bool_) if single is None else single
    source, sink = 0, n_smes + n_buyers + 1
    smes = np.arange(n_smes)
    buyers = np.arange(n_buyers)
    # Nodes: source 0, SMEs 1..S, buyers S+1..S+B, sink S+B+1, hubs S+B+2.. (SME → hub → buyer for
    # ``single`` pairs, the hub taking one unit). Zero capacities are left out.
    hub = sink + 1 + smes
    tail = np.where(single, hub[sme], 1 + sme)
    rows = np.concatenate([np.zeros(n_smes, np.int64), 1 + smes, tail, 1 + n_smes + buyers])
    cols = np.concatenate([1 + smes, hub, 1 + n_smes + buyer, np.full(n_buyers, sink)])
    caps = np.concatenate([sme_cap, np.ones(n_smes + len(sme), np.int64), buyer_cap]).astype(np.int32)
    keep = caps > 0
    n_nodes = sink + 1 + n_smes
    graph = sp.csr_array((caps[keep], (rows[keep], cols[keep])), shape=(n_nodes, n_nodes))
    graph.sum_duplicates()
    result = maximum_flow(graph, source, sink, method="dinic")
    flow = sp.csr_array(result.flow)
    # Each (tail, buyer) arc carries exactly one pair: a hub's arcs are one SME's single pairs.
    used = flow[tail, 1 + n_smes + buyer]
    return int(result.flow_value), np.asarray(used).ravel() > 0


@dataclass(frozen=True)
class WeightedMatching:
    """An exact maximum-weight b-matching with degree bounds, and its certificate.

    Attributes
    ----------
    status : str
        "optimal", "stopped" when the time limit cut the LP short, or "infeasible" when separator rows
        leave no solution within the degree bounds (``chosen`` is then empty).
    chosen : (E,) bool
        The pairs of an optimal integral vertex.
    value : float
        Total weight of ``chosen``.
    bound : float
        An upper bound on the weight of any b-matching within the degree bounds, by weak LP duality
        (equal to ``value`` up to rounding when optimal).
    """

    status: str
    chosen: BoolArray
    value: float
    bound: float


def max_weight_bmatching(
    sme: IntArray,
    buyer: IntArray,
    weight: FloatArray,
    sme_lower: IntArray,
    sme_upper: IntArray,
    buyer_upper: IntArray,
    *,
    start: BoolArray,
    single: BoolArray | None = None,
    cover_bonus: FloatArray | None = None,
    time_limit: float | None = None,
    separate: Separator | None = None,
) -> WeightedMatching:
    """Maximum-weight b-matching whose SME degrees lie in ``[sme_lower, sme_upper]``, as a flow or an LP.

    Without cover bonuses (and with :data:`METHOD` "flow") a min-cost flow answers first
    (:func:`.min_cost.flow_bmatching`, certified by its potentials); if ``separate`` finds rows it violates,
    the LP below takes over with those rows and the flow's pairs among its starting columns.

    The LP: column generation (Dantzig–Wolfe pricing, e.g. Desrosiers & Lübbecke 2005): the LP starts from the
    ``start`` pairs (which must admit a feasible solution) plus every pair of positive weight, then adds
    pairs whose reduced profit ``w - α_s + β_s - γ_b - δ_s·single + ε_s`` is positive, until none is. The
    bound is the dual objective of the final duals (clipped to be dual feasible) plus the positive reduced
    profit of *every* pair — a valid upper bound by weak duality whatever the solver's tolerances.

    Parameters
    ----------
    sme, buyer : (E,) int
        Candidate pairs, each usable at most once.
    weight : (E,) float
        Gain of each pair.
    sme_lower, sme_upper, buyer_upper : (S,), (S,), (B,) int
        Degree bounds.
    start : (E,) bool
        Pairs that contain a feasible solution (e.g. a max-flow answer meeting the lower bounds).
    single : (E,) bool, optional
        Pairs of which each SME may use at most one.
    cover_bonus : (S,) float, optional
        Gain for each SME with at least one pair (a variable ``y_s ≤ min(1, degree)``).
    time_limit : float, optional
        Seconds for HiGHS per LP solve.
    separate : Separator, optional
        Cutting planes valid for every solution the bound must cover: called on each LP optimum (after
        pricing), its violated rows are added until none is. The status is "infeasible" if the rows exclude
        every solution within the degree bounds.

    Returns
    -------
    WeightedMatching
        ``value`` and ``bound`` include the cover bonuses.

    Notes
    -----
    The SME-side rows (cap, lower bound, ``single`` subset, and the negated cover row) form a laminar family
    per SME and the buyer rows are singletons, so the matrix is a network matrix: totally unimodular.

    Examples
    --------
    SME 0 prefers buyer 0 (0.9) but SME 1 needs a meeting (lower bound 1) and can only meet buyer 0.

    >>> sme, buyer, w = np.array([0, 0, 1]), np.array([0, 1, 0]), np.array([0.9, 0.2, 0.5])
    >>> m = max_weight_bmatching(sme, buyer, w, np.array([0, 1]), np.array([1, 1]), np.array([1, 1]),
    ...                          start=np.array([False, True, True]))
    >>> m.status, m.chosen.tolist(), round(m.value, 6), round(m.bound, 6)
    ('optimal', [False, True, True], 0.7, 0.7)
    """
    n_smes = len(sme_upper)
    single = np.zeros(len(sme), np.bool_) if single is None else single
    bonus = np.zeros(n_smes) if cover_bonus is None else cover_bonus
    cuts, cut_rhs = sp.csr_array((0, len(sme))), np.zeros(0)
    active = start | _best_per_sme(sme, weight, STARTING_COLUMNS_PER_UNIT * sme_upper + STARTING_COLUMNS_EXTRA)
    flowed = None
    if METHOD == "flow" and not np.any(bonus > 0):
        flowed = flow_bmatching(sme, buyer, weight, sme_lower, sme_upper, buyer_upper, single)
    if flowed is not None:
        chosen, bound = flowed
        cuts, cut_rhs = _violated(separate, np.arange(len(sme)), chosen.astype(np.float64), len(sme))
        if not len(cut_rhs):
            return WeightedMatching("optimal", chosen, float(weight[chosen].sum()), bound)
        active |= chosen  # the LP with the rows the flow's answer violates, from its pairs
    if active.sum() >= FULL_START_SHARE * len(sme):
        active[:] = True  # pricing could save little, and a re-solve (no warm start in linprog) costs a lot
    while True:
        columns = np.flatnonzero(active)
        problem = _Problem(sme[columns], buyer[columns], weight[columns], single[columns], bonus, cuts[:, columns])
        solved = problem.solve(sme_lower, sme_upper, buyer_upper, cut_rhs, time_limit)
        if solved == "infeasible" and not active.all():
            active[:] = True  # the cuts may exclude every solution within the start columns
            continue
        if isinstance(solved, str):
            return WeightedMatching(solved, np.zeros(len(sme), np.bool_), 0.0, float("inf"))
        x, duals = solved
        profit = (
            weight
            - duals["sme"][sme]
            - duals["buyer"][buyer]
            - np.where(single, duals["single"][sme], 0.0)
            + duals["cover"][sme]
            - cuts.T @ duals["cut"]
        )
        entering = ~active & (profit > PRICING_TOLERANCE)
        if entering.any():
            active |= entering
            continue
        new_rows, new_rhs = _violated(separate, columns, x, len(sme))
        if not len(new_rhs):
            break
        cuts, cut_rhs = sp.vstack([cuts, new_rows], format="csr"), np.concatenate([cut_rhs, new_rhs])
    # Weak duality with the SME price π split as α − β (α = π⁺ on the cap, β = π⁻ on the lower bound).
    dual_bound = (
        np.maximum(duals["sme"], 0.0) @ sme_upper
        - np.maximum(-duals["sme"], 0.0) @ sme_lower
        + duals["buyer"] @ buyer_upper
        + duals["single"].sum()
        + duals["cut"] @ cut_rhs
        + np.maximum(bonus - duals["cover"], 0.0).sum()
        + np.maximum(profit, 0.0).sum()
    )
    if np.any(np.minimum(x, 1 - x) > INTEGRALITY_TOLERANCE):
        x = _integral(
            problem,
            sme,
            buyer,
            weight,
            single,
            bonus,
            columns,
            cuts,
            cut_rhs,
            x,
            separate,
            (sme_lower, sme_upper, buyer_upper, time_limit),
        )
    chosen = np.zeros(len(sme), np.bool_)
    chosen[columns] = x > 0.5
    covered = np.zeros(n_smes, np.bool_)
    covered[sme[chosen]] = True
    value = float(weight[chosen].sum() + bonus[covered].sum())
    return WeightedMatching("optimal", chosen, value, max(float(dual_bound), value))


def _violated(
    separate: Separator | None, columns: IntArray, x: FloatArray, n_pairs: int
) -> tuple[sp.csr_array, FloatArray]:
    """The separator's rows violated by ``x`` (given on ``columns``), or none."""
    if separate is None:
        return sp.csr_array((0, n_pairs)), np.zeros(0)
    full = np.zeros(n_pairs)
    full[columns] = x
    return separate(full)


def _integral(
    problem: _Problem,
    sme: IntArray,
    buyer: IntArray,
    weight: FloatArray,
    single: BoolArray,
    bonus: FloatArray,
    columns: IntArray,
    cuts: sp.csr_array,
    cut_rhs: FloatArray,
    x: FloatArray,
    separate: Separator | None,
    limits: tuple[IntArray, IntArray, IntArray, float | None],
) -> FloatArray:
    """An integral answer when the cuts made the LP vertex fractional (see :data:`FRACTIONAL`)."""
    sme_lower, sme_upper, buyer_upper, time_limit = limits
    if FRACTIONAL == "milp":
        while True:
            solution = problem.solve_integral(sme_lower, sme_upper, buyer_upper, cut_rhs, time_limit)
            if solution is None:
                break
            new_rows, new_rhs = _violated(separate, columns, solution, len(sme))
            if not len(new_rhs):
                return solution
            cuts, cut_rhs = sp.vstack([cuts, new_rows], format="csr"), np.concatenate([cut_rhs, new_rhs])
            problem = _Problem(sme[columns], buyer[columns], weight[columns], single[columns], bonus, cuts[:, columns])
    # Rounding down keeps every ≤ row (capacities and cuts), though maybe not an SME's lower bound.
    return np.where(x > 1 - INTEGRALITY_TOLERANCE, 1.0, 0.0)


def _best_per_sme(sme: IntArray, weight: FloatArray, count: IntArray) -> BoolArray:
    """Each SME's ``count[s]`` pairs of highest positive weight."""
    positive = np.flatnonzero(weight > 0)
    order = positive[np.lexsort((-weight[positive], sme[positive]))]
    group = sme[order]
    rank = np.arange(len(order)) - np.searchsorted(group, group, side="left")
    result = np.zeros(len(sme), np.bool_)
    result[order[rank < count[group]]] = True
    return result


@dataclass(frozen=True)
class _Problem:
    """The LP over some columns: ``max w·x + bonus·y`` over x in [0, 1]^E, y in [0, 1]^S (y only if bonus)."""

    sme: IntArray
    buyer: IntArray
    weight: FloatArray
    single: BoolArray
    bonus: FloatArray
    cuts: sp.csr_array

    def build(
        self, sme_lower: IntArray, sme_upper: IntArray, buyer_upper: IntArray, cut_rhs: FloatArray
    ) -> tuple[dict[str, Any], dict[str, tuple[IntArray, int]]]:
        """The LP's arrays for linprog, and where each family's rows sit in ``A_ub`` (offset, owners).

        Rows that cannot bind are left out (an SME or buyer with no more columns than its cap, a ``single``
        set of one column): their dual is 0, which keeps the bound valid. An SME with a lower bound gets
        one ranged row ``Σ x − t = lower`` with a slack ``0 ≤ t ≤ upper − lower`` instead of two rows.
        At XL (10,000 × 1,000 × 24: 142k columns) this halves the rows (21k → 11k) and the dual simplex
        takes ~2.5–3 s CPU instead of ~6.5–7 s with both rows.
        """
        n_smes, n_buyers, n_cols = len(sme_upper), len(buyer_upper), len(self.sme)
        bonus_smes = np.flatnonzero(self.bonus > 0)
        per_sme = np.bincount(self.sme, minlength=n_smes)
        ranged = np.flatnonzero(sme_lower > 0)
        capped = np.flatnonzero((sme_lower <= 0) & (per_sme > sme_upper))
        buyers = np.flatnonzero(np.bincount(self.buyer, minlength=n_buyers) > buyer_upper)
        singles = np.flatnonzero(np.bincount(self.sme[self.single], minlength=n_smes) > 1)
        # Variables: x (the columns), y (cover indicators of bonus SMEs), t (slacks of ranged SME rows).
        y_of, t_of = n_cols, n_cols + len(bonus_smes)
        n_vars = t_of + len(ranged)
        column = np.arange(n_cols)
        ones = np.ones(n_cols)

        def rows(owner: IntArray, which: IntArray, size: int, mask: BoolArray | None = None) -> sp.csr_array:
            """Incidence rows ``Σ x`` of the columns in ``mask`` per ``owner``, for the owners ``which``."""
            keep = np.ones(n_cols, np.bool_) if mask is None else mask
            full = sp.csr_array((ones[keep], (owner[keep], column[keep])), shape=(size, n_vars))
            return full[which]

        def unit(which: IntArray, first: int, sign: float) -> sp.csr_array:
            """One extra variable per row: ``sign`` at ``first + i`` in row ``i``."""
            n = len(which)
            return sp.csr_array((np.full(n, sign), (np.arange(n), first + np.arange(n))), shape=(n, n_vars))

        sme_rows = rows(self.sme, np.arange(n_smes), n_smes)
        n_cuts = self.cuts.shape[0]
        ub_families = {
            "sme": (capped, sme_rows[capped], sme_upper[capped]),
            "buyer": (buyers, rows(self.buyer, buyers, n_buyers), buyer_upper[buyers]),
            "single": (singles, rows(self.sme, singles, n_smes, self.single), np.ones(len(singles))),
            # y_s − Σ_b x_sb ≤ 0: an SME earns its bonus only with a meeting.
            "cover": (bonus_smes, unit(bonus_smes, y_of, 1.0) - sme_rows[bonus_smes], np.zeros(len(bonus_smes))),
            "cut": (np.arange(n_cuts), sp.hstack([self.cuts, sp.csr_array((n_cuts, n_vars - n_cols))]), cut_rhs),
        }
        a_ub = sp.vstack([block for _, block, _ in ub_families.values()], format="csr")
        b_ub = np.concatenate([rhs for _, _, rhs in ub_families.values()]).astype(np.float64)
        bounds = np.zeros((n_vars, 2))
        bounds[:t_of, 1] = 1.0
        bounds[t_of:, 1] = np.maximum(sme_upper[ranged] - sme_lower[ranged], 0)
        arrays = {
            "c": -np.concatenate([self.weight, self.bonus[bonus_smes], np.zeros(len(ranged))]),
            "A_ub": a_ub,
            "b_ub": b_ub,
            "A_eq": sp.vstack([sme_rows[ranged] - unit(ranged, t_of, 1.0)], format="csr"),
            "b_eq": sme_lower[ranged].astype(np.float64),
            "bounds": bounds,
            "ranged": ranged,
        }
        where, offset = {}, 0
        for name, (which, _, _) in ub_families.items():
            where[name] = (which, offset)
            offset += len(which)
        return arrays, where

    def solve(
        self,
        sme_lower: IntArray,
        sme_upper: IntArray,
        buyer_upper: IntArray,
        cut_rhs: FloatArray,
        time_limit: float | None,
    ) -> tuple[FloatArray, dict[str, FloatArray]] | str:
        """One HiGHS solve: the vertex ``x`` and the duals per family ("sme": free sign, others ≥ 0).

        Or "infeasible", or "stopped" when the time limit ran out. Without cuts the vertex is integral (the
        matrix is a network matrix; the slack columns are unit columns); cuts can make it fractional.
        """
        arrays, where = self.build(sme_lower, sme_upper, buyer_upper, cut_rhs)
        n_cols = len(self.sme)
        duals = {name: np.zeros(len(buyer_upper) if name == "buyer" else len(sme_upper)) for name in where}
        duals["cut"] = np.zeros(self.cuts.shape[0])
        if len(arrays["c"]) == 0:
            return np.zeros(0), duals
        a_ub, a_eq, ranged = arrays["A_ub"], arrays["A_eq"], arrays["ranged"]
        options: dict[str, float | bool] = {"presolve": PRESOLVE}
        if time_limit is not None:
            options["time_limit"] = time_limit
        result = linprog(
            arrays["c"],
            A_ub=a_ub if a_ub.shape[0] else None,
            b_ub=arrays["b_ub"] if a_ub.shape[0] else None,
            A_eq=a_eq if len(ranged) else None,
            b_eq=arrays["b_eq"] if len(ranged) else None,
            bounds=arrays["bounds"],
            method="highs-ds",
            options=options,
        )
        if result.status == 2:
            return "infeasible"
        if result.status != 0:
            return "stopped"
        marginals = np.maximum(-result.ineqlin.marginals, 0.0) if a_ub.shape[0] else np.zeros(0)
        for name, (which, offset) in where.items():
            duals[name][which] = marginals[offset : offset + len(which)]
        if len(ranged):
            duals["sme"][ranged] = -result.eqlin.marginals  # free sign: the SME's price π = α − β
        return result.x[:n_cols], duals

    def solve_integral(
        self,
        sme_lower: IntArray,
        sme_upper: IntArray,
        buyer_upper: IntArray,
        cut_rhs: FloatArray,
        time_limit: float | None,
    ) -> FloatArray | None:
        """The same problem with binary ``x``, by HiGHS' branch and cut (``scipy.optimize.milp``).

        Returns the 0/1 ``x`` of the best solution found (optimal unless the time limit ran out), or None.
        """
        arrays, _ = self.build(sme_lower, sme_upper, buyer_upper, cut_rhs)
        n_cols, n_vars = len(self.sme), len(arrays["c"])
        constraints = []
        if arrays["A_ub"].shape[0]:
            constraints.append(LinearConstraint(arrays["A_ub"], -np.inf, arrays["b_ub"]))
        if len(arrays["ranged"]):
            constraints.append(LinearConstraint(arrays["A_eq"], arrays["b_eq"], arrays["b_eq"]))
        integrality = np.zeros(n_vars)
        integrality[:n_cols] = 1
        options = {} if time_limit is None else {"time_limit": time_limit}
        bounds = Bounds(arrays["bounds"][:, 0], arrays["bounds"][:, 1])
        result = milp(arrays["c"], integrality=integrality, bounds=bounds, constraints=constraints, options=options)
        if result.x is None:
            return None
        return np.round(result.x[:n_cols])

"""Hard general-mode (B2B meeting scheduling) instances, seeded, with a planted schedule that has breaks.

The instances of :mod:`benchmarks.b2b_instances` plant a schedule with no breaks, so the solver's first
"total breaks ≤ lower bound?" check succeeds at once. Real forum instances (Bofill et al., JAIR 2022) are
harder in ways this generator reproduces on purpose:

- the tables are nearly saturated (93–99 % of the table-slots hold a meeting), so the per-slot capacity
  binds and the meeting graph must be split into ``n_slots`` matchings of at most ``tables`` meetings:
  close to an edge colouring, which is where the hardness lies;
- a share of the participants meets in *every* slot (as many meetings as slots, or as many as the slots
  they may use);
- forbidden slots sit inside some participants' days, so breaks are forced;
- some requested pairs are duplicated (the same two participants meet twice, each copy in its own slot);
- sessions: the morning is the first half, and some meetings are restricted to the session of their
  planted slot.

The planted schedule is feasible by construction and has breaks (a participant left over in a slot, or
removed from a crowded one, has a hole in its day), so ``planted_breaks`` is an *upper* bound on the
optimum, never a claim about it. The optimum is unknown; :func:`lower_bound` gives the bound a solver must
reach to prove it (the per-participant bound of :mod:`.general_model`, lifted to several breaks per person
by :func:`.general_model.solo_lower_bounds`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .general_model import breaks_from_busy, busy_matrix, encode_general, solo_lower_bounds
from .model import GeneralInstance, IntArray, frozen

# Ranges of the published forum instances (issue 16): participants, meetings, slots, tables.
PARTICIPANTS = (42, 78)
MEETINGS = (125, 302)
SLOTS = (8, 22)
TABLES = (12, 27)


@dataclass(frozen=True, eq=False)
class HardInstance:
    """A generated hard instance and the schedule planted in it.

    Attributes
    ----------
    instance : GeneralInstance
    planted_slots : (M,) int
        A valid schedule (every rule of the instance holds for it).
    planted_breaks : int
        Its total breaks: an upper bound on the optimum.
    """

    instance: GeneralInstance
    planted_slots: IntArray
    planted_breaks: int


def generate_hard(
    seed: int,
    *,
    full_share: float = 0.3,
    duplicate_share: float = 0.05,
    session_share: float = 0.2,
    forbidden_share: float = 0.25,
) -> HardInstance:
    """A hard instance in the ranges of the real forums, drawn from ``seed`` alone.

    Parameters
    ----------
    seed : int
    full_share : float
        Share of participants planted busy in every slot they may use.
    duplicate_share : float
        Chance that a participant prefers a partner it has already met (a duplicated pair).
    session_share : float
        Share of meetings restricted to the session of their planted slot.
    forbidden_share : float
        Share of participants with forbidden slots outside their planted meetings (besides the forbidden
        holes that force breaks).

    Examples
    --------
    >>> h = generate_hard(3)
    >>> inst = h.instance
    >>> 42 <= inst.n_participants <= 78 and 8 <= inst.n_slots <= 22 and 12 <= inst.tables <= 27
    True
    >>> fill = len(inst.meetings) / (inst.tables * inst.n_slots)
    >>> 0.9 <= fill <= 1.0
    True
    >>> lower_bound(inst) <= h.planted_breaks
    True
    """
    rng = np.random.default_rng(seed)
    n_slots, tables = _size(rng)
    fill = rng.uniform(0.93, 0.99)
    n_meetings = min(round(fill * tables * n_slots), MEETINGS[1])
    n_participants = int(rng.integers(max(PARTICIPANTS[0], 2 * tables + 2), PARTICIPANTS[1] + 1))
    present = _plan_days(rng, n_participants, n_slots, tables, n_meetings, full_share)
    meetings, planted = _pair_up(rng, present, tables, duplicate_share)
    busy = busy_matrix(n_participants, n_slots, meetings, planted)
    forbidden = _forbid(rng, busy, forbidden_share)
    morning = n_slots // 2
    restricted = rng.random(len(planted)) < session_share
    session = np.where(restricted, np.where(planted < morning, 1, 2), 0)
    instance = GeneralInstance(
        n_participants=n_participants,
        n_slots=n_slots,
        tables=tables,
        meetings=frozen(meetings, np.int64),
        session=frozen(session, np.int64),
        morning_slots=morning,
        forbidden=frozen(forbidden, np.bool_),
    )
    return HardInstance(instance, frozen(planted, np.int64), int(breaks_from_busy(busy).sum()))


def lower_bound(instance: GeneralInstance) -> int:
    """The total-breaks lower bound the solver starts from: the sum of each participant's solo bound.

    Examples
    --------
    >>> forbidden = np.zeros((3, 3), bool); forbidden[0, 1] = True
    >>> lower_bound(GeneralInstance(3, 3, 1, np.array([[0, 1], [0, 2]]), np.zeros(2, int), 1, forbidden))
    1
    """
    return int(solo_lower_bounds(encode_general(instance)).sum())


def _size(rng: np.random.Generator) -> tuple[int, int]:
    """Slots and tables with ``tables × slots`` inside the range of meetings (resampled until it is)."""
    while True:
        n_slots = int(rng.integers(SLOTS[0], SLOTS[1] + 1))
        low = max(TABLES[0], -(-MEETINGS[0] // n_slots))
        high = min(TABLES[1], MEETINGS[1] // n_slots)
        if low <= high:
            return n_slots, int(rng.integers(low, high + 1))


def _plan_days(
    rng: np.random.Generator, n_participants: int, n_slots: int, tables: int, n_meetings: int, full_share: float
) -> np.ndarray:
    """(P, T) bool: who is planned present in each slot; about ``2 × n_meetings`` presences, ≤ 2 per table.

    Full participants are present all day; the others get one block each, placed where the slots are
    least loaded, with lengths drawn so the presences add up to what the meetings need.
    """
    present = np.zeros((n_participants, n_slots), dtype=bool)
    n_full = min(round(full_share * n_participants), (2 * n_meetings) // n_slots)
    order = rng.permutation(n_participants)
    present[order[:n_full]] = True
    rest = order[n_full:]
    remaining = max(2 * n_meetings - n_full * n_slots, 2 * len(rest))
    weights = rng.dirichlet(np.full(len(rest), 3.0))
    lengths = np.clip(np.round(weights * remaining).astype(int), 2, n_slots)
    load = present.sum(axis=0)
    for p, n in zip(rest, lengths, strict=True):
        starts = np.arange(n_slots - n + 1)
        cost = np.array([load[s : s + n].sum() for s in starts]) + rng.random(len(starts))
        s = int(starts[np.argmin(cost)])
        present[p, s : s + n] = True
        load[s : s + n] += 1
    # A slot holds at most 2 × tables people; the surplus drops out (a hole in a day, or a shorter day).
    for t in np.flatnonzero(load > 2 * tables):
        here = np.flatnonzero(present[:, t])
        present[rng.choice(here, load[t] - 2 * tables, replace=False), t] = False
    return present


def _pair_up(
    rng: np.random.Generator, present: np.ndarray, tables: int, duplicate_share: float
) -> tuple[IntArray, IntArray]:
    """Pair the people present in each slot at random: the planted meetings and their slots.

    Someone left over (odd count) stays idle in that slot. With chance ``duplicate_share`` a person
    prefers a partner already met, which requests that pair twice.
    """
    n_participants, n_slots = present.shape
    met = np.zeros((n_participants, n_participants), dtype=np.int64)
    pairs: list[tuple[int, int]] = []
    slots: list[int] = []
    for t in range(n_slots):
        waiting = [int(p) for p in rng.permutation(np.flatnonzero(present[:, t]))]
        in_slot = 0
        while len(waiting) >= 2 and in_slot < tables:
            in_slot += 1
            a = waiting.pop()
            again = [b for b in waiting if met[a, b]]
            fresh = [b for b in waiting if not met[a, b]]
            choices = again if again and rng.random() < duplicate_share else fresh or waiting
            b = choices[int(rng.integers(len(choices)))]
            waiting.remove(b)
            met[a, b] += 1
            met[b, a] += 1
            pairs.append((min(a, b), max(a, b)))
            slots.append(t)
    return np.array(pairs, dtype=np.int64).reshape(-1, 2), np.array(slots, dtype=np.int64)


def _forbid(rng: np.random.Generator, busy: np.ndarray, share: float) -> np.ndarray:
    """Forbidden slots: most holes inside a planted day (forcing a break), plus idle slots of a share of people."""
    first = np.where(busy.any(axis=1), busy.argmax(axis=1), busy.shape[1])
    last = busy.shape[1] - 1 - busy[:, ::-1].argmax(axis=1)
    grid = np.arange(busy.shape[1])
    holes = ~busy & (grid >= first[:, None]) & (grid <= last[:, None])
    forbidden = holes & (rng.random(busy.shape) < 0.7)
    chosen: np.ndarray = rng.random(int(busy.shape[0])) < share  # one draw per person
    forbidden |= ~busy & chosen[:, None] & (rng.random(busy.shape) < 0.5)
    return forbidden

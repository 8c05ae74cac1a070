"""General-mode (B2B meeting scheduling) instances: a seeded generator and a MiniZinc ``.dzn`` loader.

    python -m benchmarks.b2b_instances                       # S/M/L classes, 3 seeds each, 10 s per instance
    python -m benchmarks.b2b_instances --seeds 1 --time-limit 5 --classes S   # quick (CI)
    python -m benchmarks.b2b_instances --dzn forum-14.dzn    # a published instance, if you have the file
    python -m benchmarks.b2b_instances --classes hard --seeds 10 --time-limit 10   # the hard class (issue 16)

The real brokerage-forum instances of Bofill et al. (JAIR 2022) were not found in the stored sources, so
:func:`generate` plants a schedule with the same characteristics (40–80 participants, 125–300 meetings,
8–22 slots, 3–8 meetings per person, morning/afternoon sessions, forbidden slots, a few fixed meetings,
tables about P/3): every participant's day is one block of consecutive slots, participants present in a
slot are paired at random, and a participant left over in a slot (odd count, repeated pair) gets a hole.
The planted schedule is feasible by construction, so ``planted_breaks`` is an upper bound on the optimum
(real forum optima are 0–6). :func:`load_dzn` reads the MiniZinc data format of those instances
(``nBusiness``, ``nTables``, ``nTotalSlots``, ``nMorningSlots``, ``requested`` with session 1 morning /
2 afternoon / 3 any, ``forbidden`` as 1-based slot sets where 0 is a placeholder, ``fixed`` as 1-based slots
where 0 means "not fixed"); precedences are not part of our model and are ignored.

The ``hard`` class (:mod:`services.matcher.engine.hard_instances`) is what these planted-block classes
lack: tables 93–99 % full, people busy in every slot, forbidden slots that force breaks, duplicated pairs,
and a planted schedule *with* breaks (an upper bound only). Its rows give the table-slot fill, the lower
bound the solver must prove (``lower_bound``: the per-participant solo bound), the breaks found, the bound
the solver proved, the status with the gap or reason, and the seconds; a summary line counts instances at
the bound / proven optimal, the worst gap and the median time. Every schedule is re-checked by
:func:`check_schedule`, independent of the solver.

Figures only; nothing is asserted. The solver runs CP-SAT with 8 workers (see ``general_search.WORKERS``)
whatever the machine has; the target of issue 16 is 10 s per instance on 2 cores, so on a busy 2-core
machine the times and the breaks reached within a time limit are noisy.
"""

from __future__ import annotations

import argparse
import itertools
import os
import re
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from services.matcher.engine.general import count_breaks, solve_general
from services.matcher.engine.general_search import WORKERS
from services.matcher.engine.hard_instances import generate_hard, lower_bound
from services.matcher.engine.model import GeneralInstance, GeneralSchedule

# Size classes spanning the published forum instances (participants, slots, mean block length).
SIZE_CLASSES: dict[str, tuple[int, int, float]] = {
    "S": (40, 8, 6.0),
    "M": (60, 14, 6.5),
    "L": (80, 22, 7.5),
}


@dataclass(frozen=True)
class GeneratedInstance:
    """A generated instance and the schedule planted in it (feasible by construction)."""

    instance: GeneralInstance
    planted_slots: np.ndarray
    planted_breaks: int


def generate(
    n_participants: int,
    n_slots: int,
    *,
    mean_meetings: float = 6.0,
    session_share: float = 0.3,
    forbidden_share: float = 0.1,
    fixed_share: float = 0.03,
    fairness: int | None = None,
    seed: int = 0,
) -> GeneratedInstance:
    """A random B2B instance with a planted schedule whose days are (almost) blocks.

    Examples
    --------
    >>> g = generate(12, 6, mean_meetings=4, seed=1)
    >>> g.instance.meetings.shape[1], g.instance.n_slots
    (2, 6)
    >>> int(count_breaks(g.instance, g.planted_slots).sum()) == g.planted_breaks
    True
    """
    rng = np.random.default_rng(seed)
    lengths = np.clip(rng.poisson(mean_meetings, n_participants), 3, min(8, n_slots))
    starts = rng.integers(0, n_slots - lengths + 1)
    present = (np.arange(n_slots) >= starts[:, None]) & (np.arange(n_slots) < (starts + lengths)[:, None])
    pairs: list[tuple[int, int]] = []
    slots: list[int] = []
    used: set[tuple[int, int]] = set()
    for t in range(n_slots):
        waiting = list(rng.permutation(np.flatnonzero(present[:, t])))
        while len(waiting) >= 2:
            a = waiting.pop()
            partner = next((b for b in waiting if (min(a, b), max(a, b)) not in used), None)
            if partner is None:
                continue  # a stays idle in t: a hole in its block (a planted break)
            waiting.remove(partner)
            pair = (int(min(a, partner)), int(max(a, partner)))
            used.add(pair)
            pairs.append(pair)
            slots.append(t)
    meetings = np.array(pairs, dtype=np.int64).reshape(-1, 2)
    planted = np.array(slots, dtype=np.int64)
    morning = n_slots // 2
    restricted = rng.random(len(planted)) < session_share
    session = np.where(restricted, np.where(planted < morning, 1, 2), 0)
    busy = np.zeros((n_participants, n_slots), dtype=bool)
    busy[meetings[:, 0], planted] = True
    busy[meetings[:, 1], planted] = True
    forbidden = ~busy & (rng.random((n_participants, n_slots)) < forbidden_share)
    fixed_rows = np.flatnonzero(rng.random(len(planted)) < fixed_share)
    fixed = np.column_stack([fixed_rows, planted[fixed_rows]])
    tables = int(np.bincount(planted, minlength=n_slots).max(initial=0))
    instance = GeneralInstance(
        n_participants=n_participants,
        n_slots=n_slots,
        tables=max(tables, -(-n_participants // 3)),
        meetings=meetings,
        session=session,
        morning_slots=morning,
        forbidden=forbidden,
        fixed=fixed,
        fairness=fairness,
    )
    return GeneratedInstance(instance, planted, int(count_breaks(instance, planted).sum()))


def _dzn_value(text: str, name: str) -> str:
    match = re.search(rf"\b{name}\s*=\s*(.*?);", text, flags=re.S)
    if match is None:
        raise ValueError(f"{name} is missing from the .dzn data")
    return match.group(1)


def load_dzn(path: str | Path, *, fairness: int | None = None) -> GeneralInstance:
    """Read a B2B instance in the MiniZinc data format of Bofill et al.'s forum instances (see module doc).

    Examples
    --------
    >>> import tempfile, os
    >>> text = '''nBusiness = 3; nMeetings = 2; nTables = 1; nTotalSlots = 4; nMorningSlots = 2;
    ... requested = [| 1, 2, 1 | 2, 3, 3 |];
    ... forbidden = [{0}, {0}, {1, 2}];
    ... fixed = [0, 0];'''
    >>> with tempfile.NamedTemporaryFile("w", suffix=".dzn", delete=False) as f:
    ...     _ = f.write(text)
    >>> inst = load_dzn(f.name); os.unlink(f.name)
    >>> inst.meetings.tolist(), inst.session.tolist(), inst.forbidden[2].tolist()
    ([[0, 1], [1, 2]], [1, 0], [True, True, False, False])
    """
    text = re.sub(r"%[^\n]*", "", Path(path).read_text(encoding="utf-8"))
    n_participants = int(_dzn_value(text, "nBusiness"))
    n_slots = int(_dzn_value(text, "nTotalSlots"))
    numbers = [int(v) for v in re.findall(r"-?\d+", _dzn_value(text, "requested"))]
    requested = np.array(numbers, dtype=np.int64).reshape(-1, 3)
    session = np.select([requested[:, 2] == 1, requested[:, 2] == 2], [1, 2], 0)
    forbidden = np.zeros((n_participants, n_slots), dtype=bool)
    sets = re.findall(r"\{([^}]*)\}", _dzn_value(text, "forbidden"))
    for p, members in enumerate(sets[:n_participants]):
        for slot in (int(v) for v in re.findall(r"\d+", members)):
            if 1 <= slot <= n_slots:
                forbidden[p, slot - 1] = True
    fixed_values = np.array([int(v) for v in re.findall(r"\d+", _dzn_value(text, "fixed"))], dtype=np.int64)
    fixed_rows = np.flatnonzero(fixed_values > 0)
    return GeneralInstance(
        n_participants=n_participants,
        n_slots=n_slots,
        tables=int(_dzn_value(text, "nTables")),
        meetings=requested[:, :2] - 1,
        session=session,
        morning_slots=int(_dzn_value(text, "nMorningSlots")),
        forbidden=forbidden,
        fixed=np.column_stack([fixed_rows, fixed_values[fixed_rows] - 1]),
        fairness=fairness,
    )


def _run(name: str, instance: GeneralInstance, planted: int | None, time_limit: float, seed: int) -> float:
    start = time.perf_counter()
    result = solve_general(instance, time_limit=time_limit, seed=seed)
    elapsed = time.perf_counter() - start
    planted_text = "-" if planted is None else str(planted)
    print(
        f"{name:<10} P={instance.n_participants:<3} M={len(instance.meetings):<4} T={instance.n_slots:<3} "
        f"tables={instance.tables:<3} planted={planted_text:<3} breaks={result.total_breaks:<4} "
        f"lower_bound={result.lower_bound:<3} status={result.status:<10} time={elapsed:6.2f}s"
    )
    return elapsed


def check_schedule(instance: GeneralInstance, result: GeneralSchedule) -> str:
    """Problems with a result found without the solver's code ("" if none): every rule, and its breaks.

    Examples
    --------
    >>> inst = GeneralInstance(3, 3, 1, np.array([[0, 1], [0, 2]]), np.zeros(2, int), 1, np.zeros((3, 3), bool))
    >>> ok = GeneralSchedule("optimal", np.array([0, 1]), np.zeros(3, int), 0, 0)
    >>> check_schedule(inst, ok)
    ''
    >>> check_schedule(inst, GeneralSchedule("optimal", np.array([0, 0]), np.zeros(3, int), 0, 0))
    'participant 0 twice in slot 0; slot 0 holds 2 meetings for 1 table(s)'
    """
    if result.status in ("infeasible", "unknown"):
        return ""
    problems = []
    slots, meetings = np.asarray(result.slots), np.asarray(instance.meetings).reshape(-1, 2)
    if slots.shape != (len(meetings),) or ((slots < 0) | (slots >= instance.n_slots)).any():
        return "slots missing or out of range"
    days: dict[int, list[int]] = {}
    for (a, b), t in zip(meetings.tolist(), slots.tolist(), strict=True):
        for p in (a, b):
            if t in days.setdefault(p, []):
                problems.append(f"participant {p} twice in slot {t}")
            days[p].append(t)
            if instance.forbidden[p, t]:
                problems.append(f"participant {p} meets in forbidden slot {t}")
    problems += [
        f"slot {t} holds {n} meetings for {instance.tables} table(s)"
        for t, n in enumerate(np.bincount(slots, minlength=instance.n_slots).tolist())
        if n > instance.tables
    ]
    session = np.asarray(instance.session)
    if (slots[session == 1] >= instance.morning_slots).any() or (slots[session == 2] < instance.morning_slots).any():
        problems.append("a meeting outside its session")
    fixed = np.asarray(instance.fixed).reshape(-1, 2).tolist()
    problems += [f"meeting {m} not in its fixed slot {t}" for m, t in fixed if slots[m] != t]
    breaks = sum(sum(1 for x, y in itertools.pairwise(sorted(d)) if y - x > 1) for d in days.values())
    if breaks != result.total_breaks:
        problems.append(f"reports {result.total_breaks} breaks, has {breaks}")
    if result.lower_bound > result.total_breaks or (result.status == "optimal") != (result.lower_bound == breaks):
        problems.append(f"status {result.status} with bound {result.lower_bound} and {breaks} breaks")
    return "; ".join(problems)


@dataclass(frozen=True)
class HardRow:
    """One hard instance's figures."""

    at_bound: bool
    optimal: bool
    gap: int | None
    seconds: float
    valid: bool


def _run_hard(seed: int, time_limit: float) -> HardRow:
    hard = generate_hard(seed)
    instance = hard.instance
    bound = lower_bound(instance)
    start = time.perf_counter()
    result = solve_general(instance, time_limit=time_limit, seed=seed)
    elapsed = time.perf_counter() - start
    problems = check_schedule(instance, result)
    n_meetings = len(instance.meetings)
    fill = n_meetings / (instance.tables * instance.n_slots)
    gap = result.total_breaks - result.lower_bound if result.status in ("optimal", "feasible") else None
    status = {
        "optimal": "optimal",
        "feasible": f"feasible gap={gap}",
        "infeasible": f"infeasible ({result.reason})",
        "unknown": f"unknown ({result.reason})",
    }[result.status]
    print(
        f"hard-{seed:<3} P={instance.n_participants:<3} M={n_meetings:<4} T={instance.n_slots:<3} "
        f"tables={instance.tables:<3} fill={fill:6.1%} lower_bound={bound:<3} planted<={hard.planted_breaks:<3} "
        f"breaks={result.total_breaks if gap is not None else '-':<4} proven>={result.lower_bound:<3} "
        f"time={elapsed:6.2f}s {status}" + (f" INVALID: {problems}" if problems else "")
    )
    at_bound = gap is not None and result.total_breaks == bound
    return HardRow(at_bound, result.status == "optimal", gap, elapsed, not problems)


def _hard_summary(rows: list[HardRow], time_limit: float) -> None:
    gaps = [row.gap for row in rows if row.gap is not None]
    print(
        f"hard: {sum(r.at_bound for r in rows)}/{len(rows)} at the lower bound, "
        f"{sum(r.optimal for r in rows)}/{len(rows)} proven optimal, "
        f"{len(rows) - len(gaps)} without a schedule, {sum(not r.valid for r in rows)} invalid, "
        f"worst gap {max(gaps, default=0)}, median time {statistics.median(r.seconds for r in rows):.2f}s "
        f"(limit {time_limit:g}s, CP-SAT {WORKERS} workers on {os.cpu_count()} cores)"
    )


def main() -> None:
    """Print breaks, lower bound and time per generated instance (or per given .dzn file)."""
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--classes", default="S,M,L")
    parser.add_argument("--seeds", type=int, default=3)
    parser.add_argument("--time-limit", type=float, default=10.0)
    parser.add_argument("--fairness", type=int, default=None)
    parser.add_argument("--dzn", nargs="*", default=[])
    args = parser.parse_args()
    times = []
    for path in args.dzn:
        times.append(_run(Path(path).stem, load_dzn(path, fairness=args.fairness), None, args.time_limit, 0))
    hard_rows = []
    for size in [] if args.dzn else args.classes.split(","):
        if size == "hard":
            hard_rows += [_run_hard(seed, args.time_limit) for seed in range(args.seeds)]
            continue
        participants, slots, mean = SIZE_CLASSES[size]
        for seed in range(args.seeds):
            g = generate(participants, slots, mean_meetings=mean, fairness=args.fairness, seed=seed)
            times.append(_run(f"{size}-{seed}", g.instance, g.planted_breaks, args.time_limit, seed))
    if hard_rows:
        _hard_summary(hard_rows, args.time_limit)
    if times:
        print(f"median time {statistics.median(times):.2f}s over {len(times)} instances")


if __name__ == "__main__":
    main()

"""Seeded synthetic events for tests and the benchmark, with the skew of a real Affärsträff.

What makes real events hard, and what this reproduces:

* **popular buyers** — buyer popularity is log-normal (σ = 1), so a few buyers (the region's large
  municipalities) are wanted by many SMEs; the most popular quarter staffs a second table, the top 5 %
  a third;
* **niche SMEs** — each SME fits 5–40 buyers (log-normal around 12, or around a third of the buyers in
  a small event, so most fit few), drawn without replacement in proportion to popularity (Gumbel top-k,
  Efraimidis & Spirakis 2006); every other pair has relevance 0 and is not allowed (the organiser's
  rules exclude meetings with no reason);
* **scarce buyers** — SMEs ask for 2–6 meetings; buyer capacity (tables × slots) is half to two thirds
  of the demand;
* **availability windows** (``windows=True``) — 15 % of SMEs come only in the morning and 15 % only in
  the afternoon; 20 % of buyers leave early (after 60–80 % of the day) and 10 % arrive late;
* a few organiser rules — about one "never" pair per 100 SMEs and one "must meet" pair per 30 SMEs.

Sizes (SMEs × buyers × slots): S 60 × 15 × 8, M 300 × 40 × 12, L 2,000 × 300 × 16, XL 10,000 × 1,000 × 24.
"""

from __future__ import annotations

import numpy as np

from .model import BipartiteInstance, InstanceError

SIZES: dict[str, tuple[int, int, int]] = {
    "S": (60, 15, 8),
    "M": (300, 40, 12),
    "L": (2_000, 300, 16),
    "XL": (10_000, 1_000, 24),
}


def _fits_per_sme(rng: np.random.Generator, smes: int, buyers: int) -> np.ndarray:
    typical = min(12.0, max(5.0, buyers / 3))  # a small event's SMEs fit a third of its buyers at most
    fits = np.rint(rng.lognormal(np.log(typical), 0.6, size=smes)).astype(np.int64)
    return np.clip(fits, min(5, buyers), min(40, buyers))


def _chosen_buyers(rng: np.random.Generator, popularity: np.ndarray, fits: np.ndarray) -> np.ndarray:
    """(S, B) bool: SME s fits ``fits[s]`` distinct buyers drawn in proportion to popularity (Gumbel top-k)."""
    smes, buyers = len(fits), len(popularity)
    keys = np.log(popularity).astype(np.float32)[None, :] + rng.gumbel(size=(smes, buyers)).astype(np.float32)
    order = np.argsort(-keys, axis=1).astype(np.int32)
    del keys
    rank = np.empty_like(order)
    np.put_along_axis(rank, order, np.arange(buyers, dtype=np.int32)[None, :].repeat(smes, axis=0), axis=1)
    return rank < fits[:, None]


def _windows(rng: np.random.Generator, smes: int, buyers: int, slots: int) -> tuple[np.ndarray, np.ndarray]:
    time = np.arange(slots)
    half = slots // 2
    kind = rng.choice(3, size=smes, p=[0.7, 0.15, 0.15])  # 0 all day, 1 morning only, 2 afternoon only
    sme_available = np.ones((smes, slots), dtype=bool)
    sme_available[kind == 1] = time < half
    sme_available[kind == 2] = time >= half
    leaves = np.rint(slots * rng.uniform(0.6, 0.8, size=buyers)).astype(np.int64)
    buyer_kind = rng.choice(3, size=buyers, p=[0.7, 0.2, 0.1])  # 0 all day, 1 leaves early, 2 arrives late
    buyer_available = np.ones((buyers, slots), dtype=bool)
    buyer_available[buyer_kind == 1] = time[None, :] < leaves[buyer_kind == 1, None]
    buyer_available[buyer_kind == 2] = time >= slots // 4
    return sme_available, buyer_available


def synthetic_event(
    size: str | tuple[int, int, int] = "S", *, seed: int = 0, windows: bool = True
) -> BipartiteInstance:
    """A seeded synthetic bipartite event with popular buyers, niche SMEs and availability windows.

    Parameters
    ----------
    size : {"S", "M", "L", "XL"} or (smes, buyers, slots)
    seed : int
        Same seed, same event.
    windows : bool
        False: everyone is available all day (every selected meeting then fits, König).

    Returns
    -------
    BipartiteInstance

    Examples
    --------
    >>> event = synthetic_event("S", seed=1)
    >>> event.shape
    (60, 15, 8)
    >>> bool(((event.relevance > 0).sum(axis=1) >= 5).all())
    True
    >>> bool(synthetic_event((4, 3, 2), seed=1, windows=False).sme_available.all())
    True
    """
    if isinstance(size, str):
        if size not in SIZES:
            raise InstanceError("size", f"unknown size {size!r}; choose one of {', '.join(SIZES)}")
        smes, buyers, slots = SIZES[size]
    else:
        smes, buyers, slots = size
    if min(smes, buyers, slots) <= 0:
        raise InstanceError("size", "SMEs, buyers and slots must all be positive")
    rng = np.random.default_rng(seed)
    popularity = rng.lognormal(0.0, 1.0, size=buyers)
    chosen = _chosen_buyers(rng, popularity, _fits_per_sme(rng, smes, buyers))

    # Relevance only where an SME fits a buyer; skewed towards the middle, a few near-perfect fits.
    relevance = np.zeros((smes, buyers))
    relevance[chosen] = np.clip(np.round(rng.beta(2.0, 3.0, size=int(chosen.sum())), 3), 0.001, 1.0)

    fit_rows, fit_cols = np.nonzero(chosen)
    never = rng.choice(len(fit_rows), size=max(1, smes // 100), replace=False)
    allowed = chosen.copy()
    allowed[fit_rows[never], fit_cols[never]] = False
    candidates = np.flatnonzero(allowed[fit_rows, fit_cols])
    must = rng.choice(candidates, size=min(len(candidates), max(1, smes // 30)), replace=False)
    must_meet = np.zeros_like(allowed)
    must_meet[fit_rows[must], fit_cols[must]] = True

    popularity_rank = np.argsort(np.argsort(-popularity))
    tables = 1 + (popularity_rank < buyers // 4) + (popularity_rank < buyers // 20)
    capacity = np.minimum(rng.integers(2, 7, size=smes), slots)
    if windows:
        sme_available, buyer_available = _windows(rng, smes, buyers, slots)
    else:
        sme_available, buyer_available = np.ones((smes, slots), bool), np.ones((buyers, slots), bool)
    return BipartiteInstance(
        relevance=relevance,
        allowed=allowed,
        must_meet=must_meet,
        sme_capacity=capacity,
        buyer_tables=tables,
        sme_available=sme_available,
        buyer_available=buyer_available,
    )

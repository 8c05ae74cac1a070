"""The synthetic events: seeded, the sizes of the issue, skewed, with or without availability windows."""

from __future__ import annotations

import numpy as np
import pytest

from services.matcher.engine.generator import SIZES, synthetic_event
from services.matcher.engine.model import InstanceError


def test_same_seed_same_event_other_seed_other_event() -> None:
    a, b, c = synthetic_event("S", seed=7), synthetic_event("S", seed=7), synthetic_event("S", seed=8)
    assert np.array_equal(a.relevance, b.relevance) and np.array_equal(a.sme_available, b.sme_available)
    assert not np.array_equal(a.relevance, c.relevance)


@pytest.mark.parametrize("size", ["S", "M"])
def test_sizes_sparsity_and_skew(size: str) -> None:
    event = synthetic_event(size, seed=0)
    assert event.shape == SIZES[size]
    fits = (event.relevance > 0).sum(axis=1)
    assert fits.min() >= min(5, event.shape[1]) and fits.max() <= 40
    assert not (event.allowed & (event.relevance == 0)).any()  # no reason to meet, not allowed
    assert not (event.must_meet & ~event.allowed).any()
    wanted_by = np.sort((event.relevance > 0).sum(axis=0))
    assert wanted_by[-1] >= 1.5 * np.median(wanted_by)  # popular buyers stand out
    assert (event.relevance > 0).mean() < 0.5  # most pairs have no reason to meet
    assert event.buyer_tables.max() >= 2


def test_windows_flag() -> None:
    with_windows = synthetic_event("M", seed=0)
    assert not with_windows.sme_available.all() and not with_windows.buyer_available.all()
    assert with_windows.sme_available.any(axis=1).all()  # nobody is away all day
    without = synthetic_event("M", seed=0, windows=False)
    assert without.sme_available.all() and without.buyer_available.all()


def test_unknown_size_is_named() -> None:
    with pytest.raises(InstanceError, match="size"):
        synthetic_event("XXL")

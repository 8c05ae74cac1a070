"""The slot board's fast paths: Kempe-chain swaps keep every view of the board in step, mask tables are exact."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.matcher.engine._board import breaks_of
from services.matcher.engine.anneal import _cost, _mask_tables
from services.matcher.engine.polish import board_from_schedule
from services.matcher.engine.slotting import place_meetings
from tests.engine.test_slotting import random_case, selection


def assert_consistent(board) -> None:
    """node_at, mask and busy say exactly what the meetings' slots and seats say."""
    node_at = [[-1] * board.n_slots for _ in range(board.n_nodes)]
    mask = [0] * board.n_nodes
    for m in range(board.n_meetings):
        if board.m_slot[m] >= 0:
            for node in (board.m_sme[m], board.m_seat[m]):
                assert node_at[node][board.m_slot[m]] == -1, "double-booked"
                node_at[node][board.m_slot[m]] = m
                mask[node] |= 1 << board.m_slot[m]
    assert board.node_at == node_at
    assert board.mask == mask
    busy = np.array([[bool(k >> t & 1) for t in range(board.n_slots)] for k in mask]).reshape(board.busy.shape)
    assert np.array_equal(board.busy, busy)


@settings(max_examples=60, deadline=None)
@given(random_case(), st.lists(st.tuples(st.integers(0, 10**6), st.integers(0, 40), st.integers(0, 40)), max_size=30))
def test_chain_swaps_keep_the_board_consistent(case, picks):
    inst, pairs, seed = case
    board = board_from_schedule(inst, place_meetings(inst, selection(pairs), seed=seed))
    for pick, a, b in picks:
        node = pick % board.n_nodes
        have, want = a % board.n_slots, b % board.n_slots
        if have == want or not board.mask[node] >> have & 1 or board.mask[node] >> want & 1:
            continue
        found = board.chain(node, have, want)
        if found is None:
            continue
        moves, end = found
        before_node, before_end = board.mask[node], board.mask[end]
        board.apply_chain(moves, have, want)
        flip = 1 << have | 1 << want
        assert board.mask[node] == before_node ^ flip and board.mask[end] == before_end ^ flip
        assert_consistent(board)
    assert_consistent(board)


@pytest.mark.parametrize("slots", [1, 2, 5, 9, 14])
def test_mask_tables_equal_the_functions(slots):
    cost, breaks, moves = _mask_tables(slots)
    for mask in range(1 << slots):
        assert cost[mask] == _cost(mask, slots)
        assert breaks[mask] == breaks_of(mask)
        if mask:
            idle, busy = moves[mask]
            lo, hi = (mask & -mask).bit_length() - 1, mask.bit_length() - 1
            assert busy == [t for t in range(slots) if mask >> t & 1]
            assert idle == [t for t in range(max(lo - 1, 0), min(hi + 2, slots)) if not mask >> t & 1]


def test_long_days_compute_the_same_mask_figures_on_demand():
    slots = 20  # past the tables' 16 slots: filled per mask asked for
    cost, breaks, moves = _mask_tables(slots)
    for mask in np.random.default_rng(0).integers(1, 1 << slots, 200).tolist():
        assert cost[mask] == _cost(mask, slots)
        assert breaks[mask] == breaks_of(mask)
        assert moves[mask][1] == [t for t in range(slots) if mask >> t & 1]

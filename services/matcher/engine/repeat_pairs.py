"""Pairs who met at an earlier Affärsträff: not paired again unless one of them asked (issue 14).

A pair that had a meeting in the published schedule of an earlier event gets little new out of a
second one, and its table time could introduce either side to someone new. Such a pair stays a
candidate only when someone asked for it: the SME wished for (ranked) one of the buyer's needs, the
buyer wished for the SME, or the organiser marked the pair "must meet" or locked a meeting of it.
Arrays in, arrays out: the service finds which pairs met (``services.matcher.schedules.repeat_pairs``).
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

from .model import BoolArray, IntArray

# Added to the explanation of a repeat pair that was kept because someone asked for it.
KEPT_SV = "Ni har mötts på ett tidigare Affärsträff; mötet finns med igen eftersom någon av er bad om det."
KEPT_EN = "You met at an earlier Affärsträff; the meeting is here again because one of you asked for it."


def asked_pairs(
    sme_need_rank: sp.spmatrix | np.ndarray,
    need_buyer: IntArray,
    buyer_wish: BoolArray,
    must_meet: BoolArray,
    locked: IntArray | None = None,
) -> BoolArray:
    """(S, B) bool: pairs one side (or the organiser) asked for.

    Parameters
    ----------
    sme_need_rank : (S, N) int, sparse or dense
        Nonzero where the SME wants the need (its rank, or -1 without one).
    need_buyer : (N,) int
        The buyer of each need column.
    buyer_wish : (S, B) bool
        The buyer wished for the SME.
    must_meet : (S, B) bool
    locked : (L, 2+) int, optional
        Locked meetings; their first two columns are ``(sme, buyer)``.

    Examples
    --------
    >>> rank = np.array([[0, 2, 0], [0, 0, 0]])  # SME 0 ranks need 1 (buyer 0's second need)
    >>> wish = np.array([[False, False], [False, True]])
    >>> must = np.zeros((2, 2), bool)
    >>> asked_pairs(rank, np.array([0, 0, 1]), wish, must).astype(int).tolist()
    [[1, 0], [0, 1]]
    >>> asked_pairs(rank, np.array([0, 0, 1]), wish, must, np.array([[1, 0, 3]])).astype(int).tolist()
    [[1, 0], [1, 1]]
    """
    asked = np.asarray(buyer_wish, dtype=bool) | np.asarray(must_meet, dtype=bool)
    rows, columns = sp.coo_matrix(sme_need_rank).nonzero()
    asked[rows, np.asarray(need_buyer, dtype=np.int64)[columns]] = True
    if locked is not None and len(locked):
        asked[locked[:, 0], locked[:, 1]] = True
    return asked


def repeat_exclusion(met_before: BoolArray, asked: BoolArray) -> BoolArray:
    """(S, B) bool: the pairs that met before and that nobody asked for — no candidates this time.

    Examples
    --------
    >>> met = np.array([[True, True], [False, True]])
    >>> asked = np.array([[True, False], [False, False]])
    >>> repeat_exclusion(met, asked).astype(int).tolist()
    [[0, 1], [0, 1]]
    """
    return np.asarray(met_before, dtype=bool) & ~np.asarray(asked, dtype=bool)


def met_before_mask(shape: tuple[int, int], pairs: list[tuple[int, int]]) -> BoolArray:
    """(S, B) bool with the given ``(sme, buyer)`` index pairs set.

    Examples
    --------
    >>> met_before_mask((2, 3), [(1, 2)]).astype(int).tolist()
    [[0, 0, 0], [0, 0, 1]]
    """
    mask = np.zeros(shape, dtype=bool)
    if pairs:
        index = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        mask[index[:, 0], index[:, 1]] = True
    return mask

"""Exponential back-off: how long to wait before the next try, doubling from a first wait up to a cap.

One formula for every retry in the product (a job after a failed attempt, a notice whose delivery failed,
a listener that lost its connection, a call to the registry, a database that is still starting). It is
pure: callers do their own waiting with whatever clock or sleep they already inject, so tests never sleep.
Jitter, when asked for, comes from a ``random.Random`` the caller passes in (seeded in tests), so that
many clients failing at once do not all come back at the same moment.
"""

from __future__ import annotations

import random as _random

# 2**30 × any sane first wait is past every cap; a larger exponent would only risk an overflow.
_MAX_EXPONENT = 30


def backoff_seconds(
    attempt: int,
    *,
    base: float,
    cap: float,
    jitter: float = 0.0,
    random: _random.Random | None = None,
) -> float:
    """Seconds to wait after ``attempt`` failed tries: ``base`` doubling each time, at most ``cap``.

    Parameters
    ----------
    attempt : int
        How many tries have failed so far (1 after the first failure; 0 or less counts as 1).
    base : float
        The first wait.
    cap : float
        The longest wait.
    jitter : float, optional
        A share (0 to 1) of the wait that is random: the wait is drawn from ``[w × (1 − jitter), w]``.
        0 (the default) gives the exact doubling.
    random : random.Random, optional
        Where jitter comes from (pass a seeded one in tests); the module's own generator when None.

    Returns
    -------
    float
        The wait in seconds.

    Examples
    --------
    >>> [backoff_seconds(n, base=5, cap=60) for n in (0, 1, 2, 3, 4, 5)]
    [5.0, 5.0, 10.0, 20.0, 40.0, 60.0]
    >>> backoff_seconds(10_000, base=0.5, cap=2.0)
    2.0
    >>> waits = [backoff_seconds(3, base=1, cap=60, jitter=0.5, random=_random.Random(7)) for _ in range(2)]
    >>> waits[0] == waits[1] and 2.0 <= waits[0] <= 4.0
    True
    """
    wait = float(min(cap, base * 2 ** min(max(attempt - 1, 0), _MAX_EXPONENT)))
    if jitter <= 0:
        return wait
    draw = (random or _random).random()
    return wait * (1 - min(jitter, 1.0) * draw)

"""A mutable slot board shared by slotting, polishing and re-planning (private to the engine).

People are nodes: SME ``s`` is node ``s``; table ``k`` of buyer ``b`` is node ``S + first_seat[b] + k``.
Each node keeps, per slot, the meeting it sits in (``node_at``, Python lists because the chain walks
read single cells millions of times) and its busy slots as an int bitmask (``mask``), so a person's
breaks are a popcount: ``runs(mask) - 1`` with ``runs = popcount(mask & ~(mask << 1))``. A numpy copy
(``busy``) serves the vectorised seat scoring.
"""

from __future__ import annotations

import numpy as np

from .model import BipartiteInstance, InstanceError, Schedule, frozen


def breaks_of(mask: int) -> int:
    """Breaks of one person whose busy slots are the bits of ``mask`` (idle runs between meetings).

    Examples
    --------
    >>> breaks_of(0b101), breaks_of(0b0110), breaks_of(0b1001001), breaks_of(0)
    (1, 0, 2, 0)
    """
    return (mask & ~(mask << 1)).bit_count() - 1 if mask else 0


def slot_masks(available: np.ndarray) -> list[int]:
    """Each row of a (N, T) bool matrix as an int bitmask (bit t set when column t is True).

    Examples
    --------
    >>> slot_masks(np.array([[True, False, True], [False, True, False]]))
    [5, 2]
    """
    available = np.asarray(available, dtype=bool)
    if available.shape[1] < 63:  # fits int64: vectorised
        return (available.astype(np.int64) << np.arange(available.shape[1], dtype=np.int64)).sum(axis=1).tolist()
    weights = 1 << np.arange(available.shape[1], dtype=object)  # pragma: no cover - days of 63+ slots
    return (available.astype(object) * weights).sum(axis=1).tolist()  # pragma: no cover


def priority_order(value: np.ndarray) -> list[int]:
    """Meeting indexes by decreasing value, ties by index (deterministic).

    Examples
    --------
    >>> priority_order(np.array([0.5, 2.0, 0.5]))
    [1, 0, 2]
    """
    return np.argsort(-np.asarray(value), kind="stable").tolist()


class Board:
    """Meetings on a slots × people board; see the module docstring for the layout."""

    def __init__(self, instance: BipartiteInstance, meetings: np.ndarray, locked: np.ndarray) -> None:
        smes, buyers, slots = instance.shape
        self.instance = instance
        self.n_smes, self.n_slots, self.all_slots = smes, slots, (1 << slots) - 1
        self.first_seat = np.concatenate(([0], np.cumsum(instance.buyer_tables))).astype(np.int64)
        n_seats = int(self.first_seat[-1])
        self.seat_buyer = np.repeat(np.arange(buyers), instance.buyer_tables)
        width = max(1, int(instance.buyer_tables.max(initial=0)))
        k = np.arange(width)[None, :]
        self.seat_matrix = np.where(k < instance.buyer_tables[:, None], smes + self.first_seat[:-1, None] + k, -1)
        self.n_nodes = smes + n_seats
        self.busy = np.zeros((self.n_nodes, slots), dtype=bool)
        self.node_at = [[-1] * slots for _ in range(self.n_nodes)]
        self.mask = [0] * self.n_nodes
        self.sme_ok = slot_masks(instance.sme_available)
        meetings = np.asarray(meetings, dtype=np.int64).reshape(-1, 2)
        self.n_meetings = len(meetings)
        self.m_sme, self.m_buyer = meetings[:, 0].tolist(), meetings[:, 1].tolist()
        self.m_ok_matrix = instance.sme_available[meetings[:, 0]] & instance.buyer_available[meetings[:, 1]]
        self.m_ok = slot_masks(self.m_ok_matrix)
        self.m_slot, self.m_seat = [-1] * self.n_meetings, [-1] * self.n_meetings
        self.m_locked = np.asarray(locked, dtype=bool).tolist()
        self.m_optional = [False] * self.n_meetings  # extra pairs (fill pass): left off silently, never "unplaced"

    def add_meetings(self, pairs: np.ndarray) -> list[int]:
        """Append optional, unplaced meetings ``(sme, buyer)`` (fill candidates); their new indexes."""
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        ok_matrix = self.instance.sme_available[pairs[:, 0]] & self.instance.buyer_available[pairs[:, 1]]
        first, added = self.n_meetings, len(pairs)
        self.m_sme += pairs[:, 0].tolist()
        self.m_buyer += pairs[:, 1].tolist()
        self.m_ok_matrix = np.concatenate((self.m_ok_matrix, ok_matrix))
        self.m_ok += slot_masks(ok_matrix) if added else []
        self.m_slot += [-1] * added
        self.m_seat += [-1] * added
        self.m_locked += [False] * added
        self.m_optional += [True] * added
        self.n_meetings += added
        return list(range(first, first + added))

    # ----------------------------------------------------------------- queries
    def bits(self, mask: int) -> list[int]:
        """Slots set in ``mask``, ascending."""
        return [t for t in range(self.n_slots) if mask >> t & 1]

    def seats_of(self, buyer: int) -> list[int]:
        """Nodes of the buyer's tables."""
        return list(range(self.n_smes + int(self.first_seat[buyer]), self.n_smes + int(self.first_seat[buyer + 1])))

    def free_slots(self, sme: int) -> int:
        """Slots (mask) in which the SME is available and not yet meeting."""
        return self.sme_ok[sme] & ~self.mask[sme]

    def free_seat(self, seats: list[int], slot: int) -> int:
        """The best free table at ``slot``: next to its run, else an empty table, else any; -1 if none."""
        best, best_score = -1, -1
        near = (1 << slot + 1) | (1 << slot >> 1)
        for n in seats:
            if self.node_at[n][slot] < 0:
                score = 2 if self.mask[n] & near else (1 if not self.mask[n] else 0)
                if score > best_score:
                    best, best_score = n, score
        return best

    # ----------------------------------------------------------------- moves
    def place(self, m: int, slot: int, seat: int) -> None:
        """Put meeting ``m`` in ``slot`` at table node ``seat`` (both must be free there)."""
        for node in (self.m_sme[m], seat):
            self.node_at[node][slot] = m
            self.mask[node] |= 1 << slot
            self.busy[node, slot] = True
        self.m_slot[m], self.m_seat[m] = slot, seat

    def remove(self, m: int) -> None:
        """Take meeting ``m`` off the board."""
        slot = self.m_slot[m]
        for node in (self.m_sme[m], self.m_seat[m]):
            self.node_at[node][slot] = -1
            self.mask[node] &= ~(1 << slot)
            self.busy[node, slot] = False
        self.m_slot[m], self.m_seat[m] = -1, -1

    def place_locked(self, slots: np.ndarray, tables: np.ndarray | None = None) -> None:
        """Place meetings ``i`` with ``slots[i] >= 0`` there (the locked ones), preferring ``tables[i]``."""
        for m in np.flatnonzero(np.asarray(slots) >= 0).tolist():
            s, b, t = self.m_sme[m], self.m_buyer[m], int(slots[m])
            item = f"locked[{m}]"
            if not self.instance.sme_available[s, t] or not self.instance.buyer_available[b, t]:
                raise InstanceError(item, f"(sme {s}, buyer {b}) is not available to both in slot {t}")
            if self.node_at[s][t] >= 0:
                raise InstanceError(item, f"sme {s} already has a locked meeting in slot {t}")
            seats = self.seats_of(b)
            wish = -1 if tables is None else int(tables[m])
            preferred = (
                self.n_smes + int(self.first_seat[b]) + wish if 0 <= wish < self.instance.buyer_tables[b] else -1
            )
            seat = preferred if preferred in seats and self.node_at[preferred][t] < 0 else self.free_seat(seats, t)
            if seat < 0:
                raise InstanceError(item, f"buyer {b} has more locked meetings in slot {t} than tables")
            self.place(m, t, seat)

    def chain(self, node: int, have: int, want: int, limit: int = 100_000) -> tuple[list[int], int] | None:
        """The Kempe chain that moves ``node``'s meeting in ``have`` to ``want``: (meetings, end node).

        Walks the path of meetings alternately in ``have`` and ``want`` (``node`` must be idle in
        ``want``); swapping their slots keeps everyone single-booked and changes the busy slots of the
        two end nodes only. None when a meeting on the path is locked or unavailable in its new slot.
        """
        moves: list[int] = []
        current, old, new = node, have, want
        while True:
            m = self.node_at[current][old]
            if m < 0:
                return moves, current
            if self.m_locked[m] or not self.m_ok[m] >> new & 1 or len(moves) >= limit:
                return None
            moves.append(m)
            current = self.m_seat[m] if current == self.m_sme[m] else self.m_sme[m]
            old, new = new, old

    def apply_chain(self, moves: list[int], have: int, want: int) -> None:
        """Swap slots ``have`` ↔ ``want`` of the chain's meetings (each keeps its table).

        Inside the chain every person keeps both slots busy (one meeting each way), so only the two ends'
        masks change: by both bits, as each end trades its chain slot for the other.
        """
        if not moves:
            return
        node_at, m_slot, m_sme, m_seat = self.node_at, self.m_slot, self.m_sme, self.m_seat
        for m in moves:
            old = m_slot[m]
            node_at[m_sme[m]][old] = -1
            node_at[m_seat[m]][old] = -1
        for m in moves:
            new = want if m_slot[m] == have else have
            node_at[m_sme[m]][new] = m
            node_at[m_seat[m]][new] = m
            m_slot[m] = new
        first, last = moves[0], moves[-1]
        if len(moves) == 1:
            ends = (m_sme[first], m_seat[first])
        else:  # each end is the node its end meeting does not share with its neighbour in the chain
            second, before = moves[1], moves[-2]
            ends = (
                m_sme[first] if m_sme[first] not in (m_sme[second], m_seat[second]) else m_seat[first],
                m_sme[last] if m_sme[last] not in (m_sme[before], m_seat[before]) else m_seat[last],
            )
        flip = 1 << have | 1 << want
        for node in ends:
            self.mask[node] ^= flip
            self.busy[node, have], self.busy[node, want] = not self.busy[node, have], not self.busy[node, want]

    def snapshot(self) -> tuple[list[int], list[int]]:
        """Positions of every meeting, for :meth:`restore`."""
        return list(self.m_slot), list(self.m_seat)

    def restore(self, snapshot: tuple[list[int], list[int]]) -> None:
        """Put every meeting back where ``snapshot`` had it."""
        slots, seats = snapshot
        changed = [m for m in range(self.n_meetings) if (self.m_slot[m], self.m_seat[m]) != (slots[m], seats[m])]
        for m in changed:
            if self.m_slot[m] >= 0:
                self.remove(m)
        for m in changed:
            if slots[m] >= 0:
                self.place(m, slots[m], seats[m])

    # ----------------------------------------------------------------- output
    def schedule(self) -> Schedule:
        """The board as a :class:`Schedule`: rows sorted by SME and slot; unplaced pairs sorted."""
        placed = [m for m in range(self.n_meetings) if self.m_slot[m] >= 0]
        rows = np.array(
            [
                (
                    self.m_sme[m],
                    self.m_buyer[m],
                    self.m_slot[m],
                    self.m_seat[m] - self.n_smes - self.first_seat[self.m_buyer[m]],
                )
                for m in placed
            ],
            dtype=np.int64,
        ).reshape(-1, 4)
        rows = rows[np.lexsort((rows[:, 2], rows[:, 0]))]
        left = np.array(
            [
                (self.m_sme[m], self.m_buyer[m])
                for m in range(self.n_meetings)
                if self.m_slot[m] < 0 and not self.m_optional[m]
            ],
            dtype=np.int64,
        ).reshape(-1, 2)
        left = left[np.lexsort((left[:, 1], left[:, 0]))]
        return Schedule(meetings=frozen(rows, np.int64), unplaced=frozen(left, np.int64))

"""One schedule computation, as the job worker runs it in a solver process: snapshot + rules → meetings.

Pure (no I/O, seeded): everything comes in as plain data (the snapshot as its parsed, frozen model) and
goes out as plain data, so it can cross a process boundary and be tested without a server. Ids are the
registry's; slots are the snapshot's grid indexes; ``table_index`` is the buyer's own table (0-based), as
in ``schedule_meetings``.

Modes: ``fresh`` plans from scratch (organiser locks kept); ``replan`` starts from an earlier version and
keeps every meeting that is still valid where it was (people may already have it in their calendars),
filling the time that changes freed.
"""

from __future__ import annotations

import dataclasses
import re
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal
from uuid import UUID

import numpy as np

from shared.snapshot import EventSnapshot

from ..engine.encode import EncodedEvent, encode_snapshot
from ..engine.explain import explain_pairs, explanation_dict
from ..engine.model import Schedule, apply_floor
from ..engine.pipeline import Infeasible, lock_conflict, plan_bipartite
from ..engine.quality import quality_report
from ..engine.replan import replan
from ..engine.select import select_meetings
from .repeat_pairs import avoid_repeats, mark_kept


@dataclass(frozen=True)
class Lock:
    """Keep ``(sme, buyer)`` in ``slot`` (snapshot slot index)."""

    sme_id: UUID
    buyer_id: UUID
    slot: int


@dataclass(frozen=True)
class StoredMeeting:
    """A meeting as a schedule version stores it."""

    sme_id: UUID
    buyer_id: UUID
    slot: int
    table_index: int
    relevance: float
    explanation: dict[str, Any]
    locked: bool = False


@dataclass(frozen=True)
class ComputeRequest:
    """What one run needs; ``previous`` (meetings of the version to re-plan from) only in mode ``replan``.

    ``snapshot`` is the parsed model: the job parses the registry's document once where it fetches it. A
    caller holding only the document (JSON) may pass that; it is parsed here, where the request is made.
    """

    snapshot: EventSnapshot
    mode: Literal["fresh", "replan"] = "fresh"
    locks: Sequence[Lock] = ()
    forbidden: Sequence[tuple[UUID, UUID]] = ()
    previous: Sequence[StoredMeeting] = ()
    seed: int = 0
    time_limit: float | None = None
    # (sme, buyer) pairs that met at an earlier event: no candidates unless one of them asked (issue 14).
    met_before: Sequence[tuple[UUID, UUID]] = ()

    def __post_init__(self) -> None:
        if not isinstance(self.snapshot, EventSnapshot):
            object.__setattr__(self, "snapshot", EventSnapshot.model_validate(self.snapshot))


@dataclass(frozen=True)
class ComputeResult:
    """The new version's meetings, its quality report and, after a re-plan, what changed and why."""

    meetings: list[StoredMeeting]
    quality: dict[str, Any]
    mode: str
    changes: dict[str, Any] = field(default_factory=dict)
    # Seconds per phase in the solver process (encode, plan, explain), for the job's timing log.
    timings: dict[str, float] = field(default_factory=dict)


def _humanise(text: str, encoded: EncodedEvent, slot_labels: dict[int, str]) -> str:
    """Engine messages name indexes ("sme 3", "slot 4"); people read names and times."""

    def name(match: re.Match[str]) -> str:
        kind, index = match.group(1), int(match.group(2))
        if kind == "sme":
            return encoded.sme_names[index]
        if kind == "buyer":
            return encoded.buyer_names[index]
        return slot_labels.get(int(encoded.slot_indexes[index]), f"slot {index}")

    return re.sub(r"\b(sme|buyer|slot) (\d+)", name, text)


def _constrained(encoded: EncodedEvent, request: ComputeRequest) -> Any:
    """The event's instance with the organiser's forbidden pairs and locked meetings applied."""
    instance = encoded.instance
    allowed, must_meet = instance.allowed.copy(), instance.must_meet.copy()
    assert instance.below_floor is not None  # BipartiteInstance.__post_init__ turns None into all-False
    below_floor = instance.below_floor.copy()
    for sme_id, buyer_id in request.forbidden:
        if sme_id in encoded.sme_ids and buyer_id in encoded.buyer_ids:
            s, b = encoded.sme_index(sme_id), encoded.buyer_index(buyer_id)
            allowed[s, b] = must_meet[s, b] = below_floor[s, b] = False
    position = {int(index): p for p, index in enumerate(encoded.slot_indexes)}
    locked = []
    for lock in request.locks:
        # A lock on a party that left the event, or on a slot no longer in the grid, lapses.
        if lock.sme_id in encoded.sme_ids and lock.buyer_id in encoded.buyer_ids and lock.slot in position:
            locked.append((encoded.sme_index(lock.sme_id), encoded.buyer_index(lock.buyer_id), position[lock.slot]))
    constrained = dataclasses.replace(
        instance,
        allowed=allowed,
        must_meet=must_meet,
        below_floor=below_floor,
        locked=np.array(locked, dtype=np.int64).reshape(-1, 3),
    )
    # Again with the locks known: a meeting the organiser locked stays, even under the floor.
    return apply_floor(constrained, instance.min_relevance)


def _stored(
    encoded: EncodedEvent, instance: Any, rows: np.ndarray, kept: frozenset[tuple[int, int]] = frozenset()
) -> list[StoredMeeting]:
    explanations = explain_pairs(encoded, encoded.scores, rows[:, :2]) if len(rows) else []
    locked = {(int(s), int(b)) for s, b, _ in instance.locked}
    return [
        StoredMeeting(
            sme_id=encoded.sme_ids[s],
            buyer_id=encoded.buyer_ids[b],
            slot=int(encoded.slot_indexes[t]),
            table_index=int(table),
            relevance=float(np.clip(instance.relevance[s, b], 0.0, 1.0)),
            explanation=mark_kept(explanation_dict(why)) if (s, b) in kept else explanation_dict(why),
            locked=(s, b) in locked,
        )
        for (s, b, t, table), why in zip(rows.tolist(), explanations, strict=True)
    ]


def compute_schedule(request: ComputeRequest) -> ComputeResult:
    """Plan (or re-plan) one event.

    Raises
    ------
    Infeasible
        The organiser's locks contradict each other or the event (the reason names them).

    Examples
    --------
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> first = compute_schedule(ComputeRequest(snapshot))
    >>> [(m.slot, m.table_index) for m in first.meetings], first.quality["meetings"]
    ([(1, 0), (0, 0)], 2)
    >>> again = compute_schedule(ComputeRequest(snapshot, mode="replan", previous=first.meetings))
    >>> again.meetings == first.meetings, again.changes["kept"], again.changes["added"]
    (True, 2, 0)
    """
    clock = _Stopwatch()
    snapshot = request.snapshot
    encoded = encode_snapshot(snapshot)
    labels = {slot.index: slot.label for slot in snapshot.event.slots}
    repeats = avoid_repeats(encoded, _constrained(encoded, request), request.met_before)
    instance = repeats.instance
    clock.lap("encode")
    conflict = lock_conflict(instance)
    if conflict:
        raise Infeasible(_humanise(conflict, encoded, labels))
    if request.mode == "fresh" or not request.previous:
        result = plan_bipartite(instance, seed=request.seed, time_limit=request.time_limit)
        clock.lap("plan")
        meetings = _stored(encoded, instance, np.asarray(result.schedule.meetings), repeats.kept)
        clock.lap("explain")
        quality = {**result.report.model_dump(mode="json"), "repeat_pairs_avoided": repeats.avoided}
        return ComputeResult(meetings, quality, "fresh", timings=clock.laps)
    replanned = _replan(encoded, instance, request, labels, clock, repeats.kept)
    quality = {**replanned.quality, "repeat_pairs_avoided": repeats.avoided}
    return dataclasses.replace(replanned, quality=quality, timings=clock.laps)


class _Stopwatch:
    """Seconds between successive laps, by name.

    Examples
    --------
    >>> watch = _Stopwatch(); watch.lap("a"); sorted(watch.laps), watch.laps["a"] >= 0
    (['a'], True)
    """

    def __init__(self) -> None:
        self.laps: dict[str, float] = {}
        self._last = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self._last, 4)
        self._last = now


def _replan(
    encoded: EncodedEvent,
    instance: Any,
    request: ComputeRequest,
    labels: dict[int, str],
    clock: _Stopwatch,
    kept: frozenset[tuple[int, int]],
) -> ComputeResult:
    position = {int(index): p for p, index in enumerate(encoded.slot_indexes)}
    rows, gone = [], []
    for meeting in request.previous:
        if meeting.sme_id in encoded.sme_ids and meeting.buyer_id in encoded.buyer_ids and meeting.slot in position:
            rows.append(
                (
                    encoded.sme_index(meeting.sme_id),
                    encoded.buyer_index(meeting.buyer_id),
                    position[meeting.slot],
                    meeting.table_index,
                )
            )
        else:
            gone.append(meeting)  # a party left the event (or its slot left the grid)
    previous = Schedule(np.array(rows, dtype=np.int64).reshape(-1, 4))
    schedule, diff = replan(instance, previous, seed=request.seed)
    selection = select_meetings(instance)
    report = quality_report(instance, selection, schedule)
    clock.lap("plan")
    reasons = [_humanise(reason, encoded, labels) for reason in diff.reasons]
    reasons += [f"{meeting.sme_id} / {meeting.buyer_id}: deltar inte längre (no longer attending)" for meeting in gone]
    changes = {
        "kept": len(diff.kept),
        "added": len(diff.added),
        "removed": len(diff.removed) + len(gone),
        "moved": len(diff.moved_pairs),
        "reasons": reasons,
    }
    meetings = _stored(encoded, instance, np.asarray(schedule.meetings), kept)
    clock.lap("explain")
    return ComputeResult(meetings, report.model_dump(mode="json"), "replan", changes)

"""An event's states: the one state machine the registry enforces, the matcher follows and the pages name.

::

    draft → open ⇄ closed → scheduled → published
                   scheduled → closed, published → closed   (re-opening: a reason is required)

Organisers may make every move; the matcher's service token only the two that follow a schedule it has
stored and published (closed → scheduled → published), which it makes one after the other when an
organiser publishes a version (``services/matcher/schedule_routes.py``). Computing a version does not
move the event: ``scheduled`` freezes the grid and makes a re-opening need a reason, and a trial run
should do neither. So an event rests in ``scheduled`` only when the second step was refused or an
organiser set it through the API, and its label says just that (a schedule is ready, not published).

The values are those the registry stores (``registry.events.status``, whose CHECK constraint lists them);
the labels are the Swedish the pages show, English in ``services/web/locale/en/event_states.po`` under
the context :data:`LABEL_CONTEXT`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum

__all__ = [
    "LABELS",
    "LABEL_CONTEXT",
    "MOVES",
    "Actor",
    "EventStatus",
    "Move",
    "find_move",
    "label",
    "matcher_path",
    "next_statuses",
]


class EventStatus(StrEnum):
    DRAFT = "draft"
    OPEN = "open"
    CLOSED = "closed"
    SCHEDULED = "scheduled"
    PUBLISHED = "published"


class Actor(StrEnum):
    """Who moves an event: an organiser (or a supporter granted editing), or the matcher's service token."""

    ORGANISER = "organiser"
    MATCHER = "matcher"


@dataclass(frozen=True)
class Move:
    """One allowed change of status, who may make it, and whether it needs a reason."""

    source: EventStatus
    target: EventStatus
    by: frozenset[Actor]
    # Throwing away a schedule is a decision to document (kept in the event's history).
    reason_required: bool = False


S = EventStatus
_ORGANISER = frozenset({Actor.ORGANISER})
_BOTH = frozenset({Actor.ORGANISER, Actor.MATCHER})

# In the order a refusal lists the next states.
MOVES: tuple[Move, ...] = (
    Move(S.DRAFT, S.OPEN, _ORGANISER),
    Move(S.OPEN, S.CLOSED, _ORGANISER),
    Move(S.CLOSED, S.OPEN, _ORGANISER),
    Move(S.CLOSED, S.SCHEDULED, _BOTH),
    Move(S.SCHEDULED, S.PUBLISHED, _BOTH),
    Move(S.SCHEDULED, S.CLOSED, _ORGANISER, reason_required=True),
    Move(S.PUBLISHED, S.CLOSED, _ORGANISER, reason_required=True),
)

LABEL_CONTEXT = "event status"
LABELS: Mapping[EventStatus, str] = {
    S.DRAFT: "Utkast",
    S.OPEN: "Öppen för anmälan",
    S.CLOSED: "Anmälan stängd",
    S.SCHEDULED: "Schema klart, inte publicerat",
    S.PUBLISHED: "Schema publicerat",
}
"""One Swedish label per state, on every page that shows an event's status (organisers', firms', buyers')."""


def next_statuses(source: EventStatus) -> tuple[EventStatus, ...]:
    """The states an event in ``source`` may move to, by anyone.

    Examples
    --------
    >>> [str(s) for s in next_statuses(EventStatus.CLOSED)]
    ['open', 'scheduled']
    """
    return tuple(move.target for move in MOVES if move.source == source)


def find_move(source: EventStatus, target: EventStatus) -> Move | None:
    """The move from ``source`` to ``target``, or None when there is none.

    Examples
    --------
    >>> find_move(EventStatus.PUBLISHED, EventStatus.CLOSED).reason_required
    True
    >>> find_move(EventStatus.DRAFT, EventStatus.PUBLISHED) is None
    True
    """
    return next((move for move in MOVES if move.source == source and move.target == target), None)


def matcher_path(source: EventStatus, to: EventStatus) -> list[EventStatus]:
    """The states the matcher steps through from ``source`` to reach ``to`` by its own moves (shortest first).

    Empty when the event is already there or the matcher cannot get it there (one still open for sign-up).

    Examples
    --------
    >>> [str(s) for s in matcher_path(EventStatus.CLOSED, EventStatus.PUBLISHED)]
    ['scheduled', 'published']
    >>> matcher_path(EventStatus.OPEN, EventStatus.PUBLISHED)
    []
    """
    paths: dict[EventStatus, list[EventStatus]] = {source: []}
    frontier = [source]
    while frontier and to not in paths:
        reached = []
        for state in frontier:
            for move in MOVES:
                if move.source == state and Actor.MATCHER in move.by and move.target not in paths:
                    paths[move.target] = [*paths[state], move.target]
                    reached.append(move.target)
        frontier = reached
    return paths.get(to, [])


def label(status: str) -> str:
    """The Swedish label of a stored status; an unknown value is shown as it is.

    Examples
    --------
    >>> label("open"), label("archived")
    ('Öppen för anmälan', 'archived')
    """
    try:
        return LABELS[EventStatus(status)]
    except ValueError:
        return status

"""An event's status in the page language, and the status buttons an organiser gets.

The states, their one Swedish label each and who may make which move are :mod:`shared.event_states`;
the English is ``locale/en/event_states.po`` under its context (``tests/web/test_event_status_words.py``
asks for every label there, since the catalogue test cannot see texts defined outside the web).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from shared import event_states
from shared.event_states import Actor, EventStatus

from .i18n import N_, NP_, gettext, pgettext

# The moves an organiser makes with a button: the matcher's own moves (closed → scheduled → published)
# happen when a version is published on the schedule pages, so they get no button here.
BUTTON_MOVES = tuple(move for move in event_states.MOVES if Actor.MATCHER not in move.by)
BUTTON_LABELS: Mapping[tuple[str, str], str] = {
    ("draft", "open"): N_("Öppna anmälan"),
    ("open", "closed"): N_("Stäng anmälan"),
    ("closed", "open"): N_("Öppna anmälan igen"),
    ("scheduled", "closed"): N_("Släng schemat och öppna för ändringar"),
    ("published", "closed"): N_("Dra tillbaka schemat och öppna för ändringar"),
}


def status_label(status: str) -> str:
    """The event's status in the page language; an unknown value is shown as it is."""
    if status not in set(EventStatus):
        return status
    return pgettext(event_states.LABEL_CONTEXT, event_states.label(status))


def marked_labels(statuses: Iterable[EventStatus] = EventStatus) -> dict[str, str]:
    """``status → label`` marked with its context, for tables that :func:`~.i18n.gettext` translates on show."""
    return {str(status): NP_(event_states.LABEL_CONTEXT, event_states.LABELS[status]) for status in statuses}


def buttons(status: str) -> list[dict[str, object]]:
    """The organiser's buttons for an event in ``status``: target, label, and whether a reason is asked."""
    return [
        {
            "to": str(move.target),
            "label": gettext(BUTTON_LABELS[(str(move.source), str(move.target))]),
            "reason": move.reason_required,
        }
        for move in BUTTON_MOVES
        if move.source == status
    ]

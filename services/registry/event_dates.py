"""Dates that make sense: no event is made for a day gone by, nor opened for a sign-up that has closed.

"Today" is the application's clock (:mod:`shared.clock`) read as a calendar date in the event's own zone
(Europe/Stockholm unless the event says otherwise), so a test or a rehearsal that moves the clock moves it
here too. The rules are about what changes, not about the event as it stands: an organiser still edits a
past event's other fields after the day (its name, description, meeting counts), and only a date or a
deadline that is *set* to the past is refused. Copying an event as a template is a create, so the copy's
date and deadline must lie ahead. A deadline after the first meeting is :func:`event_rule_errors`' rule.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from shared.errors import FieldError
from shared.event_day import local_date

from .slots import DEFAULT_TIME_ZONE


def date_errors(event: Mapping[str, Any], now: datetime, changed: Collection[str] | None = None) -> list[FieldError]:
    """Why the event's date or sign-up deadline may not be stored (empty when they may).

    ``changed`` names the fields the request changes (None: a new event, every field counts).

    Examples
    --------
    >>> from datetime import UTC, date
    >>> now = datetime(2027, 3, 4, 23, 30, tzinfo=UTC)  # already 5 March in Stockholm
    >>> event = {"event_date": date(2027, 3, 4), "time_zone": "Europe/Stockholm",
    ...          "signup_deadline": datetime(2027, 3, 1, tzinfo=UTC)}
    >>> [e.code for e in date_errors(event, now)]
    ['event_date_past', 'deadline_passed']
    >>> date_errors(event, now, changed={"name"})
    []
    """
    errors: list[FieldError] = []
    today = local_date(now, event.get("time_zone") or DEFAULT_TIME_ZONE)
    if (changed is None or "event_date" in changed) and event["event_date"] < today:
        errors.append(
            FieldError(
                pointer="/event_date",
                code="event_date_past",
                detail=f"The day has already passed (today is {today.isoformat()}); choose a date from today on.",
            )
        )
    if (changed is None or "signup_deadline" in changed) and event["signup_deadline"] <= now:
        errors.append(
            FieldError(
                pointer="/signup_deadline",
                code="deadline_passed",
                detail="The sign-up deadline has already passed; choose a time still to come.",
            )
        )
    return errors


def opening_errors(event: Mapping[str, Any], now: datetime) -> list[FieldError]:
    """Why sign-up cannot open now (empty when it can): the day is gone, or the deadline has passed.

    The pointers name the event's own fields: the organiser moves them (PATCH) and opens again.

    Examples
    --------
    >>> from datetime import UTC, date
    >>> event = {"event_date": date(2027, 3, 12), "time_zone": "Europe/Stockholm",
    ...          "signup_deadline": datetime(2027, 3, 5, 11, tzinfo=UTC)}
    >>> opening_errors(event, datetime(2027, 3, 1, tzinfo=UTC))
    []
    >>> [e.code for e in opening_errors(event, datetime(2027, 3, 6, tzinfo=UTC))]
    ['deadline_passed']
    """
    return date_errors(event, now)

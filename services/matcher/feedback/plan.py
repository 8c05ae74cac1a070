"""When the first feedback round opens, reminds and closes, and whom it asks (pure).

The round opens the evening of the event day, at the event's ``after_day_time`` in its time zone
(default 18:00 Europe/Stockholm), and never before the last meeting has ended (an evening event asks
when it is over). One reminder follows ``reminder_days`` later to those who have not answered; answers
can be given and changed until ``open_days`` after the opening. Asked: every participant with meetings in
the published version (called-off meetings left out) that has someone to write to (erased and cancelled
organisations have none).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from uuid import UUID
from zoneinfo import ZoneInfo

from ..agendas.model import Agendas
from ..reminders.plan import Planned, participant_meetings


@dataclass(frozen=True)
class FeedbackSettings:
    """The columns of ``matcher.feedback_settings`` (no row: these defaults)."""

    after_day_time: dt.time = dt.time(18, 0)
    reminder_days: int = 3
    open_days: int = 14
    follow_up_months: int = 6


@dataclass(frozen=True)
class Round:
    """The after-day round's times (UTC)."""

    opens_at: dt.datetime
    reminder_at: dt.datetime
    closes_at: dt.datetime

    def is_open(self, now: dt.datetime) -> bool:
        return self.opens_at <= now < self.closes_at


def round_times(last_end: dt.datetime, time_zone: str, settings: FeedbackSettings) -> Round:
    """The round of an event whose last meeting ends at ``last_end``.

    Examples
    --------
    >>> end = dt.datetime(2025, 10, 7, 14, 0, tzinfo=dt.UTC)  # 16:00 in Stockholm
    >>> r = round_times(end, "Europe/Stockholm", FeedbackSettings())
    >>> r.opens_at.isoformat(), r.reminder_at.isoformat(), r.closes_at.isoformat()
    ('2025-10-07T16:00:00+00:00', '2025-10-10T16:00:00+00:00', '2025-10-21T16:00:00+00:00')
    >>> late = dt.datetime(2025, 10, 7, 19, 30, tzinfo=dt.UTC)  # an evening event: asked when it is over
    >>> round_times(late, "Europe/Stockholm", FeedbackSettings()).opens_at.isoformat()
    '2025-10-07T19:30:00+00:00'
    """
    zone = ZoneInfo(time_zone)
    day = last_end.astimezone(zone).date()
    opens = max(dt.datetime.combine(day, settings.after_day_time, zone).astimezone(dt.UTC), last_end)
    return Round(
        opens, opens + dt.timedelta(days=settings.reminder_days), opens + dt.timedelta(days=settings.open_days)
    )


def plan_feedback(
    agendas: Agendas,
    settings: FeedbackSettings,
    *,
    recipients: Collection[UUID],
    off: Iterable[tuple[UUID, UUID]] = (),
) -> tuple[Round | None, list[Planned]]:
    """The round and the ``feedback`` and ``feedback_reminder`` rows of a published version.

    Examples
    --------
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> sme, buyer = snapshot.smes[0].organisation.id, snapshot.buyers[0].organisation.id
    >>> agendas = build_agendas(snapshot, [(sme, buyer, 1, 0, {})], version=1,
    ...                         published_at=snapshot.generated_at, include_contacts=False)
    >>> found, planned = plan_feedback(agendas, FeedbackSettings(), recipients={sme})
    >>> [(p.kind, p.organisation_id == sme, f"{p.due_at:%m-%d %H:%M}") for p in planned]
    [('feedback', True, '10-07 16:00'), ('feedback_reminder', True, '10-10 16:00')]
    >>> plan_feedback(agendas, FeedbackSettings(), recipients={sme}, off=[(sme, buyer)])
    (None, [])
    """
    gone = set(off)
    meetings = {org: [m for m in found if m.pair not in gone] for org, found in participant_meetings(agendas).items()}
    ends = [m.end for found in meetings.values() for m in found]
    if not ends:
        return None, []
    times = round_times(max(ends), agendas.grid.time_zone, settings)
    planned: list[Planned] = []
    for org, found in meetings.items():
        if found and org in recipients:
            planned.append(Planned(org, "feedback", None, None, times.opens_at, times.closes_at))
            planned.append(Planned(org, "feedback_reminder", None, None, times.reminder_at, times.closes_at))
    return times, planned


# The second round: opened at this local time, reminded once after REMINDER days, closed after OPEN days.
FOLLOW_UP_LOCAL_TIME = dt.time(10, 0)
FOLLOW_UP_REMINDER_DAYS = 10
FOLLOW_UP_OPEN_DAYS = 30


def months_later(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (the month's last day when it is shorter).

    Examples
    --------
    >>> months_later(dt.date(2025, 10, 7), 6), months_later(dt.date(2025, 8, 31), 6)
    (datetime.date(2026, 4, 7), datetime.date(2026, 2, 28))
    """
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    following = dt.date(year + month // 12, month % 12 + 1, 1)
    return min(day.replace(year=year, month=month, day=1) + dt.timedelta(days=day.day - 1),
               following - dt.timedelta(days=1))  # fmt: skip


def follow_up_times(event_date: dt.date, time_zone: str, settings: FeedbackSettings) -> Round:
    """The follow-up round: ``follow_up_months`` after the event day at 10:00 local time, open 30 days.

    Examples
    --------
    >>> r = follow_up_times(dt.date(2025, 10, 7), "Europe/Stockholm", FeedbackSettings())
    >>> r.opens_at.isoformat(), r.reminder_at.isoformat(), r.closes_at.isoformat()
    ('2026-04-07T08:00:00+00:00', '2026-04-17T08:00:00+00:00', '2026-05-07T08:00:00+00:00')
    """
    day = months_later(event_date, settings.follow_up_months)
    opens = dt.datetime.combine(day, FOLLOW_UP_LOCAL_TIME, ZoneInfo(time_zone)).astimezone(dt.UTC)
    return Round(
        opens, opens + dt.timedelta(days=FOLLOW_UP_REMINDER_DAYS), opens + dt.timedelta(days=FOLLOW_UP_OPEN_DAYS)
    )


def plan_follow_up(
    agendas: Agendas,
    settings: FeedbackSettings,
    *,
    recipients: Collection[UUID],
    off: Iterable[tuple[UUID, UUID]] = (),
) -> tuple[Round | None, list[Planned]]:
    """The follow-up round and its ``follow_up`` and ``follow_up_reminder`` rows: the same people as the first.

    Examples
    --------
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> sme, buyer = snapshot.smes[0].organisation.id, snapshot.buyers[0].organisation.id
    >>> agendas = build_agendas(snapshot, [(sme, buyer, 1, 0, {})], version=1,
    ...                         published_at=snapshot.generated_at, include_contacts=False)
    >>> found, planned = plan_follow_up(agendas, FeedbackSettings(), recipients={sme})
    >>> [(p.kind, f"{p.due_at:%Y-%m-%d %H:%M}") for p in planned]
    [('follow_up', '2026-04-07 08:00'), ('follow_up_reminder', '2026-04-17 08:00')]
    """
    first, asked = plan_feedback(agendas, settings, recipients=recipients, off=off)
    if first is None:
        return None, []
    times = follow_up_times(agendas.grid.event_date, agendas.grid.time_zone, settings)
    planned: list[Planned] = []
    for p in asked:
        if p.kind == "feedback":
            planned.append(Planned(p.organisation_id, "follow_up", None, None, times.opens_at, times.closes_at))
        else:
            planned.append(
                Planned(p.organisation_id, "follow_up_reminder", None, None, times.reminder_at, times.closes_at)
            )
    return times, planned


def settings_of(row: object | None) -> FeedbackSettings:
    """The settings of a ``feedback_settings`` row (None: the defaults).

    Examples
    --------
    >>> settings_of(None).after_day_time
    datetime.time(18, 0)
    """
    if row is None:
        return FeedbackSettings()
    return FeedbackSettings(row["after_day_time"], row["reminder_days"], row["open_days"], row["follow_up_months"])  # type: ignore[index]

"""Which reminders a published version calls for: pure, agendas and settings in, planned reminders out.

- ``agenda``: each participant with meetings gets its agenda the day before, at :data:`AGENDA_LOCAL_TIME`
  in the event's time zone (off with ``remind_agenda_day_before = false``). Not sent once the
  day has begun (local midnight: it says "tomorrow"); not planned when the version itself came out after
  that time (its own notice has just told the participant).
- ``meeting``: with ``remind_minutes_before`` set, each party of each meeting gets a short reminder that
  many minutes before it starts; never after the start. Keyed by the counterpart, so a moved meeting moves
  its reminder and a dropped one cancels it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from typing import Literal
from uuid import UUID
from zoneinfo import ZoneInfo

from ..agendas.model import AgendaMeeting, Agendas

Kind = Literal["signup", "agenda", "meeting", "feedback", "feedback_reminder", "follow_up", "follow_up_reminder"]
# The agenda reminder goes out at this local time on the day before the event.
AGENDA_LOCAL_TIME = dt.time(16, 0)


@dataclass(frozen=True)
class DaySettings:
    """The reminder columns of ``matcher.event_day_settings`` (no row: these defaults)."""

    remind_signup_days_before: int | None = None
    remind_agenda_day_before: bool = True
    remind_minutes_before: int | None = None


@dataclass(frozen=True)
class Planned:
    """One reminder a version calls for."""

    organisation_id: UUID
    kind: Kind
    counterpart_id: UUID | None
    slot: int | None
    due_at: dt.datetime
    expires_at: dt.datetime

    @property
    def key(self) -> tuple[UUID, str, UUID | None]:
        return self.organisation_id, self.kind, self.counterpart_id


def agenda_due(event_date: dt.date, time_zone: str) -> dt.datetime:
    """When the agenda reminder goes out: :data:`AGENDA_LOCAL_TIME` the day before, local time, in UTC.

    Examples
    --------
    >>> agenda_due(dt.date(2025, 10, 7), "Europe/Stockholm").isoformat()
    '2025-10-06T14:00:00+00:00'
    >>> agenda_due(dt.date(2026, 1, 15), "Europe/Stockholm").isoformat()
    '2026-01-14T15:00:00+00:00'
    """
    local = dt.datetime.combine(event_date - dt.timedelta(days=1), AGENDA_LOCAL_TIME, ZoneInfo(time_zone))
    return local.astimezone(dt.UTC)


def participant_meetings(agendas: Agendas) -> dict[UUID, list[AgendaMeeting]]:
    """Every participant's meetings over all its tables, by start time (SMEs first, then buyers)."""
    found: dict[UUID, list[AgendaMeeting]] = {agenda.sme_id: list(agenda.meetings) for agenda in agendas.smes}
    for sheet in agendas.tables:
        found.setdefault(sheet.buyer_id, []).extend(sheet.meetings)
    return {org: sorted(meetings, key=lambda m: (m.start, m.table)) for org, meetings in found.items()}


def plan_reminders(
    agendas: Agendas,
    settings: DaySettings,
    *,
    published_at: dt.datetime,
    recipients: Collection[UUID],
    off: Iterable[tuple[UUID, UUID]] = (),
) -> list[Planned]:
    """The agenda and meeting reminders of a published version, for the organisations in ``recipients``.

    ``off``: (SME, buyer) pairs whose meeting no longer takes place (called off on the day).

    Examples
    --------
    >>> from services.matcher.agendas.build import build_agendas
    >>> from services.matcher.engine.examples import example_snapshot
    >>> snapshot = example_snapshot()
    >>> sme, buyer = snapshot.smes[0].organisation.id, snapshot.buyers[0].organisation.id
    >>> agendas = build_agendas(snapshot, [(sme, buyer, 1, 0, {})], version=1,
    ...                         published_at=snapshot.generated_at, include_contacts=False)
    >>> published = dt.datetime(2025, 10, 1, tzinfo=dt.UTC)
    >>> plan = plan_reminders(agendas, DaySettings(remind_minutes_before=10), published_at=published,
    ...                       recipients={sme, buyer})
    >>> [(p.kind, p.organisation_id == sme, f"{p.due_at:%m-%d %H:%M}") for p in plan]
    [('agenda', True, '10-06 14:00'), ('meeting', True, '10-07 07:15'), ('agenda', False, '10-06 14:00'), \
('meeting', False, '10-07 07:15')]
    >>> plan_reminders(agendas, DaySettings(remind_agenda_day_before=False), published_at=published,
    ...                recipients={sme, buyer})
    []
    """
    gone = set(off)
    meetings_of = {
        org: [m for m in meetings if m.pair not in gone]
        for org, meetings in participant_meetings(agendas).items()
        if org in recipients
    }
    starts = [m.start for meetings in participant_meetings(agendas).values() for m in meetings if m.pair not in gone]
    if not starts:
        return []
    # The agenda reminder is due the day before, in the event's zone; from midnight on it would say "tomorrow"
    # on the day itself, so it is not sent then.
    zone = agendas.grid.time_zone
    day = min(starts).astimezone(ZoneInfo(zone)).date()
    agenda_due_at = agenda_due(day, zone)
    midnight = dt.datetime.combine(day, dt.time(0, 0), ZoneInfo(zone)).astimezone(dt.UTC)
    planned: list[Planned] = []
    for org, meetings in meetings_of.items():
        if not meetings:
            continue
        if settings.remind_agenda_day_before and published_at < agenda_due_at:
            planned.append(Planned(org, "agenda", None, None, agenda_due_at, midnight))
        if settings.remind_minutes_before:
            for meeting in meetings:
                due = meeting.start - dt.timedelta(minutes=settings.remind_minutes_before)
                if published_at < due:
                    planned.append(Planned(org, "meeting", meeting.counterpart_id, meeting.slot, due, meeting.start))
    return planned

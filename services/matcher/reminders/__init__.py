"""Reminders before the day, each sent exactly once: the sign-up deadline, the agenda the day before, and a
short reminder before each meeting (the event's day settings, ``matcher.event_day_settings``).

Why our own table and not a job library (``procrastinate`` 3.10 installs from PyPI here): a reminder is
not a task to run but a fact to keep — one row per (event, organisation, kind, meeting) that is planned,
moved, cancelled and finally sent, and that a privacy erasure deletes and an export lists. With a task
library each re-plan would have to find and cancel queued tasks by their arguments, and "due" would be
the library's ``scheduled_at`` compared with the database's ``now()``, which the application's clock
(shared/clock.py: a ManualClock in tests, CLOCK_FILE for rehearsals) cannot move. It would also bring a
second queue, schema and worker process beside the two the matcher already has (``jobs/``: leases,
``FOR UPDATE SKIP LOCKED``, NOTIFY; ``notify/``: the outbox with retries and per-participant order).

So: ``matcher.reminders`` (migration 0011) with a UNIQUE key per reminder. The scheduler
(:mod:`.scheduler`) plans an event again whenever a fingerprint of what its reminders depend on changes
(a version published, a cancellation, an erasure, the day settings, a meeting called off on the day),
upserting the rows it wants and cancelling the planned ones it no longer wants; it then claims due rows
with ``FOR UPDATE SKIP LOCKED`` and, in the same transaction, writes each one's e-mail into the outbox
and marks it sent. Exactly once by construction: two schedulers never hold one row, a sent row is never
claimed again, and a crash before the commit leaves neither the e-mail nor the mark. The outbox delivers
it as it delivers every notice (retries, back-off, erasure). "Due" is ``clock.now()`` passed into the SQL.

- :mod:`.plan`: which reminders a published version calls for (pure).
- :mod:`.texts`: the e-mails, Swedish then English, with the participant's agenda link.
- :mod:`.signup`: the sign-up reminder, read from the registry.
- :mod:`.scheduler`: :func:`~.scheduler.tick` and the app's background loop.
"""

from .plan import DaySettings, Planned, plan_reminders
from .scheduler import TickReport, reminders_context, tick

__all__ = ["DaySettings", "Planned", "TickReport", "plan_reminders", "reminders_context", "tick"]

"""Feedback after the day: what each meeting led to, seen only by organisers (issue 14, first round).

The evening of the event day (the event's feedback setting, default 18:00 in its time zone) each participant
who had meetings in the published version gets one e-mail with its agenda link's feedback page; a reminder
follows a few days later to those who have not answered, once. Both are rows of the reminder scheduler
(:mod:`services.matcher.reminders`, kinds ``feedback`` and ``feedback_reminder``): claimed with ``FOR UPDATE
SKIP LOCKED`` and written to the outbox in the claiming transaction, so each goes exactly once whatever the
number of schedulers and restarts. Answers (four ratings and a comment per meeting) can be changed until the
round closes; organisers read the response rates, the counts per rating and every answer.

- :mod:`.plan`: when the round opens, reminds and closes, and whom it asks (pure).
- :mod:`.texts`: the e-mail, Swedish then English.
- :mod:`.store`: a participant's own meetings and answers, the organisers' summary, the settings.
- :mod:`.routes`: ``/a/{token}/feedback`` (JSON), ``/events/{id}/feedback``, ``/events/{id}/feedback-settings``.
- :mod:`.page`: ``/a/{token}/utvardering``, the form for phones without a login or script.
- :mod:`.privacy`: comments in the export and gone with an erasure.

Kept light (no imports) because the reminder scheduler imports :mod:`.plan` and :mod:`.texts`.
"""

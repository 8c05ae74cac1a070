"""Feedback after the day and months later: what each meeting and need led to, seen only by organisers (issue 14).

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
- :mod:`.follow_up`, :mod:`.follow_up_page`: the second round, ``follow_up_months`` after the day (10:00,
  open 30 days, one reminder): per need discussed a firm's bid and award, a buyer's way of procuring;
  ``/a/{token}/follow-up`` (JSON) and ``/a/{token}/uppfoljning`` (the form).
- :mod:`.link_form`: what the two forms share.
- :mod:`.privacy`: comments and answers in the export and gone with an erasure.

Kept light (no imports) because the reminder scheduler imports :mod:`.plan` and :mod:`.texts`.
"""

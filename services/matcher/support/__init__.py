"""Individual support after the day (issue 14): UDD's "subventionerat, tidsbegränsat individuellt stöd".

A firm asks at sign-up (the registration's ``support_requested``, carried by the published version), in its
after-day feedback, or an organiser records it for the firm; an organiser assigns an adviser (a registry
account with the role adviser), who records hours against the firm's allowance (the event's setting when the
request was made). The allowance is never overshot, however many advisers post at once: the request row is
locked while the hours are checked and stored.

- :mod:`.model`: the documents in and out.
- :mod:`.store`: the requests, the assignment, the hours (SQL in :mod:`services.matcher.sql.support`).
- :mod:`.routes`: ``/events/{id}/support-settings``, ``/events/{id}/support-requests…``, ``/support/assigned``.
- :mod:`.privacy`: the notes in the export, the rows gone with the organisation's erasure.
"""

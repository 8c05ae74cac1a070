"""Invitations to an event (issue 14): an organiser invites earlier participants, or the firms of a municipality
or a CPV division, by e-mail through the outbox, each firm once per event.

- :mod:`.model`: the request (the segment's criteria) and the answers.
- :mod:`.store`: who is new, one e-mail each in one transaction, and the counts of who was left out and why.
- :mod:`.texts`: the e-mail (Swedish, then English), saying why the firm gets it.
- :mod:`.routes`: ``POST``/``GET /events/{id}/invitations`` (organisers).
- :mod:`.privacy`: an erased firm's invitations and e-mails go.
"""

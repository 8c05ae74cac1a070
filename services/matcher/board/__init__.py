"""The venue board: a big screen in the hall showing, per table, the meeting on now and the next one.

An organiser makes a board link (``POST /events/{id}/board-links``; the token is shown once) and opens
``/b/{token}`` on the venue's TV: no sign-in, large type, table number, buyer and firm names only (no
contact people, no e-mail or phone). The page refreshes itself: a small script (a file, as the CSP
allows no inline script) polls ``/b/{token}.json`` every 15 seconds, and a ``<meta http-equiv=refresh>``
reloads it every minute where scripts do not run. "Now" is the application's clock in the event's time
zone: before the first slot the board shows each table's first meeting, after the last "Tack för i dag".
Revoking the link ends it at once: the screen then shows that the link is no longer valid (410).

- :mod:`.moment`: where the clock stands in the day, and the board's document (pure).
- :mod:`.links`: board links in the database (make, list, revoke, find by token).
- :mod:`.page`: the HTML page and its content security policy.
- :mod:`.routes`: the HTTP handlers.

Every screen of an event shows the same thing for the same published version and the same point in the
day, so the rendered JSON and HTML are kept in the agenda cache under exactly that; a refresh costs one
small query (the link and the version head together) and a dictionary look-up, or a 304.
"""

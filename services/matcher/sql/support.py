"""SQL of the individual support after the day: the event's allowance, the firms' requests, the hours given."""

SELECT_SETTINGS = "SELECT event_id, allowance_hours, updated_at FROM matcher.support_settings WHERE event_id = $1"

UPSERT_SETTINGS = """
INSERT INTO matcher.support_settings (event_id, allowance_hours, updated_at)
VALUES ($1, $2, $3)
ON CONFLICT (event_id) DO UPDATE SET allowance_hours = EXCLUDED.allowance_hours, updated_at = EXCLUDED.updated_at
RETURNING event_id, allowance_hours, updated_at
"""

# A request copies the event's allowance ($6 when none is stored) when it is made, so a later change of the
# setting does not shrink a promise already given. One per firm and event: asking again changes nothing. An
# erased organisation asks for nothing (a stale snapshot or a late feedback post cannot bring it back).
# $1 event, $2 organisation, $3 source, $4 note, $5 now.
INSERT_REQUEST = """
INSERT INTO matcher.support_requests (
    event_id, organisation_id, source, note, allowance_hours, requested_at, updated_at
)
SELECT $1, $2, $3, $4, coalesce((SELECT allowance_hours FROM matcher.support_settings WHERE event_id = $1), $6), $5, $5
WHERE NOT EXISTS (SELECT 1 FROM matcher.erased_organisations WHERE organisation_id = $2)
ON CONFLICT (event_id, organisation_id) DO NOTHING
RETURNING id
"""

_REQUEST_COLUMNS = """
SELECT r.id, r.event_id, r.organisation_id, r.source, r.note, r.status, r.adviser_account_id, r.allowance_hours,
       r.requested_at, r.assigned_at, r.closed_at, r.updated_at,
       coalesce((SELECT sum(h.hours) FROM matcher.support_hours AS h WHERE h.request_id = r.id), 0) AS hours_used
FROM matcher.support_requests AS r
"""

SELECT_EVENT_REQUESTS = _REQUEST_COLUMNS + "WHERE r.event_id = $1 ORDER BY r.requested_at, r.id"

SELECT_REQUEST = _REQUEST_COLUMNS + "WHERE r.event_id = $1 AND r.organisation_id = $2"

# An adviser's own requests across events: those assigned to it, open or closed.
SELECT_ADVISER_REQUESTS = (
    _REQUEST_COLUMNS + "WHERE r.adviser_account_id = $1 AND r.status IN ('assigned', 'closed') "
    "ORDER BY r.assigned_at, r.id"
)

# Held until the transaction ends: two advisers recording hours at once are serialised on the request, so
# the second sees the first's hours before checking what is left.
LOCK_REQUEST = """
SELECT id, status, adviser_account_id, allowance_hours
FROM matcher.support_requests
WHERE event_id = $1 AND organisation_id = $2
FOR UPDATE
"""

SUM_HOURS = "SELECT coalesce(sum(hours), 0) FROM matcher.support_hours WHERE request_id = $1"

ASSIGN = """
UPDATE matcher.support_requests
SET status = 'assigned', adviser_account_id = $2, assigned_at = $3, closed_at = NULL, updated_at = $3
WHERE id = $1
"""

# The assignment's e-mails (support/texts.py): $2 address, $3 payload, $4 the firm for its own (NULL: the
# adviser's), so the firm's is in its export; both are scrubbed or dropped by its erasure as other mail is.
INSERT_OUTBOX = """
INSERT INTO matcher.outbox (event_id, kind, channel, destination, payload, participant_id)
VALUES ($1, 'support.assigned', 'email', $2, $3, $4)
"""

# 'declined' or 'closed' ($2), at $3.
SET_STATUS = "UPDATE matcher.support_requests SET status = $2, closed_at = $3, updated_at = $3 WHERE id = $1"

INSERT_HOURS = """
INSERT INTO matcher.support_hours (request_id, adviser_account_id, worked_on, hours, note, recorded_at)
VALUES ($1, $2, $3, $4, $5, $6)
RETURNING id
"""

SELECT_HOURS = """
SELECT id, request_id, adviser_account_id, worked_on, hours, note, recorded_at
FROM matcher.support_hours
WHERE request_id = ANY($1::uuid[])
ORDER BY worked_on, recorded_at, id
"""

DELETE_HOURS = """
DELETE FROM matcher.support_hours
WHERE id = $1 AND request_id = $2
RETURNING id, adviser_account_id, hours
"""

# --- privacy: the notes are free text people typed, the rows say the firm was helped ----------------------

DELETE_ORGANISATION_REQUESTS = "DELETE FROM matcher.support_requests WHERE organisation_id = $1"

EXPORT_REQUESTS = """
SELECT event_id, source, note, status, allowance_hours, requested_at, assigned_at, closed_at
FROM matcher.support_requests
WHERE organisation_id = $1
ORDER BY requested_at, id
"""

EXPORT_HOURS = """
SELECT r.event_id, h.worked_on, h.hours, h.note, h.recorded_at
FROM matcher.support_hours AS h
JOIN matcher.support_requests AS r ON r.id = h.request_id
WHERE r.organisation_id = $1
ORDER BY h.worked_on, h.recorded_at, h.id
"""

"""SQL of the invitations to an event (``matcher.invitations``, migration 0020)."""

# Which of these firms were invited to the event already. $1 event, $2 organisations (uuid[]).
SELECT_INVITED_AMONG = """
SELECT organisation_id FROM matcher.invitations WHERE event_id = $1 AND organisation_id = ANY($2::uuid[])
"""

# The firms newly invited; one already invited (by an earlier press, or a concurrent one) is left out by the
# key. $1 event, $2 organisations (uuid[]), $3 their segments (jsonb[]), $4 now.
INSERT_INVITATIONS = """
INSERT INTO matcher.invitations (event_id, organisation_id, segment, queued_at)
SELECT $1, i.organisation_id, i.segment, $4
FROM unnest($2::uuid[], $3::jsonb[]) AS i(organisation_id, segment)
ON CONFLICT (event_id, organisation_id) DO NOTHING
RETURNING organisation_id
"""

INSERT_OUTBOX_INVITATION = """
INSERT INTO matcher.outbox (event_id, kind, channel, destination, payload, participant_id)
VALUES ($1, 'invitation', 'email', $2, $3, $4)
RETURNING id
"""

SET_OUTBOX = "UPDATE matcher.invitations SET outbox_id = $3 WHERE event_id = $1 AND organisation_id = $2"

# The event's invitations, oldest first, with whether the e-mail went (an erased firm's e-mail is gone).
LIST_INVITATIONS = """
SELECT i.organisation_id, i.segment, i.queued_at, o.delivered_at,
       coalesce(o.next_attempt_at = 'infinity', false) AS given_up
FROM matcher.invitations AS i LEFT JOIN matcher.outbox AS o ON o.id = i.outbox_id
WHERE i.event_id = $1
ORDER BY i.queued_at, i.organisation_id
"""

# Erasure by the organisation's id (its address came from the registry, not from a snapshot).
DELETE_ORGANISATION_INVITATION_EMAILS = """
DELETE FROM matcher.outbox WHERE kind = 'invitation' AND participant_id = $1
"""

DELETE_ORGANISATION_INVITATIONS = "DELETE FROM matcher.invitations WHERE organisation_id = $1"

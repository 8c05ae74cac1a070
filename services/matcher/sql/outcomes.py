"""SQL of the notices of a need's procurement moving (``matcher.need_notices``, migration 0016)."""

# Per published version: the firms that met the buyer there (not those that cancelled after publication),
# with the need each meeting was about (the explanation's need_id, NULL when the buyer's profile drove it).
# Newest first, so a firm that met the buyer at several events is filed under the latest.
# $1 buyer, $2 the last event day that counts (events after the move have not met yet).
SELECT_MET_FIRMS = """
SELECT v.id AS version_id, v.event_id, v.snapshot,
       array_agg(m.sme_id ORDER BY m.sme_id) AS sme_ids,
       array_agg(m.explanation->>'need_id' ORDER BY m.sme_id) AS need_ids
FROM matcher.schedule_versions AS v
JOIN matcher.schedule_meetings AS m ON m.version_id = v.id
WHERE v.status = 'published' AND m.buyer_id = $1 AND (v.snapshot->'event'->>'date')::date <= $2
  AND NOT EXISTS (
      SELECT 1 FROM matcher.cancellations AS c
      WHERE c.event_id = v.event_id AND c.organisation_id = m.sme_id AND c.up_to_version >= v.number)
GROUP BY v.id
ORDER BY v.published_at DESC, v.id
"""

# Once per (need, stage, organisation): a second reading of the same move finds the row and queues nothing.
# $1 need, $2 stage, $3 organisation, $4 buyer, $5 reason, $6 event (NULL for a follower), $7 now.
INSERT_NOTICE = """
INSERT INTO matcher.need_notices (need_id, stage, organisation_id, buyer_id, reason, event_id, queued_at)
VALUES ($1, $2, $3, $4, $5, $6, $7)
ON CONFLICT (need_id, stage, organisation_id) DO NOTHING
RETURNING need_id
"""

# $1 event (NULL for a follower who never met the buyer), $2 address, $3 payload, $4 organisation.
INSERT_NOTICE_EMAIL = """
INSERT INTO matcher.outbox (event_id, kind, channel, destination, payload, participant_id)
VALUES ($1, 'need.stage', 'email', $2, $3, $4)
RETURNING id
"""

# $1 need, $2 stage, $3 organisation, $4 outbox row.
SET_NOTICE_OUTBOX = """
UPDATE matcher.need_notices SET outbox_id = $4 WHERE need_id = $1 AND stage = $2 AND organisation_id = $3
"""

# --- erasure --------------------------------------------------------------------------------------------------

# The e-mails to the erased firm, sent or not (a follower's address is in no snapshot). $1 organisation.
DELETE_ORGANISATION_NOTICE_EMAILS = """
DELETE FROM matcher.outbox
WHERE id IN (SELECT outbox_id FROM matcher.need_notices WHERE organisation_id = $1)
   OR (kind = 'need.stage' AND participant_id = $1)
"""

DELETE_ORGANISATION_NOTICES = "DELETE FROM matcher.need_notices WHERE organisation_id = $1"

# Notices about the erased buyer's needs, to others (to scrub of it). $1 buyer.
SELECT_BUYER_NOTICE_EMAILS = """
SELECT o.id, o.payload FROM matcher.outbox AS o JOIN matcher.need_notices AS n ON n.outbox_id = o.id
WHERE n.buyer_id = $1
"""


UPDATE_NOTICE_PAYLOAD = "UPDATE matcher.outbox SET payload = $2 WHERE id = $1"

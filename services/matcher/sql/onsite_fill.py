"""SQL of the live fill: the freed table-slots it claims, who may take them, and how they were filled.

Every time is a parameter (the application's clock decides), never the database's ``now()``.
"""

# NOTIFY with each freed_slots insert, in the same transaction, wakes the fillers; payload: the event id.
LIVE_FILL_CHANNEL = "matcher_live_fill"

# Events with table-slots waiting to be filled (or to expire).
SELECT_EVENTS_WITH_OPEN = "SELECT DISTINCT event_id FROM matcher.freed_slots WHERE state = 'open'"

# The event's open freed slots, locked for this transaction; rows another filler holds are skipped. $1 event.
CLAIM_OPEN = """
SELECT id, buyer_id, slot, table_index, sme_id, cause, freed_at
FROM matcher.freed_slots
WHERE event_id = $1 AND state = 'open'
ORDER BY id
FOR UPDATE SKIP LOCKED
"""

# No row: the defaults (10 minutes, draft mode). $1 event.
SELECT_DAY_SETTINGS = "SELECT frozen_horizon_minutes, live_mode FROM matcher.event_day_settings WHERE event_id = $1"

# Stand-by firms that have arrived and not left. $1 event.
SELECT_STANDBY = """
SELECT s.organisation_id
FROM matcher.standby s
JOIN matcher.arrivals a ON a.event_id = s.event_id AND a.organisation_id = s.organisation_id
WHERE s.event_id = $1 AND s.left_at IS NULL
ORDER BY s.since, s.organisation_id
"""

# Declines and busy slots the organiser has not dismissed. $1 event.
SELECT_UNAVAILABILITY = """
SELECT organisation_id, kind, counterpart_id, slot
FROM matcher.unavailability
WHERE event_id = $1 AND state <> 'dismissed'
"""

# The version a fill builds on: a live fill's draft newer than the published version (draft mode: the
# organiser has not clicked yet, so the next fill adds to it), else the published one. $1 event.
SELECT_FILL_BASE = """
SELECT v.id, v.event_id, v.number, v.status, v.snapshot_hash, v.venue
FROM matcher.schedule_versions v
WHERE v.event_id = $1
  AND (v.status = 'published'
       OR (v.status = 'draft' AND v.params ? 'live_fill'
           AND v.number > (SELECT coalesce(max(p.number), 0) FROM matcher.schedule_versions p
                           WHERE p.event_id = $1 AND p.status = 'published')))
ORDER BY v.number DESC
LIMIT 1
"""

# $1 ids, $2 filled SME ids, $3 version, $4 when.
MARK_FILLED = """
UPDATE matcher.freed_slots f
SET state = 'filled', filled_sme_id = u.sme_id, filled_version_id = $3, filled_at = $4
FROM unnest($1::bigint[], $2::uuid[]) AS u(id, sme_id)
WHERE f.id = u.id AND f.state = 'open'
"""

# Freed slots nobody can take any more (started or within the frozen horizon, the cell taken meanwhile). $1 ids.
MARK_EXPIRED = "UPDATE matcher.freed_slots SET state = 'expired' WHERE id = ANY($1::bigint[]) AND state = 'open'"

SELECT_QUALITY = "SELECT quality FROM matcher.schedule_versions WHERE id = $1"

SELECT_VERSION_NUMBER = "SELECT id, number FROM matcher.schedule_versions WHERE id = $1"

"""SQL of the live fill: the freed table-slots it claims, who may take them, and how they were filled.

Every time is a parameter (the application's clock decides), never the database's ``now()``.
"""

from . import notify

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
_FILL_BASE_OF_EVENT = """
FROM matcher.schedule_versions v
WHERE v.event_id = $1
  AND (v.status = 'published'
       OR (v.status = 'draft' AND v.params ? 'live_fill'
           AND v.number > (SELECT coalesce(max(p.number), 0) FROM matcher.schedule_versions p
                           WHERE p.event_id = $1 AND p.status = 'published')))
ORDER BY v.number DESC
LIMIT 1
"""

SELECT_FILL_BASE = f"SELECT v.id, v.event_id, v.number, v.status, v.snapshot_hash, v.venue {_FILL_BASE_OF_EVENT}"

# Stand-by firms (as SELECT_STANDBY) that the fill base's snapshot does not hold: walk-ins. $1 event.
SELECT_STANDBY_NOT_IN_SNAPSHOT = f"""
WITH base AS (SELECT v.snapshot {_FILL_BASE_OF_EVENT}),
held AS (
    SELECT (e -> 'organisation' ->> 'id')::uuid AS id
    FROM base, jsonb_array_elements(base.snapshot -> 'smes') e
    UNION ALL
    SELECT (e -> 'organisation' ->> 'id')::uuid
    FROM base, jsonb_array_elements(base.snapshot -> 'buyers') e
)
SELECT s.organisation_id
FROM matcher.standby s
JOIN matcher.arrivals a ON a.event_id = s.event_id AND a.organisation_id = s.organisation_id
WHERE s.event_id = $1 AND s.left_at IS NULL AND s.organisation_id NOT IN (SELECT id FROM held)
"""  # noqa: S608 - built from constants only

# Buyers at the venue, whose tables a fill may give a freed slot at: checked in, or with a meeting marked
# held or the firm's no-show (someone sat at the table) — but not when the latest started meeting marked at
# the table was the buyer's no-show, unless the buyer checked in after that mark. $1 event.
SELECT_PRESENT_BUYERS = """
WITH latest AS (
    SELECT DISTINCT ON (s.buyer_id) s.buyer_id, s.status, s.marked_at
    FROM matcher.meeting_status s
    JOIN matcher.schedule_meetings m ON m.version_id = s.version_id AND m.sme_id = s.sme_id AND m.buyer_id = s.buyer_id
    WHERE s.event_id = $1 AND s.status IN ('held', 'no_show_sme', 'no_show_buyer')
    ORDER BY s.buyer_id, m.slot DESC, s.marked_at DESC
), seen AS (
    SELECT organisation_id AS buyer_id, arrived_at FROM matcher.arrivals WHERE event_id = $1
    UNION ALL
    SELECT buyer_id, NULL FROM latest WHERE status <> 'no_show_buyer'
)
SELECT DISTINCT seen.buyer_id FROM seen LEFT JOIN latest USING (buyer_id)
WHERE latest.status IS DISTINCT FROM 'no_show_buyer' OR seen.arrived_at > latest.marked_at
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

# Where each meeting of a version is, without its explanation (what a fill needs of the meetings). $1 version.
SELECT_PLACEMENTS = "SELECT sme_id, buyer_id, slot, table_index FROM matcher.schedule_meetings WHERE version_id = $1"

# A fill's version when the snapshot stays the base's: copied from it in the database (number = the event's
# next; the caller holds the event's schedule lock). $1 base, $2 quality, $3 params, $4 changes.
INSERT_VERSION_COPY = """
INSERT INTO matcher.schedule_versions
    (event_id, number, job_id, based_on, snapshot_hash, snapshot, quality, venue, mode, params, changes)
SELECT b.event_id, (SELECT max(number) + 1 FROM matcher.schedule_versions WHERE event_id = b.event_id),
       NULL, b.id, b.snapshot_hash, b.snapshot, $2, b.venue, 'replan', $3, $4
FROM matcher.schedule_versions b WHERE b.id = $1
RETURNING id, number
"""

# The base's meetings into the new version, but the freed ones. $1 new version, $2 base, $3/$4 SME and buyer
# ids of the meetings that leave.
COPY_MEETINGS = """
INSERT INTO matcher.schedule_meetings
    (version_id, sme_id, buyer_id, slot, table_index, relevance, explanation, locked)
SELECT $1, m.sme_id, m.buyer_id, m.slot, m.table_index, m.relevance, m.explanation, m.locked
FROM matcher.schedule_meetings m
WHERE m.version_id = $2
  AND (m.sme_id, m.buyer_id) NOT IN (SELECT * FROM unnest($3::uuid[], $4::uuid[]))
"""

# Versions of an event by number (for the notices of a fill). $1 event, $2 numbers.
SELECT_VERSIONS_BY_NUMBER = """
SELECT id, number, published_at, venue FROM matcher.schedule_versions WHERE event_id = $1 AND number = ANY($2::int[])
"""

# The meetings of a version that involve any of the parties (as SME or buyer). $1 version, $2 organisation ids.
SELECT_PARTY_MEETINGS = """
SELECT sme_id, buyer_id, slot, table_index, explanation
FROM matcher.schedule_meetings
WHERE version_id = $1 AND (sme_id = ANY($2::uuid[]) OR buyer_id = ANY($2::uuid[]))
"""

# The parties' whole-organisation agenda links (for their e-mails). $1 event, $2 organisation ids.
SELECT_PARTY_LINKS = """
SELECT id, organisation_id FROM matcher.agenda_links
WHERE event_id = $1 AND revoked_at IS NULL AND table_index IS NULL AND organisation_id = ANY($2::uuid[])
"""

# What the parties were told (as notify.SELECT_NOTICE_STATE, for some participants only). $1 event, $2 ids.
SELECT_PARTY_NOTICE_STATE = notify.SELECT_NOTICE_STATE.replace(
    "GROUP BY participant_id", "AND participant_id = ANY($2::uuid[])\nGROUP BY participant_id"
)
if SELECT_PARTY_NOTICE_STATE == notify.SELECT_NOTICE_STATE:  # the query it builds on changed shape
    raise RuntimeError("SELECT_PARTY_NOTICE_STATE: notify.SELECT_NOTICE_STATE has no 'GROUP BY participant_id'")

# Putting back meetings whose freed slots were taken back (onsite/restore.py).
# The pair's meeting in the newest version that has it (a fill or a restore copies it across). $1 event,
# $2 SME, $3 buyer.
SELECT_LAST_MEETING = """
SELECT m.sme_id, m.buyer_id, m.slot, m.table_index, m.relevance, m.explanation, m.locked
FROM matcher.schedule_meetings m JOIN matcher.schedule_versions v ON v.id = m.version_id
WHERE v.event_id = $1 AND m.sme_id = $2 AND m.buyer_id = $3
ORDER BY v.number DESC
LIMIT 1
"""

# Does anything in the version stand in the way of the meeting (SME $2, buyer $3, slot $4, table $5): the
# pair itself (then it is there), another firm at that table then, the firm elsewhere then, or the pair at
# another time? The pair's own row first. $1 version.
SELECT_IN_THE_WAY = """
SELECT sme_id, buyer_id, slot, table_index FROM matcher.schedule_meetings
WHERE version_id = $1
  AND ((buyer_id = $3 AND slot = $4 AND table_index = $5) OR (sme_id = $2 AND (slot = $4 OR buyer_id = $3)))
ORDER BY (sme_id = $2 AND buyer_id = $3) DESC
"""

SELECT_MEETING_COUNT = "SELECT count(*) FROM matcher.schedule_meetings WHERE version_id = $1"

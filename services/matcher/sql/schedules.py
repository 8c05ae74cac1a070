"""SQL of schedule versions, their meetings, the organiser's rules and publishing."""

VERSION_COLUMNS = """
    v.id, v.event_id, v.number, v.job_id, v.based_on, b.number AS based_on_number, v.snapshot_hash, v.quality,
    v.status, v.created_at, v.published_at, v.published_by, v.venue, v.mode, v.params, v.changes,
    (SELECT count(*) FROM matcher.schedule_meetings m WHERE m.version_id = v.id) AS meeting_count
"""

# Serialises version numbering and publishing per event (two transactions on one event wait for each
# other; different events never do). $1 event.
LOCK_EVENT_SCHEDULES = "SELECT pg_advisory_xact_lock(hashtextextended('matcher.schedules:' || $1::uuid::text, 0))"

# $1 event, $2 job, $3 based on, $4 snapshot hash, $5 snapshot, $6 quality, $7 venue, $8 mode, $9 params,
# $10 changes.
INSERT_VERSION = """
INSERT INTO matcher.schedule_versions
    (event_id, number, job_id, based_on, snapshot_hash, snapshot, quality, venue, mode, params, changes)
VALUES ($1, (SELECT coalesce(max(number), 0) + 1 FROM matcher.schedule_versions WHERE event_id = $1),
        $2, $3, $4, $5, $6, $7, $8, $9, $10)
RETURNING id, number
"""

# $1 version; the rest are parallel arrays.
INSERT_MEETINGS = """
INSERT INTO matcher.schedule_meetings
    (version_id, sme_id, buyer_id, slot, table_index, relevance, explanation, locked)
SELECT $1, sme_id, buyer_id, slot, table_index, relevance, explanation, locked
FROM unnest($2::uuid[], $3::uuid[], $4::int[], $5::int[], $6::float8[], $7::jsonb[], $8::bool[])
    AS m(sme_id, buyer_id, slot, table_index, relevance, explanation, locked)
"""

SELECT_VERSIONS = f"""
SELECT {VERSION_COLUMNS}
FROM matcher.schedule_versions v LEFT JOIN matcher.schedule_versions b ON b.id = v.based_on
WHERE v.event_id = $1
ORDER BY v.number DESC
"""  # noqa: S608 - built from constants only

SELECT_VERSION = f"""
SELECT {VERSION_COLUMNS}
FROM matcher.schedule_versions v LEFT JOIN matcher.schedule_versions b ON b.id = v.based_on
WHERE v.event_id = $1 AND v.number = $2
"""  # noqa: S608

SELECT_VERSION_BY_ID = f"""
SELECT {VERSION_COLUMNS}
FROM matcher.schedule_versions v LEFT JOIN matcher.schedule_versions b ON b.id = v.based_on
WHERE v.id = $1
"""  # noqa: S608

SELECT_SNAPSHOT = "SELECT snapshot FROM matcher.schedule_versions WHERE id = $1"

SELECT_PUBLISHED_ID = "SELECT id FROM matcher.schedule_versions WHERE event_id = $1 AND status = 'published'"

SELECT_LATEST_ID = """
SELECT id FROM matcher.schedule_versions WHERE event_id = $1 ORDER BY number DESC LIMIT 1
"""

SELECT_VERSION_ID = "SELECT id FROM matcher.schedule_versions WHERE event_id = $1 AND number = $2"

SELECT_MEETINGS = """
SELECT sme_id, buyer_id, slot, table_index, relevance, explanation, locked
FROM matcher.schedule_meetings
WHERE version_id = $1
ORDER BY slot, buyer_id, table_index
"""

# Publishing: the current published version steps down, then $2 steps up ($1 event, $3 who).
SUPERSEDE_PUBLISHED = """
UPDATE matcher.schedule_versions SET status = 'superseded'
WHERE event_id = $1 AND status = 'published'
RETURNING id, number
"""

PUBLISH_VERSION = """
UPDATE matcher.schedule_versions SET status = 'published', published_at = now(), published_by = $3
WHERE event_id = $1 AND id = $2
"""

# Rules.
SELECT_RULES = """
SELECT event_id, sme_id, buyer_id, rule, slot, table_index, reason, created_by, created_at
FROM matcher.schedule_rules WHERE event_id = $1
ORDER BY created_at, sme_id, buyer_id
"""

UPSERT_RULE = """
INSERT INTO matcher.schedule_rules (event_id, sme_id, buyer_id, rule, slot, table_index, reason, created_by)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (event_id, sme_id, buyer_id) DO UPDATE
SET rule = EXCLUDED.rule, slot = EXCLUDED.slot, table_index = EXCLUDED.table_index, reason = EXCLUDED.reason,
    created_by = EXCLUDED.created_by, created_at = now()
RETURNING event_id, sme_id, buyer_id, rule, slot, table_index, reason, created_by, created_at,
          (xmax = 0) AS created
"""

DELETE_RULE = "DELETE FROM matcher.schedule_rules WHERE event_id = $1 AND sme_id = $2 AND buyer_id = $3"

# Keeps the meetings flagged as locked in sync with the rules of their version's event ($1 version).
SELECT_MEETING = """
SELECT sme_id, buyer_id, slot, table_index FROM matcher.schedule_meetings
WHERE version_id = $1 AND sme_id = $2 AND buyer_id = $3
"""

# Webhook destinations of an event, for the publish notifications.
SELECT_EVENT_WEBHOOK_URLS = "SELECT url FROM matcher.webhooks WHERE event_id = $1 ORDER BY created_at"

INSERT_OUTBOX = """
INSERT INTO matcher.outbox (event_id, kind, channel, destination, payload)
SELECT $1, $2, channel, destination, payload
FROM unnest($3::text[], $4::text[], $5::jsonb[]) AS o(channel, destination, payload)
"""

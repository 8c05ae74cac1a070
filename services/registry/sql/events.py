"""SQL of events, their status history, and the availability trim when a grid shrinks."""

# Every read of an event carries the counts of active registrations (the read model shows them).
EVENT_READ = """
SELECT e.id, e.name, e.description, e.event_date, e.venue, e.municipality_code, e.time_zone,
       e.day_start, e.day_end, e.meeting_minutes, e.changeover_minutes, e.breaks, e.tables,
       e.signup_deadline, e.default_meetings_per_sme, e.max_meetings_per_sme, e.min_relevance_percent,
       e.region, e.contact, e.status, e.version, e.owner_account_id,
       e.created_at, e.updated_at,
       (SELECT count(*) FROM registry.registrations r
         WHERE r.event_id = e.id AND r.kind = 'sme' AND r.status = 'active') AS sme_registrations,
       (SELECT count(*) FROM registry.registrations r
         WHERE r.event_id = e.id AND r.kind = 'buyer' AND r.status = 'active') AS buyer_registrations
FROM registry.events e
"""

SELECT_EVENT = EVENT_READ + "WHERE e.id = $1\n"

# Taken at the start of every change of an event (transition, update, delete), and FOR SHARE by
# sign-ups: two transitions cannot both pass, and no sign-up slips in while the event closes.
LOCK_EVENT_FOR_UPDATE = "SELECT * FROM registry.events WHERE id = $1 FOR UPDATE"
LOCK_EVENT_FOR_SHARE = "SELECT * FROM registry.events WHERE id = $1 FOR SHARE"

SELECT_EVENT_VERSION = "SELECT version FROM registry.events WHERE id = $1"

SELECT_EVENT_STATUS = "SELECT status FROM registry.events WHERE id = $1"

INSERT_EVENT = """
INSERT INTO registry.events
    (name, description, event_date, venue, municipality_code, time_zone, day_start, day_end,
     meeting_minutes, changeover_minutes, breaks, tables, signup_deadline,
     default_meetings_per_sme, max_meetings_per_sme, min_relevance_percent, region, contact, owner_account_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19)
RETURNING id
"""

UPDATE_EVENT = """
UPDATE registry.events
SET name = $2, description = $3, event_date = $4, venue = $5, municipality_code = $6, time_zone = $7,
    day_start = $8, day_end = $9, meeting_minutes = $10, changeover_minutes = $11, breaks = $12,
    tables = $13, signup_deadline = $14, default_meetings_per_sme = $15, max_meetings_per_sme = $16,
    min_relevance_percent = $17, region = $18, contact = $19, version = version + 1, updated_at = now()
WHERE id = $1
"""

UPDATE_EVENT_STATUS = """
UPDATE registry.events
SET status = $2, version = version + 1, updated_at = now()
WHERE id = $1
"""

DELETE_EVENT = "DELETE FROM registry.events WHERE id = $1"

# Keyset page over (event_date, id). $1: include drafts; $2: statuses or NULL; $3/$4: date range;
# $5/$6: cursor (date, id) or NULL; $7: limit + 1; $8: the only events listed (a supporter's grants) or NULL.
LIST_EVENTS = f"""{EVENT_READ}WHERE ($1::boolean OR e.status <> 'draft')
  AND ($2::text[] IS NULL OR e.status = ANY ($2))
  AND ($3::date IS NULL OR e.event_date >= $3)
  AND ($4::date IS NULL OR e.event_date <= $4)
  AND ($5::date IS NULL OR (e.event_date, e.id) > ($5, $6::uuid))
  AND ($8::uuid[] IS NULL OR e.id = ANY ($8))
ORDER BY e.event_date, e.id
LIMIT $7
"""

INSERT_TRANSITION = """
INSERT INTO registry.event_transitions (event_id, from_status, to_status, reason, actor_token_id)
VALUES ($1, $2, $3, $4, $5)
"""

LIST_TRANSITIONS = """
SELECT id, from_status, to_status, reason, actor_token_id, at
FROM registry.event_transitions
WHERE event_id = $1
ORDER BY at, id
"""

# After a grid shrinks to $2 slots: drop availability indexes that no longer exist (NULL = all day
# stays NULL). Returns what was trimmed so the response can say so.
TRIM_AVAILABILITY = """
UPDATE registry.registrations
SET available_slots = ARRAY(SELECT s FROM unnest(available_slots) AS s WHERE s < $2 ORDER BY s),
    version = version + 1, updated_at = now()
WHERE event_id = $1
  AND available_slots IS NOT NULL
  AND EXISTS (SELECT 1 FROM unnest(available_slots) AS s WHERE s >= $2)
RETURNING id, organisation_id, status, cardinality(available_slots) AS remaining
"""

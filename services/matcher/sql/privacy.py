"""SQL of erasure, cancellations after publication, the registry feed's cursor and the data export."""

# Erasures and version stores serialise on this: an erasure (exclusive) waits for versions being stored
# (shared) and is waited for by them, so a snapshot fetched before an erasure is never stored unredacted.
LOCK_PRIVACY_EXCLUSIVE = "SELECT pg_advisory_xact_lock(hashtextextended('matcher.privacy', 0))"
LOCK_PRIVACY_SHARED = "SELECT pg_advisory_xact_lock_shared(hashtextextended('matcher.privacy', 0))"

# --- the registry's change feed ---------------------------------------------------------------------------

SELECT_FEED_CURSOR = "SELECT last_id FROM matcher.registry_feed"

# Held while one change is applied: another process applying the same change waits, then skips it.
LOCK_FEED_CURSOR = "SELECT last_id FROM matcher.registry_feed FOR UPDATE"

# $1 the change just applied.
ADVANCE_FEED_CURSOR = "UPDATE matcher.registry_feed SET last_id = greatest(last_id, $1), synced_at = now()"

MARK_FEED_SYNCED = "UPDATE matcher.registry_feed SET synced_at = now()"

# --- erasure ------------------------------------------------------------------------------------------------

# $1 organisation, $2 when the registry erased it.
INSERT_ERASED = """
INSERT INTO matcher.erased_organisations (organisation_id, erased_at) VALUES ($1, $2)
ON CONFLICT (organisation_id) DO NOTHING
"""

# Which of these organisations are erased. $1 ids (uuid[]).
SELECT_ERASED_AMONG = """
SELECT organisation_id FROM matcher.erased_organisations WHERE organisation_id = ANY($1::uuid[])
"""

# Versions whose snapshot names the organisation (its id as text anywhere in the document). $1 id as text.
SELECT_VERSIONS_NAMING = """
SELECT id, event_id, snapshot, quality, changes, params
FROM matcher.schedule_versions
WHERE strpos(snapshot::text, $1) > 0
ORDER BY event_id, number
"""

# $1 version, $2 snapshot, $3 quality, $4 changes, $5 params.
UPDATE_VERSION_REDACTED = """
UPDATE matcher.schedule_versions
SET snapshot = $2, quality = $3, changes = $4, params = $5, revision = revision + 1
WHERE id = $1
"""

# $1 version.
SELECT_VERSION_EXPLANATIONS = """
SELECT sme_id, buyer_id, explanation FROM matcher.schedule_meetings WHERE version_id = $1
"""

# $1 version, $2 sme, $3 buyer, $4 explanation.
UPDATE_MEETING_EXPLANATION = """
UPDATE matcher.schedule_meetings SET explanation = $4 WHERE version_id = $1 AND sme_id = $2 AND buyer_id = $3
"""

# Every link of the organisation ends (an erased organisation has no one left to read its agenda). $1 org.
REVOKE_ORGANISATION_LINKS = """
UPDATE matcher.agenda_links SET revoked_at = coalesce(revoked_at, now()) WHERE organisation_id = $1
"""

DELETE_AGENDA_VIEWS = "DELETE FROM matcher.agenda_views WHERE organisation_id = $1"

# E-mails to the erased people, sent or not: dropped. $1 addresses, lower case (text[]).
DELETE_OUTBOX_TO = """
DELETE FROM matcher.outbox WHERE channel = 'email' AND lower(destination) = ANY($1::text[])
RETURNING id, delivered_at IS NOT NULL AS delivered
"""

# Notifications of these events (to other people, and webhooks), to redact. $1 events (uuid[]).
SELECT_EVENT_OUTBOX = "SELECT id, payload FROM matcher.outbox WHERE event_id = ANY($1::uuid[])"

UPDATE_OUTBOX_PAYLOAD = "UPDATE matcher.outbox SET payload = $2 WHERE id = $1"

# Organisers' reasons may name people. $1 events (uuid[]).
SELECT_EVENT_RULES = """
SELECT event_id, sme_id, buyer_id, reason FROM matcher.schedule_rules WHERE event_id = ANY($1::uuid[]) AND reason <> ''
"""

UPDATE_RULE_REASON = """
UPDATE matcher.schedule_rules SET reason = $4 WHERE event_id = $1 AND sme_id = $2 AND buyer_id = $3
"""

# Job texts (why a run failed, what it is doing). $1 events (uuid[]).
SELECT_EVENT_JOB_TEXTS = """
SELECT id, phase, failure_reason FROM matcher.jobs WHERE event_id = ANY($1::uuid[])
"""

UPDATE_JOB_TEXTS = "UPDATE matcher.jobs SET phase = $2, failure_reason = $3 WHERE id = $1"

# --- cancellations after publication ------------------------------------------------------------------------

# The published version with what its agendas are built from. $1 event.
SELECT_PUBLISHED_FOR_NOTICE = """
SELECT id, event_id, number, status, created_at, published_at, venue, revision, snapshot,
       ARRAY(SELECT c.organisation_id FROM matcher.cancellations AS c
             WHERE c.event_id = schedule_versions.event_id AND c.up_to_version >= schedule_versions.number)
           AS cancelled
FROM matcher.schedule_versions WHERE event_id = $1 AND status = 'published'
"""

# Applied once: a second delivery of the same change finds the row and queues nothing.
# $1 event, $2 organisation, $3 the published version, $4 when it was cancelled.
INSERT_CANCELLATION = """
INSERT INTO matcher.cancellations (event_id, organisation_id, up_to_version, cancelled_at) VALUES ($1, $2, $3, $4)
ON CONFLICT (event_id, organisation_id) DO NOTHING
RETURNING event_id
"""

# --- export ---------------------------------------------------------------------------------------------------

# Versions the organisation takes part in. $1 id as text.
SELECT_VERSION_HEADS_NAMING = """
SELECT id, event_id, number, status, created_at, published_at, venue, revision,
       ARRAY(SELECT c.organisation_id FROM matcher.cancellations AS c
             WHERE c.event_id = schedule_versions.event_id AND c.up_to_version >= schedule_versions.number)
           AS cancelled,
       jsonb_path_query_array(snapshot, '$.smes[*] ? (@.organisation.id == $id).contacts[*].email',
                              jsonb_build_object('id', $1::text))
       || jsonb_path_query_array(snapshot, '$.buyers[*] ? (@.organisation.id == $id).contacts[*].email',
                                 jsonb_build_object('id', $1::text)) AS emails
FROM matcher.schedule_versions
WHERE strpos(snapshot::text, $1) > 0
ORDER BY event_id, number
"""

# $1 organisation.
EXPORT_LINKS = """
SELECT id, event_id, table_index, created_at, revoked_at FROM matcher.agenda_links
WHERE organisation_id = $1 ORDER BY created_at, id
"""

EXPORT_VIEWS = """
SELECT event_id, last_seen_version, seen_at FROM matcher.agenda_views WHERE organisation_id = $1 ORDER BY event_id
"""

EXPORT_CANCELLATIONS = """
SELECT event_id, up_to_version, cancelled_at, applied_at FROM matcher.cancellations
WHERE organisation_id = $1 ORDER BY cancelled_at
"""

# Notifications to its people, and its need notices and invitations (those addresses are in no snapshot).
# $1 addresses, lower case (text[]), $2 organisation.
EXPORT_NOTIFICATIONS = """
SELECT id, event_id, kind, channel, destination, payload->>'subject' AS subject, attempts, created_at,
       delivered_at, last_error, next_attempt_at = 'infinity' AS given_up
FROM matcher.outbox
WHERE channel = 'email'
  AND (lower(destination) = ANY($1::text[]) OR (kind IN ('need.stage', 'invitation') AND participant_id = $2))
ORDER BY created_at, id
"""

# Notices of a cancellation (kind registration.cancelled). $1 event, $2 kind; then parallel arrays.
INSERT_NOTICES = """
INSERT INTO matcher.outbox (event_id, kind, channel, destination, payload)
SELECT $1, $2, channel, destination, payload
FROM unnest($3::text[], $4::text[], $5::jsonb[]) AS o(channel, destination, payload)
"""

# The version whose meetings a cancelled participant lost. $1 event, $2 organisation.
SELECT_CANCELLED_VERSION = """
SELECT up_to_version FROM matcher.cancellations WHERE event_id = $1 AND organisation_id = $2
"""

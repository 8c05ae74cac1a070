"""SQL of agendas: the versions participants read, their meetings, agenda links and what each participant last saw.

Version reads are split in two: the small head (id, number, status, times, venue) on every request, and
the snapshot with the meetings only when the in-process cache does not hold that version's agendas yet
(versions never change once stored, so the head is enough to find them in the cache).
"""

# The revision changes when the version's copy is redacted (an erasure); cancelled lists the organisations
# whose sign-up was cancelled after this version was published (their meetings are off).
VERSION_HEAD_COLUMNS = """
    id, event_id, number, status, created_at, published_at, venue, revision,
    ARRAY(SELECT c.organisation_id FROM matcher.cancellations AS c
          WHERE c.event_id = schedule_versions.event_id AND c.up_to_version >= schedule_versions.number)
        AS cancelled
"""

# $1 event.
SELECT_PUBLISHED_VERSION = f"""
SELECT {VERSION_HEAD_COLUMNS} FROM matcher.schedule_versions WHERE event_id = $1 AND status = 'published'
"""  # noqa: S608 - built from constants only

# $1 event, $2 number.
SELECT_VERSION_BY_NUMBER = f"""
SELECT {VERSION_HEAD_COLUMNS} FROM matcher.schedule_versions WHERE event_id = $1 AND number = $2
"""  # noqa: S608 - built from constants only

# Versions participants have been shown before version $2 (published or superseded), oldest first:
# calendars that imported them get the meetings this version drops as cancelled. $1 event, $2 number.
SELECT_RELEASED_BEFORE = f"""
SELECT {VERSION_HEAD_COLUMNS} FROM matcher.schedule_versions
WHERE event_id = $1 AND number < $2 AND status <> 'draft'
ORDER BY number
"""  # noqa: S608 - built from constants only

# $1 version.
SELECT_VERSION_SNAPSHOT = "SELECT snapshot FROM matcher.schedule_versions WHERE id = $1"

# $1 version.
SELECT_VERSION_MEETINGS = """
SELECT sme_id, buyer_id, slot, table_index, explanation
FROM matcher.schedule_meetings
WHERE version_id = $1
ORDER BY slot, buyer_id, table_index
"""

# Agenda links. Creating them is serialised per event (two organisers pressing "make links" at once get
# one link per participant, not two). $1 event.
LOCK_EVENT_LINKS = "SELECT pg_advisory_xact_lock(hashtextextended('matcher.agenda_links:' || $1::uuid::text, 0))"

LINK_COLUMNS = "id, event_id, organisation_id, table_index, created_at, revoked_at"

# Active links of an event, per participant. $1 event.
SELECT_EVENT_LINKS = f"""
SELECT {LINK_COLUMNS} FROM matcher.agenda_links
WHERE event_id = $1 AND revoked_at IS NULL
ORDER BY organisation_id, table_index NULLS FIRST, created_at
"""  # noqa: S608 - built from constants only

# Whole-organisation links (no table); the token hashes are computed by the caller. $1 ids, $2 event,
# $3 organisations, $4 token hashes (parallel arrays).
INSERT_LINKS = f"""
INSERT INTO matcher.agenda_links (id, event_id, organisation_id, token_hash)
SELECT id, $2, organisation_id, token_hash
FROM unnest($1::uuid[], $3::uuid[], $4::bytea[]) AS l(id, organisation_id, token_hash)
RETURNING {LINK_COLUMNS}
"""  # noqa: S608 - built from constants only

# The participant's own whole-agenda link (its QR code on documents read without the link). $1 event,
# $2 organisation.
SELECT_ORGANISATION_LINK = """
SELECT id FROM matcher.agenda_links
WHERE event_id = $1 AND organisation_id = $2 AND table_index IS NULL AND revoked_at IS NULL
ORDER BY created_at
LIMIT 1
"""

# The live link a token stands for. $1 token hash.
SELECT_LINK_BY_TOKEN_HASH = f"""
SELECT {LINK_COLUMNS} FROM matcher.agenda_links WHERE token_hash = $1 AND revoked_at IS NULL
"""  # noqa: S608 - built from constants only

# The live link a token stands for and its event's published version head (NULL columns before anything
# is published), in one round trip: an agenda link's read. $1 token hash.
SELECT_LINK_AND_PUBLISHED = f"""
SELECT l.id, l.event_id, l.organisation_id, l.table_index, l.created_at, l.revoked_at,
       v.id AS version_id, v.number, v.status, v.created_at AS version_created_at, v.published_at, v.venue,
       v.revision, v.cancelled
FROM matcher.agenda_links AS l
LEFT JOIN LATERAL (
    SELECT {VERSION_HEAD_COLUMNS} FROM matcher.schedule_versions
    WHERE schedule_versions.event_id = l.event_id AND status = 'published'
) AS v ON true
WHERE l.token_hash = $1 AND l.revoked_at IS NULL
"""  # noqa: S608 - built from constants only

# Revoking twice is not an error (the link stays revoked from the first time). $1 link, $2 event.
REVOKE_LINK = """
UPDATE matcher.agenda_links SET revoked_at = coalesce(revoked_at, now())
WHERE id = $1 AND event_id = $2
RETURNING id
"""

# What a participant last opened. $1 event, $2 organisation.
SELECT_AGENDA_VIEW = """
SELECT last_seen_version, seen_at FROM matcher.agenda_views WHERE event_id = $1 AND organisation_id = $2
"""

# What participants opened, written by the background flush (agendas/seen.py): many markers in one
# statement; opening an earlier version again keeps the later one as "seen"; none is written for an
# organisation erased meanwhile (run under the privacy lock, shared). seen_at is the flush's time, at
# most a second after the read. $1 events, $2 organisations, $3 numbers (parallel arrays, each
# (event, organisation) once).
FLUSH_AGENDA_VIEWS = """
INSERT INTO matcher.agenda_views (event_id, organisation_id, last_seen_version)
SELECT v.event_id, v.organisation_id, v.number
FROM unnest($1::uuid[], $2::uuid[], $3::integer[]) AS v(event_id, organisation_id, number)
WHERE NOT EXISTS (SELECT 1 FROM matcher.erased_organisations AS e WHERE e.organisation_id = v.organisation_id)
ON CONFLICT (event_id, organisation_id) DO UPDATE
SET last_seen_version = greatest(agenda_views.last_seen_version, EXCLUDED.last_seen_version), seen_at = now()
"""

"""SQL of venue boards (``/b/{token}``): board links, and one read per screen refresh that finds the link and
the event's published version head together."""

# $1 id, $2 event, $3 token hash, $4 created at (the application's clock).
INSERT_BOARD_LINK = """
INSERT INTO matcher.board_links (id, event_id, token_hash, created_at)
VALUES ($1, $2, $3, $4)
RETURNING id, event_id, created_at, revoked_at
"""

# The event's board links, newest first, revoked ones too (the organiser sees what was ended). $1 event.
SELECT_BOARD_LINKS = """
SELECT id, event_id, created_at, revoked_at FROM matcher.board_links
WHERE event_id = $1
ORDER BY created_at DESC, id
"""

# Revoking twice keeps the first time. $1 link, $2 event, $3 now (the application's clock).
REVOKE_BOARD_LINK = """
UPDATE matcher.board_links SET revoked_at = coalesce(revoked_at, greatest($3, created_at))
WHERE id = $1 AND event_id = $2
RETURNING id, event_id, created_at, revoked_at
"""

# A screen's refresh: the link a token hash names and, when live, its event's published version head
# (the columns of agendas.VERSION_HEAD_COLUMNS), in one round trip. $1 token hash.
SELECT_BOARD_BY_TOKEN_HASH = """
SELECT b.id AS link_id, b.event_id AS link_event_id, b.revoked_at,
       v.id, v.event_id, v.number, v.status, v.created_at, v.published_at, v.venue, v.revision,
       ARRAY(SELECT c.organisation_id FROM matcher.cancellations AS c
             WHERE c.event_id = v.event_id AND c.up_to_version >= v.number) AS cancelled
FROM matcher.board_links AS b
LEFT JOIN matcher.schedule_versions AS v ON v.event_id = b.event_id AND v.status = 'published'
WHERE b.token_hash = $1
"""

"""SQL of API tokens."""

# A supporter's session carries its account's grants (two arrays in step: event ids and their access), so
# a grant given or revoked counts from the next token check on.
SELECT_PRINCIPAL_BY_TOKEN_HASH = """
SELECT t.id, t.role, t.organisation_id, t.event_id, t.account_id, t.label,
       ARRAY(SELECT g.event_id FROM registry.event_grants g
             WHERE t.role = 'supporter' AND g.account_id = t.account_id ORDER BY g.event_id) AS granted_events,
       ARRAY(SELECT g.access FROM registry.event_grants g
             WHERE t.role = 'supporter' AND g.account_id = t.account_id ORDER BY g.event_id) AS granted_access
FROM registry.api_tokens t
WHERE t.token_hash = $1
  AND t.revoked_at IS NULL
  AND (t.expires_at IS NULL OR t.expires_at > now())
"""

# A host token ($8 its event) expires at midnight after the event's day where it is held, or earlier
# when $6 says so: its label (often a helper's name) is forgotten then (FORGET_EXPIRED_HOST_LABELS).
# An unknown event leaves $6 as it is, and the foreign key refuses the row.
INSERT_TOKEN = """
INSERT INTO registry.api_tokens (
    token_hash, role, organisation_id, label, created_by, expires_at, account_id, event_id
)
SELECT $1, $2, $3, $4, $5, least($6::timestamptz, day_over.at), $7, $8
FROM (
    SELECT (SELECT (e.event_date + 1)::timestamp AT TIME ZONE e.time_zone FROM registry.events e WHERE e.id = $8) AS at
) AS day_over
RETURNING id, role, organisation_id, event_id, label, created_at, expires_at, revoked_at
"""

# A host token's label names the helper who held it ("Reception 1", or a person's name): once the token
# has expired or been revoked nobody needs it, and no organisation's erasure would reach it, so it is
# blanked. Host tokens are the only ones with an event (index api_tokens_event_idx). Rows another
# sign-in is blanking right now are skipped (it does them), so sign-ins never wait on each other. $1 now.
FORGET_EXPIRED_HOST_LABELS = """
UPDATE registry.api_tokens
SET label = ''
WHERE id IN (
    SELECT id FROM registry.api_tokens
    WHERE event_id IS NOT NULL
      AND label <> ''
      AND (expires_at <= $1 OR revoked_at IS NOT NULL)
    FOR UPDATE SKIP LOCKED
)
"""

# Bootstrap tokens come from the environment at every start: insert once, then leave alone.
INSERT_TOKEN_IF_ABSENT = """
INSERT INTO registry.api_tokens (token_hash, role, label)
VALUES ($1, $2, $3)
ON CONFLICT (token_hash) DO NOTHING
"""

LIST_TOKENS = """
SELECT id, role, organisation_id, event_id, label, created_at, expires_at, revoked_at
FROM registry.api_tokens
ORDER BY created_at, id
"""

# The foreign key of a host token's event (migration 0010).
TOKEN_EVENT_FKEY = "api_tokens_event_id_fkey"

REVOKE_TOKEN = """
UPDATE registry.api_tokens
SET revoked_at = coalesce(revoked_at, now())
WHERE id = $1
RETURNING id
"""

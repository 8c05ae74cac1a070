"""SQL of API tokens."""

SELECT_PRINCIPAL_BY_TOKEN_HASH = """
SELECT id, role, organisation_id, event_id, label
FROM registry.api_tokens
WHERE token_hash = $1
  AND revoked_at IS NULL
  AND (expires_at IS NULL OR expires_at > now())
"""

INSERT_TOKEN = """
INSERT INTO registry.api_tokens (
    token_hash, role, organisation_id, label, created_by, expires_at, account_id, event_id
)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
RETURNING id, role, organisation_id, event_id, label, created_at, expires_at, revoked_at
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

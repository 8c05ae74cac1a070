"""SQL of idempotency keys."""

CLAIM_KEY = """
INSERT INTO registry.idempotency_keys (owner, key, method, path, request_hash, status, body)
VALUES ($1, $2, $3, $4, $5, 0, ''::bytea)
ON CONFLICT (owner, key) DO NOTHING
RETURNING 1
"""


SELECT_KEY = """
SELECT method, path, request_hash, status, body, headers
FROM registry.idempotency_keys
WHERE owner = $1 AND key = $2
"""


DELETE_EXPIRED_KEY = """
DELETE FROM registry.idempotency_keys WHERE owner = $1 AND key = $2 AND created_at < now() - $3::interval
"""


PURGE_EXPIRED_KEYS = "DELETE FROM registry.idempotency_keys WHERE created_at < now() - $1::interval"


STORE_RESPONSE = """
UPDATE registry.idempotency_keys SET status = $3, body = $4, headers = $5 WHERE owner = $1 AND key = $2
"""

"""SQL of organiser pair rules (must meet / never)."""

EVENT_EXISTS = """
SELECT EXISTS (SELECT 1 FROM registry.events WHERE id = $1)
"""

# The kinds of the named organisations (absent ids give no row).
SELECT_ORGANISATION_KINDS = """
SELECT id, kind
FROM registry.organisations
WHERE id = ANY($1::uuid[])
"""

# A replaced rule is a new decision: who made it and when move with it.
# xmax = 0 only on a freshly inserted row, which tells "created" from "replaced" in one statement.
UPSERT_PAIR_RULE = """
INSERT INTO registry.pair_rules (event_id, sme_id, buyer_id, rule, reason, created_by)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (event_id, sme_id, buyer_id) DO UPDATE
SET rule = EXCLUDED.rule, reason = EXCLUDED.reason, created_by = EXCLUDED.created_by, created_at = now()
RETURNING event_id, sme_id, buyer_id, rule, reason, created_by, created_at, (xmax = 0) AS inserted
"""

DELETE_PAIR_RULE = """
DELETE FROM registry.pair_rules
WHERE event_id = $1 AND sme_id = $2 AND buyer_id = $3
RETURNING rule
"""

LIST_PAIR_RULES = """
SELECT event_id, sme_id, buyer_id, rule, reason, created_by, created_at
FROM registry.pair_rules
WHERE event_id = $1
ORDER BY sme_id, buyer_id
"""

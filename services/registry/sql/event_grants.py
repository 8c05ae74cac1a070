"""SQL of supporters' grants to events (migration 0015)."""

# The event's owner, locked while its grants change so that two organisers' changes are serialised.
LOCK_EVENT_OWNER = "SELECT id, owner_account_id FROM registry.events WHERE id = $1 FOR UPDATE"

SELECT_EVENT_OWNER = "SELECT id, owner_account_id FROM registry.events WHERE id = $1"

# The account to grant: its role decides whether it may be granted at all.
SELECT_GRANTEE = "SELECT id, role FROM registry.accounts WHERE id = $1"

# A grant with who holds it (the web page shows the address).
GRANT_READ = """
SELECT g.event_id, g.account_id, a.email, a.name, a.disabled_at, g.access, g.granted_by, g.granted_at
FROM registry.event_grants g
JOIN registry.accounts a ON a.id = g.account_id
"""

LIST_GRANTS = GRANT_READ + "WHERE g.event_id = $1\nORDER BY a.email, g.account_id\n"

SELECT_GRANT = GRANT_READ + "WHERE g.event_id = $1 AND g.account_id = $2\n"

# Set a grant ($3 access, $4 the granting account); xmax = 0 tells a new row from a replaced one.
UPSERT_GRANT = """
INSERT INTO registry.event_grants (event_id, account_id, access, granted_by, granted_at)
VALUES ($1, $2, $3, $4, now())
ON CONFLICT (event_id, account_id) DO UPDATE
SET access = EXCLUDED.access, granted_by = EXCLUDED.granted_by, granted_at = EXCLUDED.granted_at
RETURNING (xmax = 0) AS created
"""

DELETE_GRANT = "DELETE FROM registry.event_grants WHERE event_id = $1 AND account_id = $2 RETURNING access"

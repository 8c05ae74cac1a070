"""SQL of a web account's GDPR export and erasure (services/registry/account_privacy.py)."""

# Locked so that a login, a grant or an update cannot slip in between the export of what is erased and
# the delete.
LOCK_ACCOUNT = """
SELECT id, email, role, organisation_id, name, created_at, last_login_at, disabled_at
FROM registry.accounts WHERE id = $1 FOR UPDATE
"""

SELECT_ACCOUNT = """
SELECT id, email, role, organisation_id, name, created_at, last_login_at, disabled_at
FROM registry.accounts WHERE id = $1
"""

# Metadata only: the hash never leaves the database. A session's label names its person.
EXPORT_SESSIONS = """
SELECT id, role, label, created_at, expires_at, revoked_at
FROM registry.api_tokens WHERE account_id = $1 ORDER BY created_at, id
"""

EXPORT_GRANTS = """
SELECT g.event_id, e.name AS event_name, g.access, g.granted_at
FROM registry.event_grants AS g JOIN registry.events AS e ON e.id = g.event_id
WHERE g.account_id = $1 ORDER BY g.granted_at, g.event_id
"""

EXPORT_OWNED_EVENTS = """
SELECT id AS event_id, name AS event_name, event_date
  FROM registry.events WHERE owner_account_id = $1 ORDER BY event_date, id
"""

# Events that show the account's address as their contact (public pages; migration 0017). $1: the e-mail.
EXPORT_CONTACT_EVENTS = """
SELECT id AS event_id, name AS event_name, event_date, contact
  FROM registry.events WHERE lower(contact->>'email') = lower($1) ORDER BY event_date, id
"""

ERASE_EVENT_CONTACTS = """
UPDATE registry.events SET contact = NULL, version = version + 1, updated_at = now()
WHERE lower(contact->>'email') = lower($1)
"""

# Never the links' tokens: when they were made and used.
EXPORT_LINKS = """
SELECT id, created_at, expires_at, used_at FROM registry.sign_in_links WHERE account_id = $1 ORDER BY created_at
"""

# Entries about the account, and entries made by its sessions.
EXPORT_AUDIT_ENTRIES = """
SELECT id, at, actor_token_id, actor_role, actor_organisation_id, action, entity, entity_id,
       organisation_id, event_id, changes, request_id
FROM registry.audit_log
WHERE (entity = 'account' AND entity_id = $1::uuid::text)
   OR actor_token_id IN (SELECT id FROM registry.api_tokens WHERE account_id = $1)
ORDER BY id
"""

# The entries stay (who did what, when); the values they recorded about the account (its name) go.
ERASE_AUDIT_VALUES = """
UPDATE registry.audit_log
SET changes = jsonb_set(changes, '{values}', '{}'::jsonb)
WHERE entity = 'account' AND entity_id = $1::uuid::text
  AND changes ? 'values' AND changes->'values' <> '{}'::jsonb
"""

# Responses kept for idempotent retries may hold the account as it was created (its e-mail and name).
DELETE_IDEMPOTENT_RESPONSES = """
DELETE FROM registry.idempotency_keys WHERE position(convert_to($1::uuid::text, 'UTF8') IN body) > 0
"""

# Cascades to its sessions (api_tokens), its sign-in links and its grants; events it owned lose their owner.
DELETE_ACCOUNT = "DELETE FROM registry.accounts WHERE id = $1"

# Failed-login counters are keyed by the address's hash (pseudonymous, forgotten after 15 minutes anyway).
DELETE_LOGIN_FAILURES = "DELETE FROM registry.login_failures WHERE bucket = $1"

"""SQL of GDPR erasure and export."""

# Keep an anonymised row when removing it would change the shape of a schedule that exists or is about to
# (registrations in scheduled/published events), or would silently drop needs that SMEs have ranked.
IS_REFERENCED = """
SELECT EXISTS (
    SELECT 1
    FROM registry.registrations AS r
    JOIN registry.events AS e ON e.id = r.event_id
    WHERE r.organisation_id = $1 AND e.status IN ('scheduled', 'published')
) OR EXISTS (
    SELECT 1
    FROM registry.registration_needs AS rn
    JOIN registry.needs AS n ON n.id = rn.need_id
    WHERE n.buyer_id = $1
)
"""

ANONYMISE_ORGANISATION = """
UPDATE registry.organisations
SET name = $2,
    orgnr = NULL,
    description = '',
    keywords = '{}',
    website = NULL,
    certificates = '{}',
    erased_at = now(),
    version = version + 1,
    updated_at = now()
WHERE id = $1
"""

DELETE_ORGANISATION = "DELETE FROM registry.organisations WHERE id = $1"

DELETE_CONTACTS = "DELETE FROM registry.contacts WHERE organisation_id = $1"

# Buyer accounts hold a person's e-mail and name; sign-in links an SME contact's e-mail.
DELETE_ACCOUNTS = "DELETE FROM registry.accounts WHERE organisation_id = $1"

DELETE_SIGN_IN_LINKS = "DELETE FROM registry.sign_in_links WHERE organisation_id = $1"

EXPORT_ACCOUNTS = """
SELECT id, email, role, name, created_at, last_login_at, disabled_at
FROM registry.accounts WHERE organisation_id = $1 ORDER BY created_at
"""

REVOKE_TOKENS = """
UPDATE registry.api_tokens SET revoked_at = now() WHERE organisation_id = $1 AND revoked_at IS NULL
"""

ERASE_NEED_CONTACTS = """
UPDATE registry.needs
SET contact = NULL, version = version + 1, updated_at = now()
WHERE buyer_id = $1 AND contact IS NOT NULL
"""

# Representatives and free-text notes (the registration's, the support request's) may name people.
ERASE_REGISTRATION_PERSONAL_DATA = """
UPDATE registry.registrations
SET representatives = '[]', note = '', support_note = '', version = version + 1, updated_at = now()
WHERE organisation_id = $1 AND (representatives <> '[]' OR note <> '' OR support_note <> '')
"""

# --- export ---------------------------------------------------------------------------------------------

EXPORT_NEEDS = """
SELECT id, ocid, reference, title, description, cpv_main, cpv_additional, estimated_value_sek,
       planned_tender_date, contract_start, contract_end, procedure, lots, delivery_municipality,
       suitable_for_smes, status, contact, version, created_at, updated_at
FROM registry.needs
WHERE buyer_id = $1
ORDER BY created_at, id
"""

EXPORT_REGISTRATIONS = """
SELECT r.id, r.event_id, e.name AS event_name, e.event_date, r.kind, r.available_slots, r.max_meetings,
       r.languages, r.tables, r.representatives, r.note, r.support_requested, r.support_note, r.status,
       r.cancelled_at, r.cancel_reason,
       r.cancelled_after_publication, r.version, r.created_at, r.updated_at,
       coalesce((SELECT jsonb_agg(jsonb_build_object('need_id', rn.need_id, 'rank', rn.rank)
                                  ORDER BY rn.rank NULLS LAST, rn.need_id)
                 FROM registry.registration_needs AS rn WHERE rn.registration_id = r.id), '[]') AS needs,
       coalesce((SELECT jsonb_agg(w.sme_id ORDER BY w.sme_id)
                 FROM registry.registration_wishes AS w WHERE w.registration_id = r.id), '[]') AS wishes
FROM registry.registrations AS r
JOIN registry.events AS e ON e.id = r.event_id
WHERE r.organisation_id = $1
ORDER BY e.event_date, r.id
"""

EXPORT_PAIR_RULES = """
SELECT event_id, sme_id, buyer_id, rule, reason, created_at
FROM registry.pair_rules
WHERE sme_id = $1 OR buyer_id = $1
ORDER BY created_at, event_id
"""

EXPORT_AUDIT_ENTRIES = """
SELECT id, at, actor_token_id, actor_role, actor_organisation_id, action, entity, entity_id,
       organisation_id, event_id, changes, request_id
FROM registry.audit_log
WHERE organisation_id = $1
   OR actor_organisation_id = $1
   OR (entity = 'organisation' AND entity_id = ($1::uuid)::text)
ORDER BY id
"""

# Metadata only: the hash never leaves the database.
EXPORT_TOKENS = """
SELECT id, role, label, created_at, expires_at, revoked_at
FROM registry.api_tokens
WHERE organisation_id = $1
ORDER BY created_at, id
"""

# Responses kept for idempotent retries may hold the organisation as it was created (name, contacts):
# the response names the organisation's id, so any body containing it goes.
DELETE_IDEMPOTENT_RESPONSES = """
DELETE FROM registry.idempotency_keys WHERE position(convert_to($1::uuid::text, 'UTF8') IN body) > 0
"""

# The audit log keeps its entries about the organisation (who did what, when, which fields), but not the
# values they recorded: its name, org.nr, description or web site identify it (a sole trader is a person).
ERASE_AUDIT_VALUES = """
UPDATE registry.audit_log
SET changes = jsonb_set(changes, '{values}', '{}'::jsonb)
WHERE (organisation_id = $1 OR (entity = 'organisation' AND entity_id = $1::uuid::text))
  AND changes ? 'values' AND changes->'values' <> '{}'::jsonb
"""

# --- the change feed (migration 0006) ----------------------------------------------------------------

# Taken right before the insert and held to commit: ids are then handed out in commit order, so a reader
# that has seen id n never later finds a smaller id committed (it keeps only a cursor).
LOCK_CHANGES = "SELECT pg_advisory_xact_lock(hashtextextended('registry.changes', 0))"

# $1 kind, $2 organisation, $3 event (NULL for an erasure).
INSERT_CHANGE = "INSERT INTO registry.changes (kind, organisation_id, event_id) VALUES ($1, $2, $3)"

# $1 after this id, $2 how many.
SELECT_CHANGES = """
SELECT id, kind, organisation_id, event_id, at, need_id, stage FROM registry.changes WHERE id > $1 ORDER BY id LIMIT $2
"""

# $1 kind need.stage, $2 the need's buyer, $3 the need, $4 its new stage (migration 0011).
INSERT_STAGE_CHANGE = "INSERT INTO registry.changes (kind, organisation_id, need_id, stage) VALUES ($1, $2, $3, $4)"

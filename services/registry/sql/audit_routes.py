"""SQL of reading the audit log (newest first, keyset on id); combined with ``compose_query``."""

AUDIT_BASE = """
SELECT a.id, a.at, a.actor_token_id, a.actor_role, a.actor_organisation_id, a.action, a.entity, a.entity_id,
       a.organisation_id, a.event_id, a.changes, a.request_id
FROM registry.audit_log AS a
WHERE true"""
FILTER_ENTITY = "a.entity = ${0}"
FILTER_ENTITY_ID = "a.entity_id = ${0}"
FILTER_ORGANISATION = "a.organisation_id = ${0}"
# An organisation's own view: entries about it, or about the organisation record itself.
FILTER_ABOUT_ORGANISATION = (
    "(a.organisation_id = ${0}::uuid OR (a.entity = 'organisation' AND a.entity_id = (${0}::uuid)::text))"
)
FILTER_EVENT = "a.event_id = ${0}"
FILTER_SINCE = "a.at >= ${0}"
FILTER_BEFORE = "a.id < ${0}"
AUDIT_ORDER = "ORDER BY a.id DESC LIMIT ${0}"

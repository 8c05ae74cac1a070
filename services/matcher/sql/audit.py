"""SQL of the matcher's audit log: one insert per action, and the organisers' filtered read (newest first)."""

INSERT_AUDIT = """
INSERT INTO matcher.audit_log
    (actor_token_id, actor_role, actor_organisation_id, action, entity, entity_id,
     organisation_id, event_id, changes, request_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
"""

# The read: AUDIT_BASE, then any of the filters (each with the next parameter number), then AUDIT_ORDER.
AUDIT_BASE = """
SELECT a.id, a.at, a.actor_token_id, a.actor_role, a.actor_organisation_id, a.action, a.entity, a.entity_id,
       a.organisation_id, a.event_id, a.changes, a.request_id
FROM matcher.audit_log AS a
WHERE true"""
FILTER_EVENT = "a.event_id = ${0}"
FILTER_ENTITY = "a.entity = ${0}"
FILTER_ENTITY_ID = "a.entity_id = ${0}"
FILTER_ACTION = "a.action = ${0}"
FILTER_ORGANISATION = "a.organisation_id = ${0}"
FILTER_SINCE = "a.at >= ${0}"
FILTER_BEFORE = "a.id < ${0}"
AUDIT_ORDER = "ORDER BY a.id DESC LIMIT ${0}"

# Whose agenda a link opens (for the entry of its revocation). $1 link id.
SELECT_LINK_SUBJECT = "SELECT organisation_id, table_index FROM matcher.agenda_links WHERE id = $1"

"""SQL of the audit log."""

INSERT_AUDIT = """
INSERT INTO registry.audit_log
    (actor_token_id, actor_role, actor_organisation_id, action, entity, entity_id,
     organisation_id, event_id, changes, request_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
"""

"""SQL of walk-in registration: a firm registered at the reception on the event's day."""

SELECT_ORGANISATION_BY_ORGNR = """
SELECT id, kind, name, languages, erased_at FROM registry.organisations WHERE orgnr = $1 FOR UPDATE
"""

# A walk-in is an SME with every slot of the day open and the event's default number of meetings.
INSERT_WALK_IN_REGISTRATION = """
INSERT INTO registry.registrations
    (event_id, organisation_id, kind, available_slots, max_meetings, languages, tables, representatives, note)
VALUES ($1, $2, 'sme', NULL, $3, $4, NULL, '[]'::jsonb, $5)
RETURNING id
"""

REACTIVATE_WALK_IN_REGISTRATION = """
UPDATE registry.registrations
SET available_slots = NULL, max_meetings = $2, languages = $3, note = $4,
    status = 'active', cancelled_at = NULL, cancel_reason = '', cancelled_after_publication = false,
    version = version + 1, updated_at = now()
WHERE id = $1
"""

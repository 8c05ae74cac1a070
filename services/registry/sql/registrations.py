"""SQL of registrations and their interests (ranked wanted needs, brought needs, wished SMEs)."""

# The read model: the registration, its organisation's name and its interest lists.
_REGISTRATION_SELECT = """
SELECT r.id, r.event_id, r.organisation_id, o.name AS organisation_name, o.sort_name AS organisation_sort_name,
       r.kind, r.status, r.available_slots,
       r.languages, r.note, r.max_meetings, r.tables, r.representatives, r.cancelled_at, r.cancel_reason,
       r.support_requested, r.support_note,
       r.cancelled_after_publication, r.version, r.created_at, r.updated_at,
       ARRAY(SELECT rn.need_id FROM registry.registration_needs rn
             WHERE rn.registration_id = r.id AND rn.rank IS NOT NULL ORDER BY rn.rank) AS wanted_needs,
       ARRAY(SELECT rn.need_id FROM registry.registration_needs rn
             WHERE rn.registration_id = r.id AND rn.rank IS NULL ORDER BY rn.need_id) AS brought_needs,
       ARRAY(SELECT w.sme_id FROM registry.registration_wishes w
             WHERE w.registration_id = r.id ORDER BY w.rank NULLS LAST, w.sme_id) AS wanted_smes
FROM registry.registrations r
JOIN registry.organisations o ON o.id = r.organisation_id
"""

SELECT_REGISTRATION = _REGISTRATION_SELECT + "WHERE r.id = $1"

SELECT_OWN_REGISTRATIONS = _REGISTRATION_SELECT + "WHERE r.event_id = $1 AND r.organisation_id = $2"

# Keyset page over (organisation name in Swedish order, id).
# $2 kind, $3 status or NULL; $4/$5 cursor or NULL; $6 limit + 1.
LIST_REGISTRATIONS = (
    _REGISTRATION_SELECT
    + """WHERE r.event_id = $1
  AND ($2::text IS NULL OR r.kind = $2)
  AND ($3::text IS NULL OR r.status = $3)
  AND ($4::text IS NULL OR (o.sort_name, r.id) > ($4, $5::uuid))
ORDER BY o.sort_name, r.id
LIMIT $6
"""
)

# What participants may know about each other: which buyers come and which of their needs they bring.
# Needs still in planning (or cancelled) stay hidden, as everywhere for non-owners; no people.
LIST_ATTENDING_BUYERS = """
SELECT o.id AS organisation_id, o.name,
       coalesce((SELECT jsonb_agg(jsonb_build_object('id', n.id, 'title', n.title) ORDER BY n.title, n.id)
                 FROM registry.registration_needs rn
                 JOIN registry.needs n ON n.id = rn.need_id
                 WHERE rn.registration_id = r.id AND rn.rank IS NULL
                   AND n.status NOT IN ('planning', 'cancelled')), '[]'::jsonb) AS brought_needs
FROM registry.registrations r
JOIN registry.organisations o ON o.id = r.organisation_id
WHERE r.event_id = $1 AND r.kind = 'buyer' AND r.status = 'active'
ORDER BY o.sort_name, o.id
"""

SELECT_ORGANISATION = "SELECT id, kind, name, languages, erased_at FROM registry.organisations WHERE id = $1"

SELECT_ORGANISATIONS = "SELECT id, kind, erased_at FROM registry.organisations WHERE id = ANY ($1::uuid[])"

SELECT_NEEDS = """
SELECT n.id, n.buyer_id, n.status, o.kind AS owner_kind
FROM registry.needs n
JOIN registry.organisations o ON o.id = n.buyer_id
WHERE n.id = ANY ($1::uuid[])
"""

SELECT_REGISTRATION_OWNER = "SELECT organisation_id, event_id FROM registry.registrations WHERE id = $1"

SELECT_REGISTRATION_EVENT = "SELECT event_id FROM registry.registrations WHERE id = $1"

SELECT_REGISTRATION_VERSION = "SELECT version FROM registry.registrations WHERE id = $1"

# Taken after the event's lock (FOR SHARE), never before: the same order as grid updates, so no deadlock.
LOCK_REGISTRATION = """
SELECT id, event_id, organisation_id, kind, status, version, available_slots, max_meetings, languages,
       tables, representatives, note, support_requested, support_note
FROM registry.registrations WHERE id = $1 FOR UPDATE
"""

LOCK_EXISTING_REGISTRATION = """
SELECT id, status FROM registry.registrations WHERE event_id = $1 AND organisation_id = $2 FOR UPDATE
"""

# One registration per organisation and event (UNIQUE (event_id, organisation_id) in 0002_registry_core.sql).
REGISTRATION_UNIQUE = "registrations_event_id_organisation_id_key"

INSERT_REGISTRATION = """
INSERT INTO registry.registrations
    (event_id, organisation_id, kind, available_slots, max_meetings, languages, tables, representatives, note,
     support_requested, support_note)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
RETURNING id
"""

# A cancelled registration signed up again: same row, fresh content, active again.
REACTIVATE_REGISTRATION = """
UPDATE registry.registrations
SET available_slots = $2, max_meetings = $3, languages = $4, tables = $5, representatives = $6, note = $7,
    support_requested = $8, support_note = $9,
    status = 'active', cancelled_at = NULL, cancel_reason = '', cancelled_after_publication = false,
    version = version + 1, updated_at = now()
WHERE id = $1
"""

UPDATE_REGISTRATION = """
UPDATE registry.registrations
SET available_slots = $2, max_meetings = $3, languages = $4, tables = $5, representatives = $6, note = $7,
    support_requested = $8, support_note = $9, version = version + 1, updated_at = now()
WHERE id = $1
"""

CANCEL_REGISTRATION = """
UPDATE registry.registrations
SET status = 'cancelled', cancelled_at = now(), cancel_reason = $2, cancelled_after_publication = $3,
    version = version + 1, updated_at = now()
WHERE id = $1
"""

DELETE_REGISTRATION_NEEDS = "DELETE FROM registry.registration_needs WHERE registration_id = $1"

# $2 need ids, $3 their ranks (NULLs for brought needs), position by position.
INSERT_REGISTRATION_NEEDS = """
INSERT INTO registry.registration_needs (registration_id, need_id, rank)
SELECT $1, need_id, rank FROM unnest($2::uuid[], $3::integer[]) AS t (need_id, rank)
"""

DELETE_REGISTRATION_WISHES = "DELETE FROM registry.registration_wishes WHERE registration_id = $1"

INSERT_REGISTRATION_WISHES = """
INSERT INTO registry.registration_wishes (registration_id, sme_id, rank)
SELECT $1, sme_id, rank FROM unnest($2::uuid[]) WITH ORDINALITY AS t (sme_id, rank)
"""

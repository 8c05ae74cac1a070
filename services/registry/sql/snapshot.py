"""SQL of the event snapshot: a handful of set-based reads, all run in one repeatable-read transaction.

Each query takes the event id as $1 and returns every row of its kind for the whole event at once,
so the snapshot costs the same few round trips for 5 SMEs or 500.
"""

from shared.organisation_profile import SNAPSHOT_COLUMNS

# now() is the start of the snapshot's transaction: the moment its data is from.
SELECT_EVENT = """
SELECT now() AS generated_at, id, name, venue, event_date, time_zone, status, tables, day_start, day_end,
       meeting_minutes, changeover_minutes, breaks,
       default_meetings_per_sme, max_meetings_per_sme, min_relevance_percent
FROM registry.events
WHERE id = $1
"""

# The amount in force on a date is the row with the latest valid_from <= that date, per kind.
SELECT_THRESHOLDS_IN_FORCE = """
SELECT DISTINCT ON (kind) kind, amount_sek, valid_from
FROM registry.procurement_thresholds
WHERE valid_from <= $1
ORDER BY kind, valid_from DESC
"""

# Active registrations with their organisation's profile, plus those cancelled after publication
# (the matcher re-plans around them; registrations cancelled before publication never mattered).
# Only buyers' representatives are read: decoding every SME's empty jsonb cost ~3 ms per 300 SMEs.
# The organisation's columns are those of shared.organisation_profile's snapshot fields.
SELECT_REGISTRATIONS = f"""
SELECT r.id AS registration_id, r.organisation_id, r.kind, r.status, r.available_slots, r.max_meetings,
       r.languages AS registration_languages, r.tables,
       CASE WHEN r.kind = 'buyer' THEN r.representatives END AS representatives, r.cancelled_at,
       r.cancelled_after_publication, r.support_requested, r.support_note,
       {", ".join(f"o.{column}" for column in SNAPSHOT_COLUMNS)}
FROM registry.registrations AS r
JOIN registry.organisations AS o ON o.id = r.organisation_id
WHERE r.event_id = $1
  AND (r.status = 'active' OR (r.status = 'cancelled' AND r.cancelled_after_publication))
"""  # noqa: S608 - built from constants only

# SMEs' wanted needs (ranked) and buyers' brought needs (rank NULL) of active registrations.
SELECT_REGISTRATION_NEEDS = """
SELECT rn.registration_id, rn.need_id, rn.rank
FROM registry.registration_needs AS rn
JOIN registry.registrations AS r ON r.id = rn.registration_id
WHERE r.event_id = $1 AND r.status = 'active'
"""

SELECT_WISHES = """
SELECT w.registration_id, w.sme_id
FROM registry.registration_wishes AS w
JOIN registry.registrations AS r ON r.id = w.registration_id
WHERE r.event_id = $1 AND r.status = 'active'
"""

# Every need referenced by an active registration of the event (brought or wanted).
SELECT_NEEDS = """
SELECT n.id, n.buyer_id, n.title, n.description, n.cpv_main, n.cpv_additional, n.estimated_value_sek,
       n.procedure, n.planned_tender_date, n.delivery_municipality, n.suitable_for_smes, n.status, n.lots
FROM registry.needs AS n
WHERE n.id IN (
    SELECT rn.need_id
    FROM registry.registration_needs AS rn
    JOIN registry.registrations AS r ON r.id = rn.registration_id
    WHERE r.event_id = $1 AND r.status = 'active'
)
"""

SELECT_CONTACTS = """
SELECT c.organisation_id, c.id, c.position, c.name, c.title, c.email, c.phone
FROM registry.contacts AS c
JOIN registry.registrations AS r ON r.organisation_id = c.organisation_id
WHERE r.event_id = $1 AND r.status = 'active'
"""

SELECT_PAIR_RULES = """
SELECT sme_id, buyer_id, rule, reason
FROM registry.pair_rules
WHERE event_id = $1
"""

"""SQL of the reception: who of an event's participants has arrived, and the stand-by list.

Rows hold organisation ids only (names come from the published version's snapshot). Every time is a
parameter given by the application's clock (``shared/clock.py``), never ``now()``.
"""

ARRIVAL_COLUMNS = "event_id, organisation_id, arrived_at, how, by_token_id, by_role"

# The published version's day and participants: id, name, kind, the SME's meeting cap and available slots,
# its meetings in the version, and whether its sign-up was cancelled after publication. $1 event.
SELECT_PUBLISHED_PARTICIPANTS = """
WITH v AS (
    SELECT id, number, snapshot FROM matcher.schedule_versions WHERE event_id = $1 AND status = 'published'
), parts AS (
    SELECT (p -> 'organisation' ->> 'id')::uuid AS id, p -> 'organisation' ->> 'name' AS name, 'sme' AS kind,
           (p ->> 'max_meetings')::integer AS max_meetings,
           ARRAY(SELECT jsonb_array_elements_text(p -> 'available_slots')::integer) AS available_slots
    FROM v, jsonb_array_elements(v.snapshot -> 'smes') AS p
    UNION ALL
    SELECT (p -> 'organisation' ->> 'id')::uuid, p -> 'organisation' ->> 'name', 'buyer', NULL, NULL
    FROM v, jsonb_array_elements(v.snapshot -> 'buyers') AS p
)
SELECT parts.id, parts.name, parts.kind, parts.max_meetings, parts.available_slots,
       ARRAY(SELECT m.slot FROM matcher.schedule_meetings AS m, v
             WHERE m.version_id = v.id AND (m.sme_id = parts.id OR m.buyer_id = parts.id)
             ORDER BY m.slot) AS meeting_slots,
       EXISTS (SELECT 1 FROM matcher.cancellations AS c, v
               WHERE c.event_id = $1 AND c.organisation_id = parts.id AND c.up_to_version >= v.number) AS cancelled
FROM parts
ORDER BY lower(parts.name), parts.id
"""

# The published version's event (date, time zone) for the "is it the day" check. $1 event.
SELECT_PUBLISHED_EVENT = """
SELECT snapshot -> 'event' ->> 'date' AS event_date, snapshot -> 'event' ->> 'time_zone' AS time_zone
FROM matcher.schedule_versions WHERE event_id = $1 AND status = 'published'
"""

# Checking in twice changes nothing: the first arrival stays. $1 event, $2 organisation, $3 at, $4 how,
# $5 token, $6 role.
INSERT_ARRIVAL = f"""
INSERT INTO matcher.arrivals (event_id, organisation_id, arrived_at, how, by_token_id, by_role)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (event_id, organisation_id) DO NOTHING
RETURNING {ARRIVAL_COLUMNS}
"""  # noqa: S608 - built from constants only

# $1 event, $2 organisation.
SELECT_ARRIVAL = f"""
SELECT {ARRIVAL_COLUMNS} FROM matcher.arrivals WHERE event_id = $1 AND organisation_id = $2
"""  # noqa: S608 - built from constants only

# $1 event.
SELECT_ARRIVALS = f"""
SELECT {ARRIVAL_COLUMNS} FROM matcher.arrivals WHERE event_id = $1 ORDER BY arrived_at, organisation_id
"""  # noqa: S608 - built from constants only

# $1 event, $2 organisation.
DELETE_ARRIVAL = f"""
DELETE FROM matcher.arrivals WHERE event_id = $1 AND organisation_id = $2 RETURNING {ARRIVAL_COLUMNS}
"""  # noqa: S608 - built from constants only

STANDBY_COLUMNS = "event_id, organisation_id, source, since, left_at"

# $1 event, $2 organisation.
LOCK_STANDBY = f"""
SELECT {STANDBY_COLUMNS} FROM matcher.standby WHERE event_id = $1 AND organisation_id = $2 FOR UPDATE
"""  # noqa: S608 - built from constants only

# On the list (again): a firm that left and comes back is on it from now (a walk-in stays one).
# $1 event, $2 organisation, $3 source, $4 since.
UPSERT_STANDBY = f"""
INSERT INTO matcher.standby AS s (event_id, organisation_id, source, since)
VALUES ($1, $2, $3, $4)
ON CONFLICT (event_id, organisation_id) DO UPDATE
SET source = CASE WHEN s.source = 'walk_in' THEN s.source ELSE EXCLUDED.source END,
    since = EXCLUDED.since,
    left_at = NULL
RETURNING {STANDBY_COLUMNS}
"""  # noqa: S608 - built from constants only

# $1 event, $2 organisation, $3 left at.
LEAVE_STANDBY = f"""
UPDATE matcher.standby SET left_at = $3
WHERE event_id = $1 AND organisation_id = $2 AND left_at IS NULL
RETURNING {STANDBY_COLUMNS}
"""  # noqa: S608 - built from constants only

# Who is on the list now. $1 event.
SELECT_STANDBY = f"""
SELECT {STANDBY_COLUMNS} FROM matcher.standby WHERE event_id = $1 AND left_at IS NULL
ORDER BY since, organisation_id
"""  # noqa: S608 - built from constants only

# Privacy: an organisation's arrivals and stand-by rows across events (export), and their deletion
# (erasure). $1 organisation.
SELECT_ORGANISATION_ARRIVALS = f"""
SELECT {ARRIVAL_COLUMNS} FROM matcher.arrivals WHERE organisation_id = $1 ORDER BY arrived_at, event_id
"""  # noqa: S608 - built from constants only

SELECT_ORGANISATION_STANDBY = f"""
SELECT {STANDBY_COLUMNS} FROM matcher.standby WHERE organisation_id = $1 ORDER BY since, event_id
"""  # noqa: S608 - built from constants only

DELETE_ORGANISATION_ARRIVALS = "DELETE FROM matcher.arrivals WHERE organisation_id = $1"

DELETE_ORGANISATION_STANDBY = "DELETE FROM matcher.standby WHERE organisation_id = $1"

# Is the firm on the list now? $1 event, $2 organisation.
SELECT_STANDBY_ONE = """
SELECT 1 FROM matcher.standby WHERE event_id = $1 AND organisation_id = $2 AND left_at IS NULL
"""

# The SMEs meeting this buyer in the version that have checked in (the buyer's agenda shows them).
# $1 event, $2 version, $3 buyer.
SELECT_ARRIVED_COUNTERPARTS = """
SELECT DISTINCT m.sme_id FROM matcher.schedule_meetings AS m
JOIN matcher.arrivals AS a ON a.event_id = $1 AND a.organisation_id = m.sme_id
WHERE m.version_id = $2 AND m.buyer_id = $3
ORDER BY m.sme_id
"""

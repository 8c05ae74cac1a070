"""SQL of the event day's meetings: their status (held, no-show, cancelled on the day), declines and busy
slots, the table-slots they free for the live fill, the day settings and the organiser's day summary.

Every time is a parameter given by the application's clock (``shared/clock.py``), never ``now()``.
"""

# The live fill (onsite/live_fill.py) LISTENs here: an event has a new open freed slot (payload: event id).
LIVE_FILL_CHANNEL = "matcher_live_fill"

# $1 event id as text. Sent in the transaction that inserts the freed slot, so it is heard after commit.
NOTIFY_LIVE_FILL = f"SELECT pg_notify('{LIVE_FILL_CHANNEL}', $1::text)"

# The published version with what the day needs of its snapshot (date, time zone, slots) and the firms
# whose sign-up was cancelled after it was published (their meetings are off). $1 event.
SELECT_PUBLISHED_DAY = """
SELECT v.id, v.number, v.snapshot -> 'event' AS event,
       ARRAY(SELECT c.organisation_id FROM matcher.cancellations AS c
             WHERE c.event_id = v.event_id AND c.up_to_version >= v.number) AS cancelled
FROM matcher.schedule_versions AS v
WHERE v.event_id = $1 AND v.status = 'published'
"""

# The names of the published version's participants (organisers' summary and review list). $1 version.
SELECT_PARTICIPANT_NAMES = """
SELECT (p -> 'organisation' ->> 'id')::uuid AS id, p -> 'organisation' ->> 'name' AS name, kind
FROM matcher.schedule_versions AS v,
     LATERAL (SELECT jsonb_array_elements(v.snapshot -> 'smes') AS p, 'sme' AS kind
              UNION ALL
              SELECT jsonb_array_elements(v.snapshot -> 'buyers'), 'buyer') AS parts
WHERE v.id = $1
"""

# $1 version, $2 SME, $3 buyer.
SELECT_MEETING = """
SELECT sme_id, buyer_id, slot, table_index FROM matcher.schedule_meetings
WHERE version_id = $1 AND sme_id = $2 AND buyer_id = $3
"""

# One organisation's meetings in a version (as SME or as buyer). $1 version, $2 organisation.
SELECT_ORGANISATION_MEETINGS = """
SELECT sme_id, buyer_id, slot, table_index FROM matcher.schedule_meetings
WHERE version_id = $1 AND (sme_id = $2 OR buyer_id = $2)
ORDER BY slot, buyer_id, table_index
"""

# $1 version.
SELECT_VERSION_MEETINGS = """
SELECT sme_id, buyer_id, slot, table_index FROM matcher.schedule_meetings WHERE version_id = $1
"""

# Marks of one meeting wait for each other (two phones tapping at once give one record and one freed
# slot). $1 event, $2 SME, $3 buyer.
LOCK_MEETING = """
SELECT pg_advisory_xact_lock(hashtextextended(
    'matcher.meeting_status:' || $1::uuid::text || ':' || $2::uuid::text || ':' || $3::uuid::text, 0))
"""

STATUS_COLUMNS = "event_id, sme_id, buyer_id, status, version_id, marked_at, by_token_id, by_role"

# $1 event, $2 SME, $3 buyer.
SELECT_STATUS = f"""
SELECT {STATUS_COLUMNS} FROM matcher.meeting_status WHERE event_id = $1 AND sme_id = $2 AND buyer_id = $3
"""  # noqa: S608 - built from constants only

# The later mark wins. $1 event, $2 SME, $3 buyer, $4 status, $5 version, $6 marked at, $7 token, $8 role.
UPSERT_STATUS = f"""
INSERT INTO matcher.meeting_status (event_id, sme_id, buyer_id, status, version_id, marked_at, by_token_id, by_role)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (event_id, sme_id, buyer_id) DO UPDATE
SET status = EXCLUDED.status, version_id = EXCLUDED.version_id, marked_at = EXCLUDED.marked_at,
    by_token_id = EXCLUDED.by_token_id, by_role = EXCLUDED.by_role
RETURNING {STATUS_COLUMNS}
"""  # noqa: S608 - built from constants only

# A meeting called off by a decline keeps a mark made before it (held stays held). Same parameters.
INSERT_STATUS_IF_NONE = f"""
INSERT INTO matcher.meeting_status (event_id, sme_id, buyer_id, status, version_id, marked_at, by_token_id, by_role)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (event_id, sme_id, buyer_id) DO NOTHING
RETURNING {STATUS_COLUMNS}
"""  # noqa: S608 - built from constants only

# Statuses of the event's meetings (of one organisation when $2 is given). $1 event, $2 organisation or NULL.
SELECT_STATUSES = f"""
SELECT {STATUS_COLUMNS} FROM matcher.meeting_status
WHERE event_id = $1 AND ($2::uuid IS NULL OR sme_id = $2 OR buyer_id = $2)
ORDER BY marked_at, sme_id, buyer_id
"""  # noqa: S608 - built from constants only

# A freed table-slot, once per meeting that was there (a second mark of the same meeting frees nothing
# more; one taken back by an undo does not count). $1 event, $2 buyer, $3 slot, $4 table, $5 cause, $6 SME
# that was there, $7 freed at, $8 buyer of the marked meeting whose mark frees it (NULL: a decline).
INSERT_FREED_SLOT = """
INSERT INTO matcher.freed_slots (event_id, buyer_id, slot, table_index, cause, sme_id, freed_at, marked_buyer_id)
SELECT $1, $2, $3, $4, $5, $6, $7, $8
WHERE NOT EXISTS (
    SELECT 1 FROM matcher.freed_slots
    WHERE event_id = $1 AND buyer_id = $2 AND slot = $3 AND table_index = $4 AND sme_id IS NOT DISTINCT FROM $6
      AND state <> 'withdrawn'
)
ON CONFLICT DO NOTHING
RETURNING id
"""

# A mark set back to planned. $1 event, $2 SME, $3 buyer.
DELETE_STATUS = f"""
DELETE FROM matcher.meeting_status WHERE event_id = $1 AND sme_id = $2 AND buyer_id = $3 RETURNING {STATUS_COLUMNS}
"""  # noqa: S608 - built from constants only

# The table-slots the mark of meeting (SME $2, buyer $3) freed that were not taken back. $1 event.
SELECT_MARK_FREED = """
SELECT id, buyer_id, slot, table_index, sme_id, state, filled_sme_id FROM matcher.freed_slots
WHERE event_id = $1 AND sme_id = $2 AND marked_buyer_id = $3 AND state <> 'withdrawn'
ORDER BY slot, id
FOR UPDATE
"""

# An absent firm's meetings a no-show mark freed that nobody has been given yet (it checked in after all).
# $1 event, $2 SME.
SELECT_ABSENT_FREED = """
SELECT id, buyer_id, slot, table_index, sme_id, state, filled_sme_id FROM matcher.freed_slots
WHERE event_id = $1 AND sme_id = $2 AND cause = 'no_show' AND marked_buyer_id IS NOT NULL AND state = 'open'
ORDER BY slot, id
FOR UPDATE
"""

# Has the firm such freed meetings at all (checked before the check-in takes the schedule lock)? $1 event, $2 SME.
ANY_ABSENT_FREED = """
SELECT 1 FROM matcher.freed_slots
WHERE event_id = $1 AND sme_id = $2 AND cause = 'no_show' AND marked_buyer_id IS NOT NULL AND state = 'open'
LIMIT 1
"""

# Freed slots taken back before anyone got them. $1 ids, $2 when.
WITHDRAW_FREED = """
UPDATE matcher.freed_slots SET state = 'withdrawn', withdrawn_at = $2 WHERE id = ANY($1::bigint[]) AND state = 'open'
"""

# Has the organisation checked in? $1 event, $2 organisation.
SELECT_ARRIVED = "SELECT 1 FROM matcher.arrivals WHERE event_id = $1 AND organisation_id = $2"

# Declines and busy slots.
UNAVAILABILITY_COLUMNS = "id, event_id, organisation_id, kind, counterpart_id, slot, reason, state, created_at"

# ON CONFLICT without a target: either partial unique index (one decline per counterpart, one busy per slot)
# makes a repeat insert nothing, and the caller reads the row that is there.
# $1 event, $2 organisation, $3 kind, $4 counterpart, $5 slot, $6 reason, $7 state, $8 created at, $9 token.
INSERT_UNAVAILABILITY = f"""
INSERT INTO matcher.unavailability
    (event_id, organisation_id, kind, counterpart_id, slot, reason, state, created_at, by_token_id)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT DO NOTHING
RETURNING {UNAVAILABILITY_COLUMNS}
"""  # noqa: S608 - built from constants only

# $1 event, $2 organisation, $3 kind, $4 counterpart, $5 slot.
SELECT_EXISTING_UNAVAILABILITY = f"""
SELECT {UNAVAILABILITY_COLUMNS} FROM matcher.unavailability
WHERE event_id = $1 AND organisation_id = $2 AND kind = $3
  AND counterpart_id IS NOT DISTINCT FROM $4 AND slot IS NOT DISTINCT FROM $5
"""  # noqa: S608 - built from constants only

# $1 event, $2 organisation or NULL, $3 kind or NULL, $4 state or NULL.
SELECT_UNAVAILABILITY = f"""
SELECT {UNAVAILABILITY_COLUMNS} FROM matcher.unavailability
WHERE event_id = $1 AND ($2::uuid IS NULL OR organisation_id = $2)
  AND ($3::text IS NULL OR kind = $3) AND ($4::text IS NULL OR state = $4)
ORDER BY created_at, id
"""  # noqa: S608 - built from constants only

# $1 event, $2 id.
LOCK_UNAVAILABILITY = f"""
SELECT {UNAVAILABILITY_COLUMNS} FROM matcher.unavailability WHERE event_id = $1 AND id = $2 FOR UPDATE
"""  # noqa: S608 - built from constants only

# $1 id, $2 state.
SET_UNAVAILABILITY_STATE = f"""
UPDATE matcher.unavailability SET state = $2 WHERE id = $1 RETURNING {UNAVAILABILITY_COLUMNS}
"""  # noqa: S608 - built from constants only

# An applied decline keeps the pair apart in the re-plan, as the organiser's forbid rule does; the rule's
# reason is a fixed text (the participant's own words stay in matcher.unavailability).
# $1 event, $2 SME, $3 buyer, $4 reason, $5 token.
UPSERT_DECLINE_RULE = """
INSERT INTO matcher.schedule_rules (event_id, sme_id, buyer_id, rule, reason, created_by)
VALUES ($1, $2, $3, 'forbid', $4, $5)
ON CONFLICT (event_id, sme_id, buyer_id) DO UPDATE
SET rule = 'forbid', slot = NULL, table_index = NULL, reason = EXCLUDED.reason, created_by = EXCLUDED.created_by
"""

# Busy slots already applied, per organisation, for a re-plan to leave out of their availability. $1 event.
SELECT_APPLIED_BUSY = """
SELECT organisation_id, array_agg(slot ORDER BY slot) AS slots FROM matcher.unavailability
WHERE event_id = $1 AND kind = 'busy' AND state = 'applied'
GROUP BY organisation_id
"""

# Day settings (no row: the defaults).
DAY_SETTINGS_COLUMNS = """
    event_id, frozen_horizon_minutes, live_mode, declines_before_day, remind_signup_days_before,
    remind_agenda_day_before, remind_minutes_before, updated_at, updated_by, avoid_repeat_pairs
"""

# $1 event.
SELECT_DAY_SETTINGS = f"SELECT {DAY_SETTINGS_COLUMNS} FROM matcher.event_day_settings WHERE event_id = $1"  # noqa: S608

# The row to compare If-Match against, locked; a first PUT races on the primary key instead. $1 event.
LOCK_DAY_SETTINGS = f"""
SELECT {DAY_SETTINGS_COLUMNS} FROM matcher.event_day_settings WHERE event_id = $1 FOR UPDATE
"""  # noqa: S608 - built from constants only

# $1 event, $2 horizon, $3 live mode, $4 declines before the day, $5 signup reminder days, $6 agenda the
# day before, $7 minutes before meetings, $8 updated at, $9 by token, $10 avoid repeat pairs.
UPSERT_DAY_SETTINGS = f"""
INSERT INTO matcher.event_day_settings
    (event_id, frozen_horizon_minutes, live_mode, declines_before_day, remind_signup_days_before,
     remind_agenda_day_before, remind_minutes_before, updated_at, updated_by, avoid_repeat_pairs)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)
ON CONFLICT (event_id) DO UPDATE
SET frozen_horizon_minutes = EXCLUDED.frozen_horizon_minutes, live_mode = EXCLUDED.live_mode,
    declines_before_day = EXCLUDED.declines_before_day,
    remind_signup_days_before = EXCLUDED.remind_signup_days_before,
    remind_agenda_day_before = EXCLUDED.remind_agenda_day_before,
    remind_minutes_before = EXCLUDED.remind_minutes_before, avoid_repeat_pairs = EXCLUDED.avoid_repeat_pairs,
    updated_at = EXCLUDED.updated_at, updated_by = EXCLUDED.updated_by
RETURNING {DAY_SETTINGS_COLUMNS}
"""  # noqa: S608 - built from constants only

# The day summary.
# $1 event.
SELECT_ARRIVED_IDS = "SELECT organisation_id FROM matcher.arrivals WHERE event_id = $1"

# $1 event.
SELECT_FREED_SLOTS = """
SELECT id, buyer_id, slot, table_index, cause, sme_id, freed_at, state, filled_sme_id, filled_at, withdrawn_at
FROM matcher.freed_slots WHERE event_id = $1
ORDER BY slot, freed_at, id
"""

# Personal data (services/matcher/privacy/): a decline's reason is the only free text of the day's tables.
# An erased organisation's own reasons go entirely. $1 organisation.
CLEAR_ORGANISATION_REASONS = """
UPDATE matcher.unavailability SET reason = '' WHERE organisation_id = $1 AND reason <> ''
"""

# Others' reasons in the erased organisation's events, to scrub its names from. $1 events.
SELECT_EVENT_REASONS = """
SELECT id, reason FROM matcher.unavailability WHERE event_id = ANY($1::uuid[]) AND reason <> ''
"""

# $1 id, $2 reason.
UPDATE_REASON = "UPDATE matcher.unavailability SET reason = $2 WHERE id = $1"

# The export. $1 organisation.
EXPORT_UNAVAILABILITY = """
SELECT event_id, kind, counterpart_id, slot, reason, state, created_at
FROM matcher.unavailability WHERE organisation_id = $1
ORDER BY created_at, id
"""

# $1 organisation.
EXPORT_MEETING_STATUS = """
SELECT event_id, sme_id, buyer_id, status, marked_at
FROM matcher.meeting_status WHERE sme_id = $1 OR buyer_id = $1
ORDER BY marked_at, event_id
"""

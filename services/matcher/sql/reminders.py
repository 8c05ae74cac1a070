"""SQL of reminders before the day (``matcher.reminders``, ``matcher.reminder_plans``; migration 0011).

Every time is a parameter from the application's clock, never ``now()``. A reminder is one row, unique
per (event, organisation, kind, counterpart); a scheduler claims due rows with ``FOR UPDATE SKIP LOCKED``
and writes each one's e-mail to the outbox and marks it sent in the same transaction.
"""

# Per published event: what its reminders depend on, as one fingerprint (the version and its revision,
# cancellations after publication, the day and feedback settings, meetings called off on the day), and what the
# reminders were last planned from.
SELECT_PLAN_FINGERPRINTS = """
SELECT v.event_id,
       md5(concat_ws('|', v.id::text, v.revision::text,
           (SELECT string_agg(c.organisation_id::text, ',' ORDER BY c.organisation_id)
            FROM matcher.cancellations AS c WHERE c.event_id = v.event_id AND c.up_to_version >= v.number),
           (SELECT concat_ws(',', s.remind_agenda_day_before, s.remind_minutes_before)
            FROM matcher.event_day_settings AS s WHERE s.event_id = v.event_id),
           (SELECT string_agg(m.sme_id::text || '/' || m.buyer_id::text, ',' ORDER BY m.sme_id, m.buyer_id)
            FROM matcher.meeting_status AS m WHERE m.event_id = v.event_id AND m.status = 'cancelled_day'),
           (SELECT concat_ws(',', f.after_day_time, f.reminder_days, f.open_days)
            FROM matcher.feedback_settings AS f WHERE f.event_id = v.event_id)
       )) AS fingerprint,
       p.fingerprint AS planned_fingerprint
FROM matcher.schedule_versions AS v
LEFT JOIN matcher.reminder_plans AS p USING (event_id)
WHERE v.status = 'published'
"""

# $1 event.
ENSURE_PLAN_ROW = "INSERT INTO matcher.reminder_plans (event_id) VALUES ($1) ON CONFLICT (event_id) DO NOTHING"

# Serialises planning one event (the second scheduler waits, then finds the fingerprint current). $1 event.
LOCK_PLAN = "SELECT fingerprint FROM matcher.reminder_plans WHERE event_id = $1 FOR UPDATE"

# $1 event, $2 fingerprint, $3 now.
SET_PLANNED = "UPDATE matcher.reminder_plans SET fingerprint = $2, planned_at = $3 WHERE event_id = $1"

# $1 event.
SELECT_DAY_SETTINGS = """
SELECT remind_signup_days_before, remind_agenda_day_before, remind_minutes_before
FROM matcher.event_day_settings WHERE event_id = $1
"""

# Pairs whose meeting was called off on the day. $1 event.
SELECT_CANCELLED_ON_THE_DAY = """
SELECT sme_id, buyer_id FROM matcher.meeting_status WHERE event_id = $1 AND status = 'cancelled_day'
"""

# Upsert the reminders a plan wants. A row not yet sent takes the new time and version (a moved meeting moves
# its reminder; a cancelled one that came back is planned again); a sent meeting reminder whose meeting moved
# to another slot is planned again for the new time; any other sent, expired or skipped row stays as it is.
# $1 event, $2 organisations, $3 kinds, $4 counterparts (NULL for agenda), $5 slots, $6 version, $7 due times,
# $8 expiry times, $9 now.
UPSERT_PLANNED = """
INSERT INTO matcher.reminders
    (event_id, organisation_id, kind, counterpart_id, slot, version, due_at, expires_at, state, planned_at)
SELECT $1, organisation_id, kind, counterpart_id, slot, $6, due_at, expires_at, 'planned', $9
FROM unnest($2::uuid[], $3::text[], $4::uuid[], $5::int[], $7::timestamptz[], $8::timestamptz[])
    AS p(organisation_id, kind, counterpart_id, slot, due_at, expires_at)
ON CONFLICT ON CONSTRAINT reminders_once DO UPDATE
SET slot = EXCLUDED.slot, version = EXCLUDED.version, due_at = EXCLUDED.due_at, expires_at = EXCLUDED.expires_at,
    planned_at = EXCLUDED.planned_at, state = 'planned', settled_at = NULL
WHERE reminders.state IN ('planned', 'cancelled')
   OR (reminders.kind = 'meeting' AND reminders.slot IS DISTINCT FROM EXCLUDED.slot)
"""

# Planned reminders of the event (agenda, meeting, the feedback rounds') that the plan no longer wants
# (the meeting went away, the setting was turned off, the participant left). Same arrays as UPSERT_PLANNED's
# $2–$4; $5 now.
CANCEL_UNWANTED = """
UPDATE matcher.reminders AS r SET state = 'cancelled', settled_at = $5
WHERE r.event_id = $1 AND r.state = 'planned'
  AND r.kind IN ('agenda', 'meeting', 'feedback', 'feedback_reminder', 'follow_up', 'follow_up_reminder')
  AND NOT EXISTS (
      SELECT 1 FROM unnest($2::uuid[], $3::text[], $4::uuid[]) AS p(organisation_id, kind, counterpart_id)
      WHERE p.organisation_id = r.organisation_id AND p.kind = r.kind
        AND p.counterpart_id IS NOT DISTINCT FROM r.counterpart_id
  )
"""

REMINDER_COLUMNS = """
    id, event_id, organisation_id, kind, counterpart_id, slot, version, due_at, expires_at, state, outbox_id,
    planned_at, settled_at
"""

# Due planned rows, oldest first, locked; rows another scheduler holds are skipped. $1 now, $2 how many.
CLAIM_DUE = f"""
SELECT {REMINDER_COLUMNS} FROM matcher.reminders
WHERE state = 'planned' AND due_at <= $1
ORDER BY due_at, id
LIMIT $2
FOR UPDATE SKIP LOCKED
"""  # noqa: S608 - built from constants only

# $1 id, $2 outbox row, $3 now.
MARK_SENT = "UPDATE matcher.reminders SET state = 'sent', outbox_id = $2, settled_at = $3 WHERE id = $1"

# $1 id, $2 'expired' or 'skipped', $3 now.
MARK_SETTLED = "UPDATE matcher.reminders SET state = $2, settled_at = $3 WHERE id = $1"

# One reminder e-mail. $1 event, $2 kind, $3 address, $4 payload, $5 participant, $6 version (NULL: sign-up).
INSERT_OUTBOX_EMAIL = """
INSERT INTO matcher.outbox (event_id, kind, channel, destination, payload, participant_id, version)
VALUES ($1, $2, 'email', $3, $4, $5, $6)
RETURNING id
"""

# Events whose organisers turned the sign-up reminder on, with the deadline as last read. $1 now.
SELECT_SIGNUP_EVENTS = """
SELECT s.event_id, s.remind_signup_days_before AS days, p.signup_deadline, p.signup_checked_at
FROM matcher.event_day_settings AS s
LEFT JOIN matcher.reminder_plans AS p USING (event_id)
WHERE s.remind_signup_days_before IS NOT NULL
  AND (p.signup_deadline IS NULL OR p.signup_deadline > $1)
"""

# $1 event, $2 deadline, $3 now.
SET_SIGNUP_DEADLINE = """
INSERT INTO matcher.reminder_plans (event_id, signup_deadline, signup_checked_at) VALUES ($1, $2, $3)
ON CONFLICT (event_id) DO UPDATE SET signup_deadline = $2, signup_checked_at = $3
"""

# The sign-up reminders that go out now: one row per organisation, sent in this transaction; the ones that
# already had theirs are left out by the unique key. $1 event, $2 organisations, $3 due, $4 deadline, $5 now.
INSERT_SIGNUP_SENT = """
INSERT INTO matcher.reminders
    (event_id, organisation_id, kind, due_at, expires_at, state, planned_at, settled_at)
SELECT $1, organisation_id, 'signup', $3, $4, 'sent', $5, $5 FROM unnest($2::uuid[]) AS o(organisation_id)
ON CONFLICT ON CONSTRAINT reminders_once DO NOTHING
RETURNING id, organisation_id
"""

# Whether the event's sign-up reminders went out to anyone yet. $1 event.
ANY_SIGNUP_SENT = "SELECT EXISTS (SELECT 1 FROM matcher.reminders WHERE event_id = $1 AND kind = 'signup')"

# $1 id, $2 outbox row.
SET_OUTBOX = "UPDATE matcher.reminders SET outbox_id = $2 WHERE id = $1"

# Erasure: the organisation's reminders go (the e-mails they wrote are handled with the outbox). $1 organisation.
DELETE_ORGANISATION_REMINDERS = "DELETE FROM matcher.reminders WHERE organisation_id = $1 RETURNING id"

# Export: an organisation's reminders. $1 organisation.
EXPORT_REMINDERS = """
SELECT event_id, kind, counterpart_id, slot, version, due_at, state, settled_at
FROM matcher.reminders WHERE organisation_id = $1
ORDER BY event_id, due_at, id
"""

# $1 event (tests and the organiser's view).
SELECT_EVENT_REMINDERS = f"""
SELECT {REMINDER_COLUMNS} FROM matcher.reminders WHERE event_id = $1 ORDER BY due_at, organisation_id, id
"""  # noqa: S608 - built from constants only

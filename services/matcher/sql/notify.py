"""SQL of notifications: claiming and settling ``matcher.outbox`` rows, and the organisers' ``matcher.webhooks``.

Delivery is at least once. A claim moves the row's ``next_attempt_at`` forward by a visibility timeout in
the same statement that locks it (``FOR UPDATE SKIP LOCKED``), so other deliverers skip the row while it is
being sent, also after the claiming transaction has committed; if the deliverer dies mid-send, the row
becomes due again when that time runs out. A claim counts as an attempt (a row whose sending kills the
process stops after ``max`` tries too). A row is marked delivered only after its receiver accepted it.
A row given up on keeps ``delivered_at`` NULL, says why in ``last_error`` and is due again never
(``next_attempt_at = 'infinity'``), so an operator can retry it by setting ``next_attempt_at = now()``.

Per participant (migration 0008): a schedule notice that a newer one to the same participant supersedes
before it was sent is never sent (``superseded_by``); a participant's rows go out one at a time, oldest
first (``sending_until`` marks the one being sent), so nobody reads version 3 and then version 2.
"""

# The channel the outbox's trigger notifies after rows were inserted (migration 0005); deliverers LISTEN.
OUTBOX_CHANNEL = "matcher_outbox"

OUTBOX_COLUMNS = """
    id, event_id, kind, channel, destination, payload, attempts, next_attempt_at, delivered_at, last_error,
    created_at, participant_id, version
"""

# Notices that describe a participant's whole current agenda: a newer one makes an unsent older one moot.
COLLAPSIBLE_KINDS = ("schedule.published", "schedule.changed")
_COLLAPSIBLE = "('schedule.published', 'schedule.changed')"

# Claims are serialised by this transaction-level advisory lock (a claim takes milliseconds; sending happens
# after it commits). Under it, "is another row of this participant being sent?" has one answer at a time,
# which row locks alone cannot give (a claimed row is no longer locked once its claim commits).
LOCK_CLAIMS = "SELECT pg_advisory_xact_lock(hashtext('matcher.outbox.claim'))"

# Before claiming: each participant's live schedule notices older than its newest are marked superseded by
# it and never sent (the newest describes the current agenda, with calendar cancellations for what the
# older ones announced). Rows being sent right now are left alone: they may arrive, and the newest waits.
COLLAPSE_SUPERSEDED = f"""
WITH live AS (
    SELECT id, event_id, participant_id, channel, version, created_at, sending_until
    FROM matcher.outbox
    WHERE participant_id IS NOT NULL AND version IS NOT NULL AND kind IN {_COLLAPSIBLE}
      AND delivered_at IS NULL AND superseded_by IS NULL AND next_attempt_at <> 'infinity'
), newest AS (
    SELECT DISTINCT ON (event_id, participant_id, channel) id, event_id, participant_id, channel, version
    FROM live ORDER BY event_id, participant_id, channel, version DESC, created_at DESC
)
UPDATE matcher.outbox AS o
SET superseded_by = newest.id, next_attempt_at = 'infinity', sending_until = NULL,
    last_error = format('superseded by the notice of version %s before it was sent', newest.version)
FROM live JOIN newest USING (event_id, participant_id, channel)
WHERE o.id = live.id AND live.id <> newest.id AND live.version < newest.version
  AND (live.sending_until IS NULL OR live.sending_until <= now())
RETURNING o.id
"""  # noqa: S608 - built from constants only

# Due rows on the given channels, oldest first, locked, hidden for a while and counted as an attempt.
# Per participant (e-mails carry one; webhooks do not) at most one row is out at a time, and the oldest goes
# first: a participant with a row being sent gets nothing else until it is settled. Run under LOCK_CLAIMS.
# (Per event, and IS NOT DISTINCT FROM: a follower's need notices have no event.)
# $1 max attempts, $2 how many, $3 visibility timeout in seconds, $4 channels (text[]).
CLAIM_DUE = f"""
WITH due AS (
    SELECT id, event_id, participant_id, channel, next_attempt_at, created_at
    FROM matcher.outbox AS o
    WHERE delivered_at IS NULL AND next_attempt_at <= now() AND attempts < $1 AND channel = ANY($4::text[])
      AND NOT (participant_id IS NOT NULL AND EXISTS (
          SELECT 1 FROM matcher.outbox AS busy
          WHERE busy.event_id IS NOT DISTINCT FROM o.event_id AND busy.participant_id = o.participant_id
            AND busy.channel = o.channel AND busy.id <> o.id
            AND busy.delivered_at IS NULL AND busy.sending_until > now()
      ))
), first_each AS (
    SELECT DISTINCT ON (event_id, coalesce(participant_id, id), channel) id, next_attempt_at, created_at
    FROM due ORDER BY event_id, coalesce(participant_id, id), channel, created_at, id
), claimed AS (
    SELECT o.id FROM matcher.outbox AS o JOIN first_each USING (id)
    ORDER BY first_each.next_attempt_at, first_each.created_at
    LIMIT $2
    FOR UPDATE OF o SKIP LOCKED
)
UPDATE matcher.outbox AS o
SET next_attempt_at = now() + make_interval(secs => $3), attempts = o.attempts + 1,
    sending_until = now() + make_interval(secs => $3)
FROM claimed WHERE o.id = claimed.id
RETURNING {", ".join("o." + c.strip() for c in OUTBOX_COLUMNS.split(","))}
"""  # noqa: S608 - built from constants only

# The receiver accepted the row. $1 id.
MARK_DELIVERED = """
UPDATE matcher.outbox SET delivered_at = now(), sending_until = NULL
WHERE id = $1 AND delivered_at IS NULL
RETURNING id
"""

# This attempt failed for a passing reason; try again after the back-off. $1 id, $2 error, $3 back-off seconds.
RECORD_FAILURE = """
UPDATE matcher.outbox
SET last_error = left($2, 2000), next_attempt_at = now() + make_interval(secs => $3), sending_until = NULL
WHERE id = $1 AND delivered_at IS NULL
RETURNING attempts
"""

# No more attempts: the receiver is gone, refused for good, or the attempts ran out. $1 id, $2 why.
GIVE_UP = """
UPDATE matcher.outbox SET last_error = left($2, 2000), next_attempt_at = 'infinity', sending_until = NULL
WHERE id = $1 AND delivered_at IS NULL
RETURNING id
"""

# A deliverer stopping hands back the rows it claimed but did not settle; that attempt does not count.
# $1 ids (uuid[]).
RELEASE = """
UPDATE matcher.outbox SET next_attempt_at = now(), attempts = greatest(attempts - 1, 0), sending_until = NULL
WHERE id = ANY($1::uuid[]) AND delivered_at IS NULL
"""

# Rows a publish writes. $1 event, $2 kind, $3 channels, $4 destinations, $5 payloads (jsonb[]),
# $6 participants (uuid[], NULL for webhooks), $7 the version they describe.
INSERT_OUTBOX_ROWS = """
INSERT INTO matcher.outbox (event_id, kind, channel, destination, payload, participant_id, version)
SELECT $1, $2, channel, destination, payload, participant_id, $7
FROM unnest($3::text[], $4::text[], $5::jsonb[], $6::uuid[]) AS o(channel, destination, payload, participant_id)
"""

# What each participant of an event has been told by e-mail: the newest version delivered to it, and the
# versions of schedule notices still queued or being sent (they may yet arrive). $1 event.
SELECT_NOTICE_STATE = f"""
SELECT participant_id,
       max(version) FILTER (WHERE delivered_at IS NOT NULL) AS delivered_version,
       coalesce(array_agg(DISTINCT version) FILTER (
           WHERE delivered_at IS NULL AND superseded_by IS NULL AND next_attempt_at <> 'infinity'
       ), '{{}}') AS pending_versions
FROM matcher.outbox
WHERE event_id = $1 AND channel = 'email' AND participant_id IS NOT NULL AND version IS NOT NULL
  AND kind IN {_COLLAPSIBLE}
GROUP BY participant_id
"""  # noqa: S608 - built from constants only

SELECT_OUTBOX_ROW = f"SELECT {OUTBOX_COLUMNS} FROM matcher.outbox WHERE id = $1"  # noqa: S608

WEBHOOK_COLUMNS = "id, event_id, url, created_by, created_at"

# $1 event, $2 url, $3 secret, $4 created_by. Raises UniqueViolationError for a URL the event already has.
INSERT_WEBHOOK = f"""
INSERT INTO matcher.webhooks (event_id, url, secret, created_by)
VALUES ($1, $2, $3, $4)
RETURNING {WEBHOOK_COLUMNS}
"""  # noqa: S608 - built from constants only

# $1 event. Never the secrets.
SELECT_EVENT_WEBHOOKS = f"""
SELECT {WEBHOOK_COLUMNS} FROM matcher.webhooks WHERE event_id = $1 ORDER BY created_at, id
"""  # noqa: S608 - built from constants only

# $1 event, $2 webhook id.
DELETE_WEBHOOK = "DELETE FROM matcher.webhooks WHERE event_id = $1 AND id = $2 RETURNING id, url"

# What the deliverer signs with, read at send time (the outbox never holds secrets). $1 event, $2 url.
SELECT_WEBHOOK_SECRET = "SELECT secret FROM matcher.webhooks WHERE event_id = $1 AND url = $2"

"""SQL of notifications: claiming and settling ``matcher.outbox`` rows, and the organisers' ``matcher.webhooks``.

Delivery is at least once. A claim moves the row's ``next_attempt_at`` forward by a visibility timeout in
the same statement that locks it (``FOR UPDATE SKIP LOCKED``), so other deliverers skip the row while it is
being sent, also after the claiming transaction has committed; if the deliverer dies mid-send, the row
becomes due again when that time runs out. A claim counts as an attempt (a row whose sending kills the
process stops after ``max`` tries too). A row is marked delivered only after its receiver accepted it.
A row given up on keeps ``delivered_at`` NULL, says why in ``last_error`` and is due again never
(``next_attempt_at = 'infinity'``), so an operator can retry it by setting ``next_attempt_at = now()``.
"""

# The channel the outbox's trigger notifies after rows were inserted (migration 0005); deliverers LISTEN.
OUTBOX_CHANNEL = "matcher_outbox"

OUTBOX_COLUMNS = """
    id, event_id, kind, channel, destination, payload, attempts, next_attempt_at, delivered_at, last_error,
    created_at
"""

# Due rows on the given channels, oldest first, locked, hidden for a while and counted as an attempt.
# $1 max attempts, $2 how many, $3 visibility timeout in seconds, $4 channels (text[]).
CLAIM_DUE = f"""
WITH due AS (
    SELECT id FROM matcher.outbox
    WHERE delivered_at IS NULL AND next_attempt_at <= now() AND attempts < $1 AND channel = ANY($4::text[])
    ORDER BY next_attempt_at, created_at
    LIMIT $2
    FOR UPDATE SKIP LOCKED
)
UPDATE matcher.outbox AS o
SET next_attempt_at = now() + make_interval(secs => $3), attempts = o.attempts + 1
FROM due WHERE o.id = due.id
RETURNING {", ".join("o." + c.strip() for c in OUTBOX_COLUMNS.split(","))}
"""  # noqa: S608 - built from constants only

# The receiver accepted the row. $1 id.
MARK_DELIVERED = """
UPDATE matcher.outbox SET delivered_at = now()
WHERE id = $1 AND delivered_at IS NULL
RETURNING id
"""

# This attempt failed for a passing reason; try again after the back-off. $1 id, $2 error, $3 back-off seconds.
RECORD_FAILURE = """
UPDATE matcher.outbox
SET last_error = left($2, 2000), next_attempt_at = now() + make_interval(secs => $3)
WHERE id = $1 AND delivered_at IS NULL
RETURNING attempts
"""

# No more attempts: the receiver is gone, refused for good, or the attempts ran out. $1 id, $2 why.
GIVE_UP = """
UPDATE matcher.outbox SET last_error = left($2, 2000), next_attempt_at = 'infinity'
WHERE id = $1 AND delivered_at IS NULL
RETURNING id
"""

# A deliverer stopping hands back the rows it claimed but did not settle; that attempt does not count.
# $1 ids (uuid[]).
RELEASE = """
UPDATE matcher.outbox SET next_attempt_at = now(), attempts = greatest(attempts - 1, 0)
WHERE id = ANY($1::uuid[]) AND delivered_at IS NULL
"""

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

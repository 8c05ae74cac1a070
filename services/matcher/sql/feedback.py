"""SQL of feedback after the day (``matcher.feedback_*``; migration 0014).

Every time is a parameter from the application's clock, never ``now()``. The e-mails themselves are
reminder rows (kinds ``feedback`` and ``feedback_reminder``, :mod:`services.matcher.sql.reminders`) sent by
the reminder scheduler; these tables hold the round, who was asked, and the answers.
"""

# $1 event.
SELECT_SETTINGS = """
SELECT event_id, after_day_time, reminder_days, open_days, follow_up_months, updated_at
FROM matcher.feedback_settings WHERE event_id = $1
"""

# The row to compare If-Match against, locked while it changes. $1 event.
LOCK_SETTINGS = SELECT_SETTINGS.rstrip() + " FOR UPDATE\n"

# $1 event, $2 after_day_time, $3 reminder_days, $4 open_days, $5 follow_up_months, $6 now.
UPSERT_SETTINGS = """
INSERT INTO matcher.feedback_settings (event_id, after_day_time, reminder_days, open_days, follow_up_months, updated_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (event_id) DO UPDATE
SET after_day_time = $2, reminder_days = $3, open_days = $4, follow_up_months = $5, updated_at = $6
RETURNING event_id, after_day_time, reminder_days, open_days, follow_up_months, updated_at
"""

# $1 event, $2 kind, $3 opens, $4 reminder, $5 closes, $6 now.
UPSERT_ROUND = """
INSERT INTO matcher.feedback_rounds (event_id, kind, opens_at, reminder_at, closes_at, planned_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (event_id, kind) DO UPDATE
SET opens_at = $3, reminder_at = $4, closes_at = $5, planned_at = $6
"""

# $1 event.
DELETE_ROUNDS = "DELETE FROM matcher.feedback_rounds WHERE event_id = $1"

# $1 event, $2 kind.
SELECT_ROUND = """
SELECT event_id, kind, opens_at, reminder_at, closes_at FROM matcher.feedback_rounds WHERE event_id = $1 AND kind = $2
"""

# The participant was sent its question (the reminder row's transaction). $1 event, $2 kind, $3 organisation,
# $4 side, $5 now.
MARK_ASKED = """
INSERT INTO matcher.feedback_requests (event_id, kind, organisation_id, side, sent_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (event_id, kind, organisation_id) DO UPDATE SET sent_at = COALESCE(feedback_requests.sent_at, $5)
"""

# $1 event, $2 kind, $3 organisation, $4 now.
MARK_REMINDED = """
UPDATE matcher.feedback_requests SET reminded_at = $4 WHERE event_id = $1 AND kind = $2 AND organisation_id = $3
"""

# Whether it answered anything in the round. $1 event, $2 kind, $3 organisation.
HAS_ANSWERED = """
SELECT answered_at IS NOT NULL FROM matcher.feedback_requests
WHERE event_id = $1 AND kind = $2 AND organisation_id = $3
"""

# The participant's answers, locked while it changes them. $1 event, $2 organisation.
SELECT_OWN_ANSWERS = """
SELECT sme_id, buyer_id, rating, comment, answered_at, updated_at FROM matcher.feedback_answers
WHERE event_id = $1 AND organisation_id = $2
"""

# $1 event, $2 organisation, $3 sme ids, $4 buyer ids, $5 ratings, $6 comments, $7 now.
UPSERT_ANSWERS = """
INSERT INTO matcher.feedback_answers (event_id, sme_id, buyer_id, organisation_id, rating, comment, answered_at,
                                      updated_at)
SELECT $1, sme_id, buyer_id, $2, rating, comment, $7, $7
FROM unnest($3::uuid[], $4::uuid[], $5::text[], $6::text[]) AS a(sme_id, buyer_id, rating, comment)
ON CONFLICT (event_id, sme_id, buyer_id, organisation_id) DO UPDATE
SET rating = EXCLUDED.rating, comment = EXCLUDED.comment, updated_at = EXCLUDED.updated_at
WHERE (feedback_answers.rating, feedback_answers.comment) IS DISTINCT FROM (EXCLUDED.rating, EXCLUDED.comment)
"""

# Answering marks the request answered (a participant who answers by a forwarded link without an e-mail of its
# own gets a row too). $1 event, $2 kind, $3 organisation, $4 side, $5 now.
MARK_ANSWERED = """
INSERT INTO matcher.feedback_requests (event_id, kind, organisation_id, side, answered_at) VALUES ($1, $2, $3, $4, $5)
ON CONFLICT (event_id, kind, organisation_id) DO UPDATE SET answered_at = $5
"""

# The organiser's view. $1 event, $2 kind.
SELECT_REQUESTS = """
SELECT organisation_id, side, sent_at, reminded_at, answered_at FROM matcher.feedback_requests
WHERE event_id = $1 AND kind = $2 ORDER BY side, organisation_id
"""

# $1 event.
SELECT_EVENT_ANSWERS = """
SELECT sme_id, buyer_id, organisation_id, rating, comment, answered_at, updated_at FROM matcher.feedback_answers
WHERE event_id = $1 ORDER BY sme_id, buyer_id, organisation_id
"""

# Erasure: the organisation's requests and answers go (its comments with them). $1 organisation.
DELETE_ORGANISATION_REQUESTS = "DELETE FROM matcher.feedback_requests WHERE organisation_id = $1"
DELETE_ORGANISATION_ANSWERS = "DELETE FROM matcher.feedback_answers WHERE organisation_id = $1"

# Export: the organisation's requests and answers. $1 organisation.
EXPORT_REQUESTS = """
SELECT event_id, kind, side, sent_at, reminded_at, answered_at FROM matcher.feedback_requests
WHERE organisation_id = $1 ORDER BY event_id, kind
"""
EXPORT_ANSWERS = """
SELECT event_id, sme_id, buyer_id, rating, comment, answered_at, updated_at FROM matcher.feedback_answers
WHERE organisation_id = $1 ORDER BY event_id, sme_id, buyer_id
"""

# Others' comments in the erased organisation's events (scrubbed of its names and people). $1 events.
SELECT_EVENT_COMMENTS = """
SELECT event_id, sme_id, buyer_id, organisation_id, comment FROM matcher.feedback_answers
WHERE event_id = ANY($1::uuid[]) AND comment <> ''
"""

# $1 event, $2 sme, $3 buyer, $4 organisation, $5 comment.
UPDATE_COMMENT = """
UPDATE matcher.feedback_answers SET comment = $5
WHERE event_id = $1 AND sme_id = $2 AND buyer_id = $3 AND organisation_id = $4
"""

# --- The follow-up round (migration 0017): per organisation and need discussed. ---

# $1 event, $2 organisation.
SELECT_OWN_FOLLOW_UP = """
SELECT need_id, buyer_id, bid, awarded, procured, comment, answered_at, updated_at FROM matcher.follow_up_answers
WHERE event_id = $1 AND organisation_id = $2
"""

# $1 event, $2 organisation, $3 side, $4 need ids, $5 buyer ids, $6 bids, $7 awarded, $8 procured, $9 comments,
# $10 now.
UPSERT_FOLLOW_UP = """
INSERT INTO matcher.follow_up_answers (event_id, organisation_id, need_id, buyer_id, side, bid, awarded, procured,
                                       comment, answered_at, updated_at)
SELECT $1, $2, need_id, buyer_id, $3, bid, awarded, procured, comment, $10, $10
FROM unnest($4::uuid[], $5::uuid[], $6::text[], $7::text[], $8::text[], $9::text[])
     AS a(need_id, buyer_id, bid, awarded, procured, comment)
ON CONFLICT (event_id, organisation_id, need_id) DO UPDATE
SET bid = EXCLUDED.bid, awarded = EXCLUDED.awarded, procured = EXCLUDED.procured, comment = EXCLUDED.comment,
    updated_at = EXCLUDED.updated_at
WHERE (follow_up_answers.bid, follow_up_answers.awarded, follow_up_answers.procured, follow_up_answers.comment)
      IS DISTINCT FROM (EXCLUDED.bid, EXCLUDED.awarded, EXCLUDED.procured, EXCLUDED.comment)
"""

# The organisers' figures. $1 event.
SELECT_EVENT_FOLLOW_UP = """
SELECT organisation_id, need_id, buyer_id, side, bid, awarded, procured, comment FROM matcher.follow_up_answers
WHERE event_id = $1 ORDER BY buyer_id, need_id, side, organisation_id
"""

# Erasure and export. $1 organisation.
DELETE_ORGANISATION_FOLLOW_UP = "DELETE FROM matcher.follow_up_answers WHERE organisation_id = $1"
EXPORT_FOLLOW_UP = """
SELECT event_id, need_id, buyer_id, side, bid, awarded, procured, comment, answered_at, updated_at
FROM matcher.follow_up_answers WHERE organisation_id = $1 ORDER BY event_id, need_id
"""

# Others' follow-up comments in the erased organisation's events. $1 events.
SELECT_EVENT_FOLLOW_UP_COMMENTS = """
SELECT event_id, organisation_id, need_id, comment FROM matcher.follow_up_answers
WHERE event_id = ANY($1::uuid[]) AND comment <> ''
"""

# $1 event, $2 organisation, $3 need, $4 comment.
UPDATE_FOLLOW_UP_COMMENT = """
UPDATE matcher.follow_up_answers SET comment = $4 WHERE event_id = $1 AND organisation_id = $2 AND need_id = $3
"""

"""SQL of repeat pairs: who met whom in the published schedules of earlier events (issue 14)."""

# The (sme, buyer) pairs among $3 × $4 that had a meeting in the published version of another event
# whose day is before $2 ($1: this event). A party whose registration was cancelled after that version
# was published did not come (matcher.cancellations), so its meetings there do not count.
SELECT_MET_BEFORE = """
SELECT DISTINCT m.sme_id, m.buyer_id
FROM matcher.schedule_versions v
JOIN matcher.schedule_meetings m ON m.version_id = v.id
WHERE v.status = 'published'
  AND v.event_id <> $1
  AND (v.snapshot -> 'event' ->> 'date')::date < $2::date
  AND m.sme_id = ANY($3::uuid[])
  AND m.buyer_id = ANY($4::uuid[])
  AND NOT EXISTS (
      SELECT 1 FROM matcher.cancellations c
      WHERE c.event_id = v.event_id
        AND c.organisation_id IN (m.sme_id, m.buyer_id)
        AND c.up_to_version >= v.number
  )
ORDER BY m.sme_id, m.buyer_id
"""

"""SQL of the statistics across events (services/matcher/statistics/, migration 0019).

Every figure query takes the same four filters, $1 year (int), $2 municipality (text), $3 buyer (uuid) and
$4 CPV division (text), each NULL when not filtered, and $5 the day in Stockholm (events after it have not
happened yet). It groups by ``GROUPING SETS ((event_id), (year), ())``: one row per event, per year and the
totals, so a figure counted as distinct (a firm at two events) is one in the totals and the year.
"""

# The meetings counted: a pair the current published version has, or one marked on the day (a no-show the
# live fill left out of the next version happened as one), unless a cancellation after publication took it
# off before it was marked. Filters: the event's year, the firm's home municipality, the buyer, the driving
# need's division. ``past``: the event's day has come.
_COUNTED = """
counted AS (
    SELECT m.event_id, m.sme_id, m.buyer_id, m.need_id, m.cpv_division, s.status,
           e.event_date, extract(year FROM e.event_date)::int AS year, e.event_date <= $5::date AS past
    FROM matcher.stat_events AS e
    JOIN matcher.stat_meetings AS m ON m.event_id = e.event_id
    LEFT JOIN matcher.meeting_status AS s
           ON s.event_id = m.event_id AND s.sme_id = m.sme_id AND s.buyer_id = m.buyer_id
    WHERE (m.last_version = e.number OR s.status IS NOT NULL)
      AND (s.status IS NOT NULL OR NOT EXISTS (
              SELECT 1 FROM matcher.cancellations AS c
              WHERE c.event_id = m.event_id AND c.organisation_id IN (m.sme_id, m.buyer_id)
                AND c.up_to_version >= m.last_version))
),
met AS (
    SELECT c.* FROM counted AS c
    WHERE ($1::int IS NULL OR c.year = $1)
      AND ($3::uuid IS NULL OR c.buyer_id = $3)
      AND ($4::text IS NULL OR c.cpv_division = $4)
      AND ($2::text IS NULL OR EXISTS (
              SELECT 1 FROM matcher.stat_participants AS p
              WHERE p.event_id = c.event_id AND p.organisation_id = c.sme_id AND p.municipality_code = $2))
),
held AS (
    SELECT * FROM met WHERE past AND (status IS NULL OR status = 'held')
)"""

_GROUPS = "GROUP BY GROUPING SETS ((event_id), (year), ())"

# Meetings, firms reached (first-time: their first event with a meeting, over every event), buyers.
SELECT_MEETING_FIGURES = f"""
WITH {_COUNTED},
firsts AS (
    SELECT DISTINCT ON (sme_id) sme_id, event_id FROM counted ORDER BY sme_id, event_date, event_id
)
SELECT GROUPING(event_id) = 0 AS by_event, GROUPING(year) = 0 AS by_year, event_id, year,
       count(DISTINCT event_id) AS events,
       count(DISTINCT sme_id) AS firms_reached,
       count(DISTINCT sme_id) FILTER (WHERE first_here) AS first_time_firms,
       count(DISTINCT buyer_id) AS buyers,
       count(*) AS meetings_planned,
       count(*) FILTER (WHERE past AND (status IS NULL OR status = 'held')) AS meetings_held,
       count(*) FILTER (WHERE past AND status IN ('no_show_sme', 'no_show_buyer')) AS no_shows,
       count(*) FILTER (WHERE past) AS planned_past
FROM (SELECT met.*, f.event_id IS NOT NULL AS first_here
      FROM met LEFT JOIN firsts AS f ON f.sme_id = met.sme_id AND f.event_id = met.event_id) AS x
{_GROUPS}
"""  # noqa: S608 - fixed fragments

# The after-day round: who among the counted meetings' participants was asked and answered, and the
# ratings given of those meetings (both sides).
SELECT_FEEDBACK_FIGURES = f"""
WITH {_COUNTED},
parties AS (
    SELECT DISTINCT event_id, year, sme_id AS organisation_id FROM met
    UNION
    SELECT DISTINCT event_id, year, buyer_id FROM met
),
asked AS (
    SELECT p.event_id, p.year, r.answered_at IS NOT NULL AS answered
    FROM parties AS p
    JOIN matcher.feedback_requests AS r
      ON r.event_id = p.event_id AND r.kind = 'after_day' AND r.organisation_id = p.organisation_id
    WHERE r.sent_at IS NOT NULL
),
rated AS (
    SELECT met.event_id, met.year, a.rating
    FROM met JOIN matcher.feedback_answers AS a
      ON a.event_id = met.event_id AND a.sme_id = met.sme_id AND a.buyer_id = met.buyer_id
),
rows AS (
    SELECT event_id, year, answered, NULL::text AS rating FROM asked
    UNION ALL
    SELECT event_id, year, NULL, rating FROM rated
)
SELECT GROUPING(event_id) = 0 AS by_event, GROUPING(year) = 0 AS by_year, event_id, year,
       count(*) FILTER (WHERE answered IS NOT NULL) AS feedback_asked,
       count(*) FILTER (WHERE answered) AS feedback_answered,
       count(*) FILTER (WHERE rating = 'did_not_take_place') AS did_not_take_place,
       count(*) FILTER (WHERE rating = 'no_further_interest') AS no_further_interest,
       count(*) FILTER (WHERE rating = 'will_follow_up') AS will_follow_up,
       count(*) FILTER (WHERE rating = 'will_bid_or_buy') AS will_bid_or_buy
FROM rows
{_GROUPS}
"""  # noqa: S608 - fixed fragments

# What followed: needs discussed at held meetings, their tenders advertised after the event, those a met firm
# bid for (its follow-up answer says so, or it was awarded), and the awards to firms that met the buyer about
# the need before the award (per award and firm: counted and summed in Python, once each).
SELECT_NEED_FIGURES = f"""
WITH {_COUNTED},
discussed AS (
    SELECT DISTINCT h.event_id, h.year, h.event_date, h.need_id, o.tender_at
    FROM held AS h LEFT JOIN matcher.need_outcomes AS o ON o.need_id = h.need_id
    WHERE h.need_id IS NOT NULL
),
followed AS (
    SELECT d.*, (d.tender_at AT TIME ZONE 'Europe/Stockholm')::date > d.event_date AS tendered,
           EXISTS (
               SELECT 1 FROM held AS h
               WHERE h.event_id = d.event_id AND h.need_id = d.need_id
                 AND (EXISTS (SELECT 1 FROM matcher.follow_up_answers AS f
                              WHERE f.need_id = h.need_id AND f.organisation_id = h.sme_id
                                AND f.side = 'sme' AND f.bid = 'yes')
                      OR EXISTS (SELECT 1 FROM matcher.need_outcome_awards AS a
                                 WHERE a.need_id = h.need_id AND a.organisation_id = h.sme_id
                                   AND a.status IN ('active', 'pending')))) AS met_bid
    FROM discussed AS d
)
SELECT GROUPING(event_id) = 0 AS by_event, GROUPING(year) = 0 AS by_year, event_id, year,
       count(DISTINCT need_id) AS needs_discussed,
       count(DISTINCT need_id) FILTER (WHERE tendered) AS tenders_followed,
       count(DISTINCT need_id) FILTER (WHERE tendered AND met_bid) AS tenders_with_met_bidders
FROM followed
{_GROUPS}
"""  # noqa: S608 - fixed fragments

SELECT_CREDITED_AWARDS = f"""
WITH {_COUNTED}
SELECT DISTINCT h.event_id, h.year, a.need_id, a.award_id, a.organisation_id, a.value_sek
FROM held AS h
JOIN matcher.need_outcome_awards AS a ON a.need_id = h.need_id AND a.organisation_id = h.sme_id
WHERE a.status IN ('active', 'pending')
  AND (a.awarded_at IS NULL OR (a.awarded_at AT TIME ZONE 'Europe/Stockholm')::date >= h.event_date)
"""  # noqa: S608 - fixed fragments

# Individual support of the firms reached, at the events counted.
SELECT_SUPPORT_FIGURES = f"""
WITH {_COUNTED},
firms AS (SELECT DISTINCT event_id, year, sme_id FROM met),
given AS (
    SELECT r.id, f.event_id, f.year, r.organisation_id,
           (SELECT sum(h.hours) FROM matcher.support_hours AS h WHERE h.request_id = r.id) AS hours
    FROM firms AS f
    JOIN matcher.support_requests AS r ON r.event_id = f.event_id AND r.organisation_id = f.sme_id
)
SELECT GROUPING(event_id) = 0 AS by_event, GROUPING(year) = 0 AS by_year, event_id, year,
       count(*) AS support_requests,
       coalesce(sum(hours), 0)::float8 AS support_hours,
       count(DISTINCT organisation_id) FILTER (WHERE hours > 0) AS firms_helped
FROM given
{_GROUPS}
"""  # noqa: S608 - fixed fragments

# The events a report lists (name and date), those with a meeting counted under the filters.
SELECT_EVENTS = "SELECT event_id, name, event_date FROM matcher.stat_events WHERE event_id = ANY($1::uuid[])"

# --- the filters' choices (every value present in the published events) ---------------------------------------

SELECT_YEARS = "SELECT DISTINCT extract(year FROM event_date)::int AS year FROM matcher.stat_events ORDER BY 1"

SELECT_MUNICIPALITIES = """
SELECT DISTINCT municipality_code FROM matcher.stat_participants WHERE side = 'sme' ORDER BY 1
"""

# A buyer under the name of its latest event.
SELECT_BUYERS = """
SELECT DISTINCT ON (p.organisation_id) p.organisation_id, p.name
FROM matcher.stat_participants AS p JOIN matcher.stat_events AS e ON e.event_id = p.event_id
WHERE p.side = 'buyer'
ORDER BY p.organisation_id, e.event_date DESC
"""

SELECT_DIVISIONS = "SELECT DISTINCT cpv_division FROM matcher.stat_needs ORDER BY 1"

# --- the mirror of the registry's needs (the change feed's need.stage entries) -----------------------------

# $1 need, $2 buyer, $3 stage, $4 tender advertised at (NULL: not known), $5 feed entry, $6 its time. An
# older entry read again changes nothing; the time of an advertisement once known stays.
UPSERT_OUTCOME = """
INSERT INTO matcher.need_outcomes AS o (need_id, buyer_id, stage, tender_at, change_id, changed_at)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (need_id) DO UPDATE
SET buyer_id = $2, stage = $3, tender_at = coalesce($4, o.tender_at), change_id = $5, changed_at = $6
WHERE o.change_id <= $5
RETURNING need_id
"""

DELETE_OUTCOME_AWARDS = "DELETE FROM matcher.need_outcome_awards WHERE need_id = $1"

# $1 need, $2 award, $3 organisation, $4 status, $5 awarded at, $6 value.
INSERT_OUTCOME_AWARD = """
INSERT INTO matcher.need_outcome_awards (need_id, award_id, organisation_id, status, awarded_at, value_sek)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT DO NOTHING
"""

"""SQL of the statistics across events (services/matcher/statistics/, migration 0019).

Every figure query takes the same four filters, $1 year (int), $2 municipality (text), $3 buyer (uuid) and
$4 CPV division (text), each NULL when not filtered, and $5 the day in Stockholm (events after it have not
happened yet). Each answers per event, per year and in total at once (``GROUPING SETS``). A figure counted
as distinct (a firm at two events is one firm in the year) is grouped twice: first by what it counts with
each grouping (``(event_id, sme_id), (year, sme_id), (sme_id)``), then counted per grouping, which
PostgreSQL does by hashing instead of sorting every meeting once per ``count(DISTINCT …)``.
"""

# The meetings counted: a pair the current published version has, or one marked on the day (a no-show the
# live fill left out of the next version happened as one), unless a cancellation after publication took it
# off before it was marked; and passing the filters. ``m`` is a matcher.stat_meetings row.
_COUNTS = "(m.status IS NOT NULL OR (m.current AND NOT m.cancelled))"
_PASSES = """($1::int IS NULL OR (m.event_date >= make_date($1, 1, 1) AND m.event_date < make_date($1 + 1, 1, 1)))
      AND ($2::text IS NULL OR m.sme_municipality = $2)
      AND ($3::uuid IS NULL OR m.buyer_id = $3) AND ($4::text IS NULL OR m.cpv_division = $4)"""

# ``met``: the meetings counted under the filters; ``held``: of those, at events whose day has come, the ones
# not marked no-show or cancelled.
_COUNTED = f"""
met AS (
    SELECT m.event_id, m.sme_id, m.buyer_id, m.need_id, m.status, m.sme_rating, m.buyer_rating, m.event_date,
           extract(year FROM m.event_date)::int AS year, m.event_date <= $5::date AS past
    FROM matcher.stat_meetings AS m
    WHERE {_COUNTS}
      AND {_PASSES}
),
held AS (
    SELECT * FROM met WHERE past AND (status IS NULL OR status = 'held')
)"""  # noqa: S608 - fixed fragments

_KEYS = "GROUPING(event_id) = 0 AS by_event, GROUPING(year) = 0 AS by_year, event_id, year"
_GROUPS = "GROUP BY GROUPING SETS ((event_id), (year), ())"


def _distinct(what: str) -> str:
    """Grouping sets that keep one row per grouping and ``what`` (for counting it once per grouping)."""
    return f"GROUP BY GROUPING SETS ((event_id, {what}), (year, {what}), ({what}))"


def _rated(rating: str) -> str:
    return f"count(*) FILTER (WHERE sme_rating = '{rating}') + count(*) FILTER (WHERE buyer_rating = '{rating}')"


# Meetings and their ratings (both sides') per event, then per grouping; firms reached, first-time firms
# (their first event with a counted meeting, over every event, is in the grouping) and buyers, each once.
SELECT_MEETING_FIGURES = f"""
WITH {_COUNTED},
per_event AS (
    SELECT event_id, year, count(*) AS planned,
           count(*) FILTER (WHERE past AND (status IS NULL OR status = 'held')) AS held,
           count(*) FILTER (WHERE past AND status IN ('no_show_sme', 'no_show_buyer')) AS no_shows,
           count(*) FILTER (WHERE past) AS planned_past,
           {_rated("did_not_take_place")} AS did_not_take_place,
           {_rated("no_further_interest")} AS no_further_interest,
           {_rated("will_follow_up")} AS will_follow_up,
           {_rated("will_bid_or_buy")} AS will_bid_or_buy
    FROM met GROUP BY event_id, year
),
firm_events AS (SELECT event_id, year, sme_id, min(event_date) AS event_date FROM met GROUP BY event_id, year, sme_id),
firsts AS (  -- by the index on (sme_id, event_date): the first counted meeting of each firm reached
    SELECT f.sme_id, (SELECT m.event_date FROM matcher.stat_meetings AS m
                      WHERE m.sme_id = f.sme_id AND {_COUNTS} ORDER BY m.event_date LIMIT 1) AS first_date
    FROM (SELECT DISTINCT sme_id FROM firm_events) AS f
),
firms AS (
    SELECT {_KEYS}, bool_or(e.event_date = f.first_date) AS first_here
    FROM firm_events AS e JOIN firsts AS f USING (sme_id)
    {_distinct("sme_id")}
),
buyers AS (
    SELECT {_KEYS} FROM (SELECT event_id, year, buyer_id FROM met GROUP BY event_id, year, buyer_id) AS b
    {_distinct("buyer_id")}
),
meetings AS (
    SELECT {_KEYS}, count(*) AS events, sum(planned) AS meetings_planned, sum(held) AS meetings_held,
           sum(no_shows) AS no_shows, sum(planned_past) AS planned_past,
           sum(did_not_take_place) AS did_not_take_place, sum(no_further_interest) AS no_further_interest,
           sum(will_follow_up) AS will_follow_up, sum(will_bid_or_buy) AS will_bid_or_buy,
           NULL::bigint AS firms_reached, NULL::bigint AS first_time_firms, NULL::bigint AS buyers
    FROM per_event {_GROUPS}
),
parties AS (
    SELECT by_event, by_year, event_id, year, count(*) AS firms_reached,
           count(*) FILTER (WHERE first_here) AS first_time_firms, NULL::bigint AS buyers
    FROM firms GROUP BY by_event, by_year, event_id, year
    UNION ALL
    SELECT by_event, by_year, event_id, year, NULL, NULL, count(*) FROM buyers
    GROUP BY by_event, by_year, event_id, year
)
SELECT * FROM meetings
UNION ALL
SELECT by_event, by_year, event_id, year, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       firms_reached, first_time_firms, buyers
FROM parties
"""  # noqa: S608 - fixed fragments

# The after-day round: who among the counted meetings' participants was asked, and who answered.
SELECT_FEEDBACK_FIGURES = f"""
WITH {_COUNTED},
parties AS (
    SELECT event_id, year, sme_id AS organisation_id FROM met GROUP BY event_id, year, sme_id
    UNION ALL
    SELECT event_id, year, buyer_id FROM met GROUP BY event_id, year, buyer_id
),
asked AS (
    SELECT p.event_id, p.year, r.answered_at IS NOT NULL AS answered
    FROM parties AS p
    JOIN matcher.feedback_requests AS r
      ON r.event_id = p.event_id AND r.kind = 'after_day' AND r.organisation_id = p.organisation_id
    WHERE r.sent_at IS NOT NULL
)
SELECT {_KEYS}, count(*) AS feedback_asked, count(*) FILTER (WHERE answered) AS feedback_answered
FROM asked
{_GROUPS}
"""  # noqa: S608 - fixed fragments

# What followed: needs discussed at held meetings, their tenders advertised after the event, and those a
# firm that met the buyer about the need bid for (its follow-up answer says so, or it was awarded).
SELECT_NEED_FIGURES = f"""
WITH {_COUNTED},
bidders AS (
    SELECT organisation_id, need_id FROM matcher.follow_up_answers WHERE side = 'sme' AND bid = 'yes'
    UNION
    SELECT organisation_id, need_id FROM matcher.need_outcome_awards WHERE status IN ('active', 'pending')
),
discussed AS (
    SELECT h.event_id, h.year, h.need_id,
           bool_or((o.tender_at AT TIME ZONE 'Europe/Stockholm')::date > h.event_date) AS tendered,
           bool_or(b.need_id IS NOT NULL) AS met_bid
    FROM held AS h
    LEFT JOIN matcher.need_outcomes AS o ON o.need_id = h.need_id
    LEFT JOIN bidders AS b ON b.need_id = h.need_id AND b.organisation_id = h.sme_id
    WHERE h.need_id IS NOT NULL
    GROUP BY h.event_id, h.year, h.need_id
),
needs AS (
    SELECT {_KEYS}, coalesce(bool_or(tendered), false) AS tendered,
           coalesce(bool_or(tendered AND met_bid), false) AS met_bid
    FROM discussed
    {_distinct("need_id")}
)
SELECT by_event, by_year, event_id, year, count(*) AS needs_discussed,
       count(*) FILTER (WHERE tendered) AS tenders_followed, count(*) FILTER (WHERE met_bid) AS tenders_with_met_bidders
FROM needs
GROUP BY by_event, by_year, event_id, year
"""  # noqa: S608 - fixed fragments

# The awards to firms that met the buyer about the need before the award (per award and firm: counted and
# summed in Python, once each).
SELECT_CREDITED_AWARDS = f"""
WITH {_COUNTED}
SELECT DISTINCT h.event_id, h.year, a.need_id, a.award_id, a.organisation_id, a.value_sek
FROM held AS h
JOIN matcher.need_outcome_awards AS a ON a.need_id = h.need_id AND a.organisation_id = h.sme_id
WHERE a.status IN ('active', 'pending')
  AND (a.awarded_at IS NULL OR (a.awarded_at AT TIME ZONE 'Europe/Stockholm')::date >= h.event_date)
"""  # noqa: S608 - fixed fragments

# Individual support of the firms reached, at the events counted, hours given up to today (a request is
# checked against the firm's meetings there by the primary key: there are few requests).
SELECT_SUPPORT_FIGURES = f"""
WITH given AS (
    SELECT r.event_id, extract(year FROM e.event_date)::int AS year, r.organisation_id,
           (SELECT sum(h.hours) FROM matcher.support_hours AS h WHERE h.request_id = r.id AND h.worked_on <= $5::date)
               AS hours
    FROM matcher.support_requests AS r
    JOIN matcher.stat_events AS e ON e.event_id = r.event_id
    -- A scalar subquery with LIMIT stays a probe of the primary key per request (an EXISTS would be turned
    -- into a join that first groups every meeting of the history).
    WHERE (SELECT true FROM matcher.stat_meetings AS m
           WHERE m.event_id = r.event_id AND m.sme_id = r.organisation_id AND {_COUNTS} AND {_PASSES} LIMIT 1)
)
SELECT {_KEYS},
       count(*) AS support_requests,
       coalesce(sum(hours), 0)::float8 AS support_hours,
       count(DISTINCT organisation_id) FILTER (WHERE hours > 0) AS firms_helped
FROM given
{_GROUPS}
"""  # noqa: S608 - fixed fragments

SET_QUERY_SETTINGS = "SET LOCAL plan_cache_mode = force_custom_plan; SET LOCAL work_mem = '32MB'"

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

"""SQL of the events' public read model: what anyone may read about an event that is not a draft."""

# Only what a public page shows: no counts of who signed up, no owner, no minimum relevance.
PUBLIC_EVENT_READ = """
SELECT e.id, e.name, e.description, e.event_date, e.venue, e.municipality_code, e.time_zone,
       e.day_start, e.day_end, e.meeting_minutes, e.changeover_minutes, e.breaks, e.tables,
       e.signup_deadline, e.default_meetings_per_sme, e.max_meetings_per_sme, e.status, e.contact
FROM registry.events e
WHERE e.status <> 'draft'
"""

SELECT_PUBLIC_EVENT = PUBLIC_EVENT_READ + "  AND e.id = $1\n"

# Coming events ($1: today in Stockholm; an event elsewhere is a day off at most): those open for sign-up
# now ($2: the clock's time) first, then by date. $3: how many.
LIST_COMING_PUBLIC_EVENTS = f"""{PUBLIC_EVENT_READ}  AND e.event_date >= $1
ORDER BY (e.status = 'open' AND e.signup_deadline > $2) DESC, e.event_date, e.id
LIMIT $3
"""

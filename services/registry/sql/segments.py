"""SQL of the segment of firms an organiser invites to an event (:mod:`services.registry.segments`).

Fragments are joined with AND by :func:`.organisations.compose_query`, like the organisation list, so each
combination of criteria gets its own plan. ``${0}``, ``${1}`` are a fragment's own parameters.
"""

from __future__ import annotations

from collections.abc import Sequence

from .organisations import compose_query

# SMEs that are not erased, each with its first contact (personal data: the route is organisers' and the
# service's) and the latest earlier event it took part in (the invitation says "ni deltog i …").
# ${0} of SEGMENT_BASE is the date the earlier events lie before.
SEGMENT_BASE = """
SELECT o.id, o.name, o.municipality_code, o.cpv_codes, o.sort_name,
       c.name AS contact_name, c.email AS contact_email,
       earlier.id AS earlier_event_id, earlier.name AS earlier_event_name, earlier.event_date AS earlier_event_date
FROM registry.organisations AS o
LEFT JOIN LATERAL (
    SELECT name, email FROM registry.contacts WHERE organisation_id = o.id ORDER BY position LIMIT 1
) AS c ON true
LEFT JOIN LATERAL (
    SELECT e.id, e.name, e.event_date
    FROM registry.registrations AS r JOIN registry.events AS e ON e.id = r.event_id
    WHERE r.organisation_id = o.id AND r.status = 'active' AND e.event_date < $1::date
    ORDER BY e.event_date DESC, e.id
    LIMIT 1
) AS earlier ON true
WHERE o.erased_at IS NULL AND o.kind = 'sme'"""

# Counting needs neither the contact nor the earlier event.
COUNT_BASE = """
SELECT count(*) FROM (
SELECT 1 FROM registry.organisations AS o
WHERE o.erased_at IS NULL AND o.kind = 'sme'"""

# The date earlier events lie before is the first parameter ($1, which SEGMENT_BASE's lateral join reads),
# carried by a condition that always holds so that the fragment builder numbers it first.
BEFORE_DATE = "${0}::date IS NOT NULL"

FILTER_MUNICIPALITY = "o.municipality_code = ${0}"
# A division is hundreds of codes: a LIKE per stored code (see organisations.FILTER_CPV_PREFIXES).
FILTER_CPV_DIVISION = "EXISTS (SELECT 1 FROM unnest(o.cpv_codes) AS c(code) WHERE c.code LIKE ${0} || '%')"
FILTER_TOOK_PART = """EXISTS (
    SELECT 1 FROM registry.registrations AS r JOIN registry.events AS e ON e.id = r.event_id
    WHERE r.organisation_id = o.id AND r.status = 'active' AND e.event_date < ${0}::date)"""
FILTER_NOT_SIGNED_UP = """NOT EXISTS (
    SELECT 1 FROM registry.registrations AS r
    WHERE r.organisation_id = o.id AND r.event_id = ${0}::uuid AND r.status = 'active')"""
FILTER_SIGNED_UP = """EXISTS (
    SELECT 1 FROM registry.registrations AS r
    WHERE r.organisation_id = o.id AND r.event_id = ${0}::uuid AND r.status = 'active')"""
FILTER_AFTER = "(o.sort_name, o.id) > (${0}::text, ${1}::uuid)"

SEGMENT_ORDER = "ORDER BY o.sort_name, o.id LIMIT ${0}"
# LIMIT NULL is no limit: the count's closing parenthesis needs the builder's limit slot.
COUNT_END = "LIMIT ${0}::bigint) AS matching"

SELECT_EVENT_DATE = "SELECT event_date FROM registry.events WHERE id = $1"


def segment_query(before: object, filters: Sequence[tuple[str, Sequence[object]]], limit: int) -> tuple[str, list]:
    """The segment page's SQL and arguments: earlier events lie before ``before``.

    Examples
    --------
    >>> query, args = segment_query("2030-10-07", [(FILTER_MUNICIPALITY, ["2080"])], 51)
    >>> query.splitlines()[-3:]
    ['AND $1::date IS NOT NULL', 'AND o.municipality_code = $2', 'ORDER BY o.sort_name, o.id LIMIT $3']
    >>> args
    ['2030-10-07', '2080', 51]
    """
    return compose_query(SEGMENT_BASE, [(BEFORE_DATE, [before]), *filters], SEGMENT_ORDER, limit)


def count_query(before: object, filters: Sequence[tuple[str, Sequence[object]]]) -> tuple[str, list]:
    """How many firms the criteria match (no cursor), as SQL and arguments (LIMIT NULL: all)."""
    return compose_query(COUNT_BASE, [(BEFORE_DATE, [before]), *filters], COUNT_END, None)  # type: ignore[arg-type]

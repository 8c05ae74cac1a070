"""SQL of organisations and their contacts.

The list query is assembled from fixed fragments (one per filter) by :func:`list_organisations_query`,
so that each combination of filters gets its own plan and the GIN indexes are used for ``q`` and ``cpv``
(``$n IS NULL OR …`` fragments would push the planner towards sequential scans).
"""

from __future__ import annotations

from collections.abc import Sequence

from shared.organisation_profile import CHANGEABLE_COLUMNS, PROFILE_COLUMNS

# Columns written from a create (shared.organisation_profile's order): the order of INSERT_ORGANISATION's
# parameters.
WRITABLE_COLUMNS = PROFILE_COLUMNS
# Columns a PATCH writes (all but kind): the order of UPDATE_ORGANISATION's parameters after the id.
UPDATED_COLUMNS = CHANGEABLE_COLUMNS

# What every read of an organisation returns: its id, its profile, and the bookkeeping columns.
ORGANISATION_FIELDS = f"""
o.id, {", ".join(f"o.{column}" for column in WRITABLE_COLUMNS)},
o.erased_at, o.version, o.created_at, o.updated_at
"""

INSERT_ORGANISATION = f"""
INSERT INTO registry.organisations AS o ({", ".join(WRITABLE_COLUMNS)})
VALUES ({", ".join(f"${i}" for i in range(1, len(WRITABLE_COLUMNS) + 1))})
RETURNING {ORGANISATION_FIELDS}
"""  # noqa: S608 - built from constants only

# PATCH writes every profile column with the merged values of a row read FOR UPDATE (kind never changes).
UPDATE_ORGANISATION = f"""
UPDATE registry.organisations AS o SET
    {", ".join(f"{column} = ${i}" for i, column in enumerate(UPDATED_COLUMNS, start=2))},
    version = o.version + 1,
    updated_at = now()
WHERE o.id = $1
RETURNING {ORGANISATION_FIELDS}
"""  # noqa: S608 - built from constants only

SELECT_ORGANISATION = f"SELECT {ORGANISATION_FIELDS} FROM registry.organisations AS o WHERE o.id = $1"  # noqa: S608

SELECT_ORGANISATION_FOR_UPDATE = SELECT_ORGANISATION + " FOR UPDATE"

SELECT_CONTACTS = """
SELECT id, name, title, email, phone
FROM registry.contacts
WHERE organisation_id = $1
ORDER BY position
"""

INSERT_CONTACTS = """
INSERT INTO registry.contacts (organisation_id, position, name, title, email, phone)
SELECT $1, c.ord - 1, c.name, c.title, c.email, c.phone
FROM unnest($2::text[], $3::text[], $4::text[], $5::text[]) WITH ORDINALITY AS c(name, title, email, phone, ord)
"""

DELETE_CONTACTS = "DELETE FROM registry.contacts WHERE organisation_id = $1"

ORGANISATION_ORGNR_UNIQUE = "organisations_orgnr_key"

# --- the list: fragments joined with AND; `${0}`, `${1}` are the fragment's own parameters ----------

LIST_BASE = f"SELECT {ORGANISATION_FIELDS}, o.sort_name FROM registry.organisations AS o WHERE o.erased_at IS NULL"  # noqa: S608
FILTER_KIND = "o.kind = ${0}"
FILTER_ORGNR = "o.orgnr = ${0}"
FILTER_MUNICIPALITIES = "o.municipality_code = ANY(${0}::text[])"
FILTER_COUNTY = "left(o.municipality_code, 2) = ${0}"
# Narrow CPV prefixes arrive expanded to every CPV 2008 code they cover, so the GIN index serves `&&`.
FILTER_CPV_CODES = "o.cpv_codes && ${0}::text[]"
# Broad prefixes (a division covers hundreds of codes) match many rows anyway, and `&&` against a long
# array is slow row by row; there a LIKE per stored code is cheaper. ${0} holds patterns like '45%'.
FILTER_CPV_PREFIXES = "EXISTS (SELECT 1 FROM unnest(o.cpv_codes) AS c(code) WHERE c.code LIKE ANY (${0}::text[]))"
# Words (stemmed, Swedish) or a substring of the lower-cased text (compounds: "röjning" in "snöröjning"),
# both served by GIN indexes. ${1} is the lower-cased query with LIKE's wildcards escaped by backslashes.
FILTER_TEXT = (
    "(o.search_document @@ websearch_to_tsquery('swedish', ${0}) OR o.search_text LIKE '%' || ${1}::text || '%')"
)
FILTER_CERTIFICATE = (
    "EXISTS (SELECT 1 FROM unnest(o.certificates) AS c(certificate) WHERE lower(c.certificate) = lower(${0}))"
)
# Serving a municipality: the whole country, its county (first two digits), or listed by code.
FILTER_SERVES = (
    "(o.serves_whole_country OR left(${0}::text, 2) = ANY(o.served_counties)"
    " OR ${0}::text = ANY(o.served_municipalities))"
)
# Swedish alphabetical order (å, ä, ö after z): see registry.swedish_sort_key in the schema.
FILTER_AFTER = "(o.sort_name, o.id) > (${0}::text, ${1}::uuid)"
LIST_ORDER = "ORDER BY o.sort_name, o.id LIMIT ${0}"


def compose_query(
    base: str, filters: Sequence[tuple[str, Sequence[object]]], order: str, limit: int
) -> tuple[str, list[object]]:
    """``base`` AND each filter fragment, then ``order`` (with a ``${0}`` for the limit); returns SQL and args.

    Each filter is ``(fragment, values)``; the fragment's ``${0}``, ``${1}`` … become the next free
    parameter numbers, so fragments are written once and combined freely.

    Examples
    --------
    >>> query, args = compose_query(LIST_BASE, [(FILTER_KIND, ["sme"]), (FILTER_AFTER, ["A", "x"])], LIST_ORDER, 51)
    >>> query.splitlines()[-3:]
    ['AND o.kind = $1', 'AND (o.sort_name, o.id) > ($2::text, $3::uuid)', 'ORDER BY o.sort_name, o.id LIMIT $4']
    >>> args
    ['sme', 'A', 'x', 51]
    """
    args: list[object] = []
    parts = [base]
    for fragment, values in filters:
        parts.append(fragment.format(*range(len(args) + 1, len(args) + 1 + len(values))))
        args.extend(values)
    args.append(limit)
    return "\nAND ".join(parts) + "\n" + order.format(len(args)), args


def list_organisations_query(filters: Sequence[tuple[str, Sequence[object]]], limit: int) -> tuple[str, list[object]]:
    """The organisation list's SQL and arguments for the given filters."""
    return compose_query(LIST_BASE, filters, LIST_ORDER, limit)

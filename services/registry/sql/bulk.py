"""SQL of the CSV bulk import of organisations.

Validated rows are copied (binary COPY) into a temporary table that lives for the importing
transaction only, then moved into ``registry.organisations`` and ``registry.contacts`` with one
set-based statement each: a 10 000-row file costs a handful of round trips, not 20 000.
"""

from __future__ import annotations

from .organisations import WRITABLE_COLUMNS

STAGING_TABLE = "organisation_import"

CONTACT_COLUMNS = ("contact_name", "contact_title", "contact_email", "contact_phone")
# The staging table's columns, in the order of the records given to COPY.
STAGING_COLUMNS = ("row_no", *WRITABLE_COLUMNS, *CONTACT_COLUMNS)

CREATE_STAGING_TABLE = f"""
CREATE TEMPORARY TABLE {STAGING_TABLE} (
    row_no                  integer PRIMARY KEY,
    kind                    text NOT NULL,
    orgnr                   text NOT NULL UNIQUE,
    name                    text NOT NULL,
    municipality_code       text NOT NULL,
    description             text NOT NULL,
    keywords                text[] NOT NULL,
    cpv_codes               text[] NOT NULL,
    employees_band          text,
    turnover_sek            bigint,
    serves_whole_country    boolean NOT NULL,
    served_counties         text[] NOT NULL,
    served_municipalities   text[] NOT NULL,
    certificates            text[] NOT NULL,
    languages               text[] NOT NULL,
    buyer_category          text,
    website                 text,
    contact_name            text,
    contact_title           text,
    contact_email           text,
    contact_phone           text
) ON COMMIT DROP
"""

# Rows whose orgnr is already registered, with whether the stored organisation is of another kind.
SELECT_CONFLICTS = f"""
SELECT i.row_no, o.kind <> i.kind AS other_kind
FROM {STAGING_TABLE} AS i
JOIN registry.organisations AS o ON o.orgnr = i.orgnr
ORDER BY i.row_no
"""  # noqa: S608 - built from constants only

DELETE_STAGED_ROWS = f"DELETE FROM {STAGING_TABLE} WHERE row_no = ANY($1::integer[])"  # noqa: S608

_COLUMN_LIST = ", ".join(WRITABLE_COLUMNS)
_SELECT_STAGED = f"SELECT {_COLUMN_LIST} FROM {STAGING_TABLE} ORDER BY row_no"  # noqa: S608
_UPDATED_COLUMNS = ",\n    ".join(f"{column} = EXCLUDED.{column}" for column in WRITABLE_COLUMNS if column != "kind")

# `on_conflict=error|skip`: conflicts were found (and reported or dropped) before; DO NOTHING makes a
# concurrent registration of the same orgnr a skipped row instead of an aborted transaction.
INSERT_NEW = f"""
INSERT INTO registry.organisations AS o ({_COLUMN_LIST})
{_SELECT_STAGED}
ON CONFLICT (orgnr) DO NOTHING
RETURNING o.id, o.orgnr, true AS inserted
"""

# `on_conflict=update`: the row replaces the stored profile (never its kind); version and updated_at move.
# `xmax = 0` is how PostgreSQL tells a freshly inserted row from an updated one in RETURNING.
UPSERT = f"""
INSERT INTO registry.organisations AS o ({_COLUMN_LIST})
{_SELECT_STAGED}
ON CONFLICT (orgnr) DO UPDATE SET
    {_UPDATED_COLUMNS},
    version = o.version + 1,
    updated_at = now()
WHERE o.kind = EXCLUDED.kind
RETURNING o.id, o.orgnr, (o.xmax = 0) AS inserted
"""

# A row that names a contact replaces the organisation's contacts with that one person; a row without
# a contact leaves an updated organisation's contacts alone.
DELETE_REPLACED_CONTACTS = f"""
DELETE FROM registry.contacts AS c
USING registry.organisations AS o, {STAGING_TABLE} AS i
WHERE c.organisation_id = o.id AND o.orgnr = i.orgnr
  AND o.id = ANY($1::uuid[]) AND i.contact_name IS NOT NULL
"""  # noqa: S608 - built from constants only

INSERT_CONTACTS = f"""
INSERT INTO registry.contacts (organisation_id, position, name, title, email, phone)
SELECT o.id, 0, i.contact_name, coalesce(i.contact_title, ''), i.contact_email, i.contact_phone
FROM {STAGING_TABLE} AS i
JOIN registry.organisations AS o ON o.orgnr = i.orgnr
WHERE o.id = ANY($1::uuid[]) AND i.contact_name IS NOT NULL
"""  # noqa: S608 - built from constants only

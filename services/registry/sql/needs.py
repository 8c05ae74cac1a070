"""SQL of needs (kommande upphandlingar)."""

from services.registry.need_models import NEED_COLUMNS
from services.registry.sql.procurement import (
    PICKED_PROCUREMENT,
    PICKED_PROCUREMENT_CTES,
    PICKED_PROCUREMENT_JOINS,
    PROCUREMENT_JSON,
)

# Every read joins the buyer: its name for the read model, its category for the EU threshold; and the
# procurement (tender, awards, contracts) as one jsonb value (NULL: nothing heard of it yet).
_COLUMNS = """n.id, n.buyer_id, n.ocid, n.reference, n.title, n.description, n.cpv_main, n.cpv_additional,
       n.estimated_value_sek, n.planned_tender_date, n.contract_start, n.contract_end, n.procedure, n.lots,
       n.delivery_municipality, n.suitable_for_smes, n.status, n.contact, n.version, n.created_at, n.updated_at,
       o.name AS buyer_name, o.orgnr AS buyer_orgnr, o.buyer_category"""
_FROM = """FROM registry.needs n
JOIN registry.organisations o ON o.id = n.buyer_id
"""
_SELECT = f"""
SELECT {_COLUMNS},
       {PROCUREMENT_JSON}
{_FROM}"""

SELECT_NEED = _SELECT + "WHERE n.id = $1"

SELECT_NEED_FOR_UPDATE = _SELECT + "WHERE n.id = $1 FOR UPDATE OF n"

SELECT_NEED_VERSION = "SELECT version FROM registry.needs WHERE id = $1"

SELECT_ORGANISATION = "SELECT id, kind, name, orgnr FROM registry.organisations WHERE id = $1"

SELECT_BUYER_BY_ORGNR = "SELECT id, kind, name, orgnr FROM registry.organisations WHERE orgnr = $1"

INSERT_NEED = (
    f"INSERT INTO registry.needs ({', '.join(NEED_COLUMNS)}) "  # noqa: S608 - fixed column names
    f"VALUES ({', '.join(f'${i}' for i in range(1, len(NEED_COLUMNS) + 1))}) RETURNING id"
)

# $1 id; $2.. every column but buyer_id (a need stays with its buyer). PATCH passes the current status
# (status changes have their own route); an OCDS re-import passes the status its release gives.
UPDATABLE_COLUMNS = tuple(column for column in NEED_COLUMNS if column != "buyer_id")
UPDATE_NEED = (
    "UPDATE registry.needs SET "  # noqa: S608 - fixed column names
    + ", ".join(f"{column} = ${i}" for i, column in enumerate(UPDATABLE_COLUMNS, start=2))
    + ", version = version + 1, updated_at = now() WHERE id = $1 RETURNING id"
)

# At most one need per OCDS ocid (UNIQUE in 0002_registry_core.sql).
NEED_OCID_UNIQUE = "needs_ocid_key"

UPDATE_STATUS = """
UPDATE registry.needs SET status = $2, version = version + 1, updated_at = now()
WHERE id = $1
RETURNING id
"""

DELETE_NEED = "DELETE FROM registry.needs WHERE id = $1"

# Registrations of events already scheduled or published that bring (or ask for) this need.
EVENTS_USING_NEED = """
SELECT DISTINCT e.id, e.name, e.status
FROM registry.registration_needs rn
JOIN registry.registrations r ON r.id = rn.registration_id
JOIN registry.events e ON e.id = r.event_id
WHERE rn.need_id = $1 AND e.status IN ('scheduled', 'published')
ORDER BY e.name
"""

SELECT_NEED_BY_OCID = "SELECT id, buyer_id, status FROM registry.needs WHERE ocid = $1 FOR UPDATE"

# Filters are all optional ($n IS NULL means "any"). $1 privileged (sees every planning need), $2 the
# caller's organisation (sees its own planning needs). Text: Swedish full-text OR trigram substring so
# that parts of compounds match ("röjning" finds "Snöröjning"); $8 is the LIKE pattern, escaped.
_FILTERS = """
WHERE ($1::boolean OR n.status <> 'planning' OR n.buyer_id = $2::uuid)
  AND ($3::text[] IS NULL OR EXISTS (
        SELECT 1 FROM unnest($3::text[]) AS prefix
        WHERE n.cpv_main LIKE prefix || '%'
           OR EXISTS (SELECT 1 FROM unnest(n.cpv_additional) AS extra WHERE extra LIKE prefix || '%')))
  AND ($4::text IS NULL OR n.delivery_municipality = $4)
  AND ($5::uuid IS NULL OR n.buyer_id = $5)
  AND ($6::text[] IS NULL OR n.status = ANY ($6))
  AND ($7::text IS NULL
       OR n.search_document @@ websearch_to_tsquery('swedish', $7)
       OR n.search_text LIKE $8 ESCAPE '\\')
  AND ($9::boolean IS NULL OR n.suitable_for_smes = $9)
  AND ($10::date IS NULL OR n.planned_tender_date >= $10)
  AND ($11::date IS NULL OR n.planned_tender_date <= $11)
  AND ($12::bigint IS NULL OR n.estimated_value_sek >= $12)
  AND ($13::bigint IS NULL OR n.estimated_value_sek <= $13)
"""

# Keyset pagination on (created_at, id): $14/$15 the last row of the previous page, $16 limit + 1.
LIST_NEEDS = (
    _SELECT
    + _FILTERS
    + """  AND ($14::timestamptz IS NULL OR (n.created_at, n.id) > ($14, $15::uuid))
ORDER BY n.created_at, n.id
LIMIT $16
"""
)

# Up to $14 needs with their procurement, read for all of them at once (see PICKED_PROCUREMENT_CTES).
EXPORT_NEEDS = f"""
WITH picked AS (
SELECT {_COLUMNS}
{_FROM}{_FILTERS}ORDER BY n.created_at, n.id
LIMIT $14
), {PICKED_PROCUREMENT_CTES}
SELECT picked.*, {PICKED_PROCUREMENT}
FROM picked
{PICKED_PROCUREMENT_JOINS}
ORDER BY picked.created_at, picked.id
"""  # noqa: S608 - fixed fragments

"""SQL of a need's procurement (tender, awards, contracts; migration 0011)."""

# --- the stored state, locked for an import --------------------------------------------------------------

SELECT_STATE = """
SELECT stage, stage_date, tender_status, tender_published, tender_start, tender_end, tender_date
FROM registry.need_procurement WHERE need_id = $1 FOR UPDATE
"""

SELECT_AWARDS = """
SELECT a.award_id, a.status, a.award_date, a.value_sek, a.release_date,
       coalesce(jsonb_agg(jsonb_build_object('orgnr', s.supplier_orgnr, 'name', s.supplier_name)
                          ORDER BY s.position) FILTER (WHERE s.position IS NOT NULL), '[]') AS suppliers
FROM registry.need_awards AS a
LEFT JOIN registry.need_award_suppliers AS s ON s.need_id = a.need_id AND s.award_id = a.award_id
WHERE a.need_id = $1
GROUP BY a.need_id, a.award_id
ORDER BY a.award_id
"""

SELECT_CONTRACTS = """
SELECT contract_id, award_id, status, period_start, period_end, value_sek, date_signed, release_date
FROM registry.need_contracts WHERE need_id = $1 ORDER BY contract_id
"""

# --- writing it ------------------------------------------------------------------------------------------

# $1 need, $2 stage, $3 stage_date, $4 tender_status, $5 tender_published, $6 start, $7 end, $8 tender_date.
UPSERT_STATE = """
INSERT INTO registry.need_procurement
    (need_id, stage, stage_date, tender_status, tender_published, tender_start, tender_end, tender_date)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
ON CONFLICT (need_id) DO UPDATE
SET stage = $2, stage_date = $3, tender_status = $4, tender_published = $5, tender_start = $6, tender_end = $7,
    tender_date = $8, updated_at = now()
"""

# $1 need, $2 award id, $3 status, $4 date, $5 value, $6 release date.
UPSERT_AWARD = """
INSERT INTO registry.need_awards (need_id, award_id, status, award_date, value_sek, release_date)
VALUES ($1, $2, $3, $4, $5, $6)
ON CONFLICT (need_id, award_id) DO UPDATE
SET status = $3, award_date = $4, value_sek = $5, release_date = $6
"""

DELETE_AWARD_SUPPLIERS = "DELETE FROM registry.need_award_suppliers WHERE need_id = $1 AND award_id = $2"

INSERT_AWARD_SUPPLIER = """
INSERT INTO registry.need_award_suppliers (need_id, award_id, position, supplier_orgnr, supplier_name)
VALUES ($1, $2, $3, $4, $5)
"""

# $1 need, $2 contract id, $3 award id, $4 status, $5 start, $6 end, $7 value, $8 signed, $9 release date.
UPSERT_CONTRACT = """
INSERT INTO registry.need_contracts
    (need_id, contract_id, award_id, status, period_start, period_end, value_sek, date_signed, release_date)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)
ON CONFLICT (need_id, contract_id) DO UPDATE
SET award_id = $3, status = $4, period_start = $5, period_end = $6, value_sek = $7, date_signed = $8,
    release_date = $9
"""

# The need's JSON shows its procurement, so its version (the ETag) moves with it.
BUMP_NEED_VERSION = "UPDATE registry.needs SET version = version + 1, updated_at = now() WHERE id = $1"

SELECT_NEED_BUYER = "SELECT id, buyer_id, status FROM registry.needs WHERE ocid = $1 FOR UPDATE"

# --- erasure and export of an SME named as a supplier ----------------------------------------------------

# A sole trader's org.nr is its owner's personnummer: an erased firm is no longer named by its awards.
ERASE_SUPPLIER = """
UPDATE registry.need_award_suppliers SET supplier_orgnr = NULL, supplier_name = NULL
WHERE supplier_orgnr = (SELECT orgnr FROM registry.organisations WHERE id = $1)
"""

EXPORT_AWARDS_TO = """
SELECT a.need_id, n.ocid, n.title, a.award_id, a.status, a.award_date, a.value_sek, s.supplier_name
FROM registry.need_award_suppliers AS s
JOIN registry.need_awards AS a ON a.need_id = s.need_id AND a.award_id = s.award_id
JOIN registry.needs AS n ON n.id = a.need_id
WHERE s.supplier_orgnr = (SELECT orgnr FROM registry.organisations WHERE id = $1)
ORDER BY a.award_date NULLS LAST, a.need_id, a.award_id
"""

# --- the read model (one jsonb column of every need read, see sql.needs) ---------------------------------

# Each supplier names the registered organisation with its org.nr (organisations.orgnr is unique), so the
# matcher can credit an award to the firm that met the buyer (its statistics) without org.nr of its own.

# The objects, shared by the one-need subquery and the export's joins (p: need_procurement, a: need_awards,
# s: need_award_suppliers, so: the supplier's organisation, c: need_contracts).
_STATE = """'stage', p.stage, 'tender_status', p.tender_status, 'tender_published', p.tender_published,
    'tender_period', jsonb_build_object('start', p.tender_start, 'end', p.tender_end)"""
_SUPPLIER = "jsonb_build_object('orgnr', s.supplier_orgnr, 'name', s.supplier_name, 'organisation_id', so.id)"
_AWARD = "'id', a.award_id, 'status', a.status, 'date', a.award_date, 'value_sek', a.value_sek"
_AWARD_ORDER = "a.award_date NULLS LAST, a.award_id"
_CONTRACT = """jsonb_build_object(
    'id', c.contract_id, 'award_id', c.award_id, 'status', c.status, 'period_start', c.period_start,
    'period_end', c.period_end, 'value_sek', c.value_sek, 'date_signed', c.date_signed)"""
_CONTRACT_ORDER = "c.date_signed NULLS LAST, c.contract_id"

PROCUREMENT_JSON = f"""
(SELECT jsonb_build_object(
    {_STATE},
    'awards', coalesce((
        SELECT jsonb_agg(jsonb_build_object(
            {_AWARD},
            'suppliers', coalesce((
                SELECT jsonb_agg({_SUPPLIER} ORDER BY s.position)
                FROM registry.need_award_suppliers AS s
                LEFT JOIN registry.organisations AS so ON so.orgnr = s.supplier_orgnr
                WHERE s.need_id = a.need_id AND s.award_id = a.award_id), '[]'))
            ORDER BY {_AWARD_ORDER})
        FROM registry.need_awards AS a WHERE a.need_id = p.need_id), '[]'),
    'contracts', coalesce((
        SELECT jsonb_agg({_CONTRACT} ORDER BY {_CONTRACT_ORDER})
        FROM registry.need_contracts AS c WHERE c.need_id = p.need_id), '[]'))
 FROM registry.need_procurement AS p WHERE p.need_id = n.id) AS procurement"""  # noqa: S608 - fixed fragments

# The same value for many needs at once (the OCDS export): the needs chosen are the query's CTE ``picked``,
# and each table is read once, grouped and hash-joined, instead of a subquery per need. Besides the work
# saved, the subqueries' estimated cost put the export over PostgreSQL's JIT threshold, and compiling the
# plan took most of its time.
PICKED_PROCUREMENT_CTES = f"""
picked_suppliers AS (
    SELECT s.need_id, s.award_id, jsonb_agg({_SUPPLIER} ORDER BY s.position) AS suppliers
    FROM picked
    JOIN registry.need_award_suppliers AS s ON s.need_id = picked.id
    LEFT JOIN registry.organisations AS so ON so.orgnr = s.supplier_orgnr
    GROUP BY s.need_id, s.award_id
), picked_awards AS (
    SELECT a.need_id,
           jsonb_agg(jsonb_build_object({_AWARD}, 'suppliers', coalesce(ps.suppliers, '[]'))
                     ORDER BY {_AWARD_ORDER}) AS awards
    FROM picked
    JOIN registry.need_awards AS a ON a.need_id = picked.id
    LEFT JOIN picked_suppliers AS ps ON ps.need_id = a.need_id AND ps.award_id = a.award_id
    GROUP BY a.need_id
), picked_contracts AS (
    SELECT c.need_id, jsonb_agg({_CONTRACT} ORDER BY {_CONTRACT_ORDER}) AS contracts
    FROM picked
    JOIN registry.need_contracts AS c ON c.need_id = picked.id
    GROUP BY c.need_id
)"""  # noqa: S608 - fixed fragments

PICKED_PROCUREMENT = f"""CASE WHEN p.need_id IS NOT NULL THEN jsonb_build_object(
    {_STATE},
    'awards', coalesce(pa.awards, '[]'), 'contracts', coalesce(pc.contracts, '[]')) END AS procurement"""

PICKED_PROCUREMENT_JOINS = """LEFT JOIN registry.need_procurement AS p ON p.need_id = picked.id
LEFT JOIN picked_awards AS pa ON pa.need_id = picked.id
LEFT JOIN picked_contracts AS pc ON pc.need_id = picked.id"""

"""SQL of follows: firms following a need or a CPV division (migration 0011)."""

SELECT_ORGANISATION_KIND = "SELECT kind, erased_at FROM registry.organisations WHERE id = $1"

SELECT_NEED = "SELECT id, buyer_id, status, title FROM registry.needs WHERE id = $1"

_COLUMNS = "f.id, f.need_id, f.cpv_division, f.created_at, n.title AS need_title"

LIST_FOLLOWS = f"""
SELECT {_COLUMNS}
FROM registry.follows AS f LEFT JOIN registry.needs AS n ON n.id = f.need_id
WHERE f.organisation_id = $1
ORDER BY f.created_at, f.id
"""  # noqa: S608 - fixed column names

SELECT_FOLLOW = f"""
SELECT {_COLUMNS}
FROM registry.follows AS f LEFT JOIN registry.needs AS n ON n.id = f.need_id
WHERE f.organisation_id = $1 AND f.need_id IS NOT DISTINCT FROM $2 AND f.cpv_division IS NOT DISTINCT FROM $3
"""  # noqa: S608 - fixed column names

# Following twice is following once: the second insert finds the first (the partial unique indexes).
INSERT_NEED_FOLLOW = """
INSERT INTO registry.follows (organisation_id, need_id) VALUES ($1, $2)
ON CONFLICT (organisation_id, need_id) WHERE need_id IS NOT NULL DO NOTHING
RETURNING id
"""

INSERT_DIVISION_FOLLOW = """
INSERT INTO registry.follows (organisation_id, cpv_division) VALUES ($1, $2)
ON CONFLICT (organisation_id, cpv_division) WHERE cpv_division IS NOT NULL DO NOTHING
RETURNING id
"""

DELETE_FOLLOW = """
DELETE FROM registry.follows
WHERE organisation_id = $1 AND need_id IS NOT DISTINCT FROM $2 AND cpv_division IS NOT DISTINCT FROM $3
RETURNING id
"""

# Erasure (an anonymised organisation keeps its row, so its follows go explicitly) and export.
DELETE_FOLLOWS_OF = "DELETE FROM registry.follows WHERE organisation_id = $1"

EXPORT_FOLLOWS = """
SELECT id, need_id, cpv_division, created_at FROM registry.follows WHERE organisation_id = $1
ORDER BY created_at, id
"""

# Who follows a need, directly or by its main CPV code's division, with the first contact person of each
# (name and e-mail: for the matcher's notices of a stage move, like the snapshot's contacts). Erased firms
# have no follows left.
FOLLOWERS_OF_NEED = """
SELECT o.id AS organisation_id, o.name,
       bool_or(f.need_id IS NOT NULL) AS follows_need,
       c.name AS contact_name, c.email AS contact_email
FROM registry.needs AS n
JOIN registry.follows AS f ON f.need_id = n.id OR f.cpv_division = left(n.cpv_main, 2)
JOIN registry.organisations AS o ON o.id = f.organisation_id
LEFT JOIN LATERAL (
    SELECT name, email FROM registry.contacts WHERE organisation_id = o.id ORDER BY position LIMIT 1
) AS c ON true
WHERE n.id = $1
GROUP BY o.id, o.name, c.name, c.email
ORDER BY o.name, o.id
"""

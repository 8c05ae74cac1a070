"""SQL of procurement thresholds (data with valid-from dates, never literals in code)."""

LIST_THRESHOLDS = """
SELECT kind, valid_from, amount_sek, source
FROM registry.procurement_thresholds
ORDER BY kind, valid_from
"""

# The value in force on a day is the row with the latest valid_from on or before it.
THRESHOLDS_IN_FORCE = """
SELECT DISTINCT ON (kind) kind, valid_from, amount_sek, source
FROM registry.procurement_thresholds
WHERE valid_from <= $1
ORDER BY kind, valid_from DESC
"""

INSERT_THRESHOLD = """
INSERT INTO registry.procurement_thresholds (kind, valid_from, amount_sek, source)
VALUES ($1, $2, $3, $4)
RETURNING kind, valid_from, amount_sek, source
"""

# One value per kind and date (PRIMARY KEY (kind, valid_from) in 0002_registry_core.sql).
THRESHOLD_KEY = "procurement_thresholds_pkey"

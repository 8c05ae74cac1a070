"""SQL of the soft per-address-typed login limit (registry.login_failures)."""

# One row per typed e-mail address (its hash). A failure after $2 quiet seconds starts the count afresh.
RECORD_FAILURE = """
INSERT INTO registry.login_failures AS f (bucket, failures, first_failed_at, last_failed_at)
VALUES ($1, 1, now(), now())
ON CONFLICT (bucket) DO UPDATE
SET failures = CASE WHEN f.last_failed_at < now() - make_interval(secs => $2) THEN 1 ELSE f.failures + 1 END,
    first_failed_at = CASE WHEN f.last_failed_at < now() - make_interval(secs => $2) THEN now()
                           ELSE f.first_failed_at END,
    last_failed_at = now()
"""

# The count still in force ($2 quiet seconds forget it) and how long ago the last failure was.
SELECT_FAILURES = """
SELECT failures, extract(epoch FROM now() - last_failed_at)::float8 AS seconds_since_last
FROM registry.login_failures
WHERE bucket = $1 AND last_failed_at >= now() - make_interval(secs => $2)
"""

FORGET_FAILURES = "DELETE FROM registry.login_failures WHERE bucket = $1"

PURGE_OLD_FAILURES = "DELETE FROM registry.login_failures WHERE last_failed_at < now() - make_interval(secs => $1)"

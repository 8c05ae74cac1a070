"""SQL of the fixed-window rate limiter."""

# One row per (bucket, window): the upsert counts atomically across processes. The window starts at a
# multiple of its length since the epoch, so every process agrees on it without coordination.
HIT = """
INSERT INTO registry.rate_limits AS r (bucket, window_start, hits)
VALUES ($1, to_timestamp(floor(extract(epoch FROM now()) / $2) * $2), 1)
ON CONFLICT (bucket, window_start) DO UPDATE SET hits = r.hits + 1
RETURNING r.hits, ceil(extract(epoch FROM r.window_start + make_interval(secs => $2) - now()))::int AS retry_after
"""

# The current window's count without adding to it (limits on failures look before they count).
PEEK = """
SELECT hits, ceil(extract(epoch FROM window_start + make_interval(secs => $2) - now()))::int AS retry_after
FROM registry.rate_limits
WHERE bucket = $1 AND window_start = to_timestamp(floor(extract(epoch FROM now()) / $2) * $2)
"""

PURGE_OLD_WINDOWS = "DELETE FROM registry.rate_limits WHERE window_start < now() - make_interval(secs => $1)"

"""SQL of the schedule jobs (``matcher.jobs``): queueing, claiming with leases, progress and outcomes.

Every change that depends on who holds a job names the lease owner in its ``WHERE``: under READ
COMMITTED an ``UPDATE`` re-checks that condition on the row's newest version, so a worker whose lease
was taken over changes nothing, even when both statements race.
"""

# The channel workers LISTEN on: a job became claimable now (payload: the job id).
JOBS_CHANNEL = "matcher_jobs"
# The channel the jobs table's trigger notifies when a job's visible state changes (payload: the job id).
JOB_UPDATES_CHANNEL = "matcher_job_updates"

JOB_COLUMNS = """
    id, event_id, kind, status, params, progress, phase, attempts, max_attempts, run_after,
    lease_owner, lease_expires_at, failure_reason, result_version_id, created_by,
    created_at, updated_at, started_at, finished_at
"""

# $1 event, $2 kind, $3 params as JSON text (the same with or without a jsonb codec on the connection),
# $4 max_attempts, $5 created_by. No row back: the event has an active job.
INSERT_JOB = f"""
INSERT INTO matcher.jobs (event_id, kind, params, max_attempts, created_by)
VALUES ($1, $2, $3::text::jsonb, $4, $5)
ON CONFLICT (event_id) WHERE status IN ('queued', 'running') DO NOTHING
RETURNING {JOB_COLUMNS}
"""  # noqa: S608 - built from constants only

NOTIFY_JOBS = f"SELECT pg_notify('{JOBS_CHANNEL}', $1::text)"

SELECT_JOB = f"SELECT {JOB_COLUMNS} FROM matcher.jobs WHERE id = $1"  # noqa: S608

SELECT_ACTIVE_JOB = f"""
SELECT {JOB_COLUMNS} FROM matcher.jobs WHERE event_id = $1 AND status IN ('queued', 'running')
"""  # noqa: S608 - built from constants only

# $1 event, $2 limit.
SELECT_EVENT_JOBS = f"""
SELECT {JOB_COLUMNS} FROM matcher.jobs WHERE event_id = $1 ORDER BY created_at DESC, id LIMIT $2
"""  # noqa: S608 - built from constants only

# A job whose worker died on its last allowed attempt is not claimed again but failed. $1 reason.
FAIL_ABANDONED_JOBS = """
WITH abandoned AS (
    SELECT id FROM matcher.jobs
    WHERE status = 'running' AND lease_expires_at < now() AND attempts >= max_attempts
    FOR UPDATE SKIP LOCKED
)
UPDATE matcher.jobs AS j
SET status = 'failed', failure_reason = $1, lease_expires_at = NULL, finished_at = now(), updated_at = now()
FROM abandoned WHERE j.id = abandoned.id
"""

# The oldest due job: queued and past its back-off, or running with an expired lease (its worker died).
# $1 worker id, $2 lease seconds.
CLAIM_JOB = f"""
WITH candidate AS (
    SELECT id FROM matcher.jobs
    WHERE (status = 'queued' AND run_after <= now())
       OR (status = 'running' AND lease_expires_at < now() AND attempts < max_attempts)
    ORDER BY run_after, created_at
    LIMIT 1
    FOR UPDATE SKIP LOCKED
)
UPDATE matcher.jobs AS j
SET status = 'running', lease_owner = $1, lease_expires_at = now() + make_interval(secs => $2),
    attempts = j.attempts + 1, started_at = coalesce(j.started_at, now()), updated_at = now()
FROM candidate WHERE j.id = candidate.id
RETURNING {", ".join("j." + c.strip() for c in JOB_COLUMNS.split(","))}
"""  # noqa: S608 - built from constants only

# $1 job, $2 worker, $3 lease seconds, $4 progress or NULL, $5 phase or NULL.
HEARTBEAT = """
UPDATE matcher.jobs
SET lease_expires_at = now() + make_interval(secs => $3),
    progress = coalesce($4, progress), phase = coalesce($5, phase), updated_at = now()
WHERE id = $1 AND status = 'running' AND lease_owner = $2
RETURNING id
"""

# $1 job, $2 worker, $3 final status ('done' or 'infeasible'), $4 result version, $5 reason.
COMPLETE_JOB = f"""
UPDATE matcher.jobs
SET status = $3, result_version_id = $4, failure_reason = $5,
    progress = CASE WHEN $3 = 'done' THEN 100 ELSE progress END,
    lease_expires_at = NULL, finished_at = now(), updated_at = now()
WHERE id = $1 AND status = 'running' AND lease_owner = $2
RETURNING {JOB_COLUMNS}
"""  # noqa: S608 - built from constants only

# Locks the job while fail() decides between a retry and the end. $1 job, $2 worker.
LOCK_OWNED_JOB = f"""
SELECT {JOB_COLUMNS} FROM matcher.jobs
WHERE id = $1 AND status = 'running' AND lease_owner = $2
FOR UPDATE
"""  # noqa: S608 - built from constants only

# $1 job, $2 reason, $3 back-off seconds.
REQUEUE_JOB = f"""
UPDATE matcher.jobs
SET status = 'queued', failure_reason = $2, run_after = now() + make_interval(secs => $3),
    lease_expires_at = NULL, progress = 0, phase = '', updated_at = now()
WHERE id = $1
RETURNING {JOB_COLUMNS}
"""  # noqa: S608 - built from constants only

# $1 job, $2 reason.
FAIL_JOB = f"""
UPDATE matcher.jobs
SET status = 'failed', failure_reason = $2, lease_expires_at = NULL, finished_at = now(), updated_at = now()
WHERE id = $1
RETURNING {JOB_COLUMNS}
"""  # noqa: S608 - built from constants only

# A worker shutting down hands its job back at once; the interrupted attempt does not count. $1 job, $2 worker.
RELEASE_JOB = f"""
UPDATE matcher.jobs
SET status = 'queued', run_after = now(), attempts = greatest(attempts - 1, 0),
    lease_expires_at = NULL, progress = 0, phase = '', updated_at = now()
WHERE id = $1 AND status = 'running' AND lease_owner = $2
RETURNING {JOB_COLUMNS}
"""  # noqa: S608 - built from constants only

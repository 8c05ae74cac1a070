-- Durable schedule jobs: one row per "compute a schedule for event E" request.
--
-- Workers claim due jobs with FOR UPDATE SKIP LOCKED and hold a lease they renew while they work; a
-- worker that dies leaves a running job whose lease expires, and another worker takes it over. Only
-- the lease owner can renew, complete or fail a job, so a job never completes twice.
-- event_id and created_by refer to the registry's events and tokens; no foreign keys, because the
-- matcher reads the registry only through its API (the schemas may live in different databases).

CREATE TABLE jobs (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id            uuid NOT NULL,
    kind                text NOT NULL DEFAULT 'schedule' CHECK (kind IN ('schedule')),
    status              text NOT NULL DEFAULT 'queued'
                        CHECK (status IN ('queued', 'running', 'done', 'failed', 'infeasible')),
    -- What the run should do (time limit, seed, the version to re-plan from …), read by the handler.
    params              jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(params) = 'object'),
    progress            smallint NOT NULL DEFAULT 0 CHECK (progress BETWEEN 0 AND 100),
    phase               text NOT NULL DEFAULT '' CHECK (length(phase) <= 200),
    attempts            integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    max_attempts        integer NOT NULL DEFAULT 5 CHECK (max_attempts BETWEEN 1 AND 100),
    -- Not claimed before this time: the back-off after a retryable failure.
    run_after           timestamptz NOT NULL DEFAULT now(),
    -- The worker that holds (or last held) the job; the lease runs only while the job is running.
    lease_owner         text CHECK (length(lease_owner) <= 200),
    lease_expires_at    timestamptz,
    -- Why the job failed or is infeasible; while a retry waits, why the last attempt failed.
    failure_reason      text CHECK (length(failure_reason) <= 2000),
    -- The schedule version the job produced (the versions table arrives with the schedules feature).
    result_version_id   uuid,
    created_by          uuid,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    started_at          timestamptz,
    finished_at         timestamptz,
    CONSTRAINT lease_only_while_running CHECK ((status = 'running') = (lease_expires_at IS NOT NULL)),
    CONSTRAINT running_has_owner CHECK (status <> 'running' OR lease_owner IS NOT NULL),
    CONSTRAINT finished_when_final
        CHECK ((status IN ('done', 'failed', 'infeasible')) = (finished_at IS NOT NULL))
);

-- At most one active job per event: a second request finds the first instead of queueing a duplicate.
CREATE UNIQUE INDEX jobs_one_active_per_event ON jobs (event_id) WHERE status IN ('queued', 'running');

-- What claims scan: due queued jobs, and running jobs whose lease may have expired.
CREATE INDEX jobs_queued_due_idx ON jobs (run_after, created_at) WHERE status = 'queued';
CREATE INDEX jobs_running_lease_idx ON jobs (lease_expires_at) WHERE status = 'running';

-- An event's job history, newest first.
CREATE INDEX jobs_event_idx ON jobs (event_id, created_at DESC);

-- Watchers (server-sent events, long polls) LISTEN on matcher_job_updates and re-read the job whose
-- id arrives. Only changes people can see notify; a lease renewal alone does not.
CREATE FUNCTION notify_job_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'INSERT'
       OR (NEW.status, NEW.progress, NEW.phase, NEW.attempts)
          IS DISTINCT FROM (OLD.status, OLD.progress, OLD.phase, OLD.attempts) THEN
        PERFORM pg_notify('matcher_job_updates', NEW.id::text);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER jobs_notify_update AFTER INSERT OR UPDATE ON jobs
    FOR EACH ROW EXECUTE FUNCTION notify_job_update();

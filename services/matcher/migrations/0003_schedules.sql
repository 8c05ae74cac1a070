-- Schedule versions and their meetings, organiser rules, per-participant agenda links, and the
-- notification outbox.
--
-- Every run stores a new version (never overwritten) with the snapshot hash it was computed from and its
-- quality report. At most one version per event is published (a partial unique index, so a publish
-- racing a re-run can never leave two). Earlier published versions stay readable (status 'superseded').
-- event_id / organisation ids refer to the registry: no foreign keys across services.

CREATE TABLE schedule_versions (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id        uuid NOT NULL,
    number          integer NOT NULL CHECK (number >= 1),
    job_id          uuid REFERENCES jobs (id) ON DELETE SET NULL,
    -- The version this one re-planned from (unaffected meetings kept), if any.
    based_on        uuid REFERENCES schedule_versions (id) ON DELETE SET NULL,
    snapshot_hash   text NOT NULL CHECK (snapshot_hash ~ '^[0-9a-f]{64}$'),
    -- The snapshot itself (what agendas are built from: names, needs, slots, contacts).
    snapshot        jsonb NOT NULL CHECK (jsonb_typeof(snapshot) = 'object'),
    quality         jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(quality) = 'object'),
    -- draft: computed, not shown to participants; published: the one participants see;
    -- superseded: published earlier, still readable.
    status          text NOT NULL DEFAULT 'draft' CHECK (status IN ('draft', 'published', 'superseded')),
    created_at      timestamptz NOT NULL DEFAULT now(),
    published_at    timestamptz,
    published_by    uuid,
    UNIQUE (event_id, number),
    CONSTRAINT published_has_time CHECK ((status = 'draft') = (published_at IS NULL))
);

CREATE UNIQUE INDEX schedule_versions_one_published ON schedule_versions (event_id) WHERE status = 'published';
CREATE INDEX schedule_versions_event_idx ON schedule_versions (event_id, number DESC);

CREATE TABLE schedule_meetings (
    version_id      uuid NOT NULL REFERENCES schedule_versions (id) ON DELETE CASCADE,
    sme_id          uuid NOT NULL,
    buyer_id        uuid NOT NULL,
    slot            integer NOT NULL CHECK (slot >= 0),
    -- The buyer's table, from 0 (people see 1-based numbers).
    table_index     integer NOT NULL CHECK (table_index >= 0),
    relevance       double precision NOT NULL CHECK (relevance BETWEEN 0 AND 1),
    -- Why they meet: the engine's components, driving need and sentences (sv, en).
    explanation     jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(explanation) = 'object'),
    locked          boolean NOT NULL DEFAULT false,
    PRIMARY KEY (version_id, sme_id, buyer_id),
    UNIQUE (version_id, sme_id, slot),
    UNIQUE (version_id, buyer_id, table_index, slot)
);

-- Organiser decisions for the next run: keep a meeting where it is, or never schedule a pair.
CREATE TABLE schedule_rules (
    event_id        uuid NOT NULL,
    sme_id          uuid NOT NULL,
    buyer_id        uuid NOT NULL,
    rule            text NOT NULL CHECK (rule IN ('lock', 'forbid')),
    slot            integer CHECK (slot >= 0),
    table_index     integer CHECK (table_index >= 0),
    reason          text NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
    created_by      uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, sme_id, buyer_id),
    CONSTRAINT lock_has_slot CHECK ((rule = 'lock') = (slot IS NOT NULL))
);

-- Unguessable links for participants without accounts: the token is shown once, only its hash kept.
CREATE TABLE agenda_links (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id        uuid NOT NULL,
    organisation_id uuid NOT NULL,
    -- The buyer table the link is for (NULL: the whole organisation's agenda).
    table_index     integer CHECK (table_index >= 0),
    token_hash      bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    -- The last version this participant opened, for "what changed since you last looked".
    last_seen_version integer,
    created_at      timestamptz NOT NULL DEFAULT now(),
    revoked_at      timestamptz
);

CREATE INDEX agenda_links_participant_idx ON agenda_links (event_id, organisation_id);

-- Notifications are written in the same transaction as the publish that causes them and delivered at
-- least once afterwards (webhooks, e-mail); consumers dedupe on the id.
CREATE TABLE outbox (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id        uuid NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('schedule.published', 'schedule.changed')),
    channel         text NOT NULL CHECK (channel IN ('webhook', 'email')),
    -- Webhook URL or e-mail address.
    destination     text NOT NULL CHECK (length(destination) BETWEEN 1 AND 2000),
    payload         jsonb NOT NULL CHECK (jsonb_typeof(payload) = 'object'),
    attempts        integer NOT NULL DEFAULT 0 CHECK (attempts >= 0),
    next_attempt_at timestamptz NOT NULL DEFAULT now(),
    delivered_at    timestamptz,
    last_error      text CHECK (length(last_error) <= 2000),
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX outbox_due_idx ON outbox (next_attempt_at) WHERE delivered_at IS NULL;

-- Where notifications go: an organiser registers webhooks per event (secret for HMAC signatures).
CREATE TABLE webhooks (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id        uuid NOT NULL,
    url             text NOT NULL CHECK (url ~ '^https?://' AND length(url) <= 2000),
    secret          text NOT NULL CHECK (length(secret) >= 32),
    created_by      uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, url)
);

ALTER TABLE jobs
    ADD CONSTRAINT jobs_result_version_fk
    FOREIGN KEY (result_version_id) REFERENCES schedule_versions (id) ON DELETE SET NULL;

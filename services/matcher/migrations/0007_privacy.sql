-- Erasures and cancellations reach the matcher's copies (migration of the privacy feature).
--
-- registry_feed: how far this matcher has applied the registry's change feed (GET /changes); one row,
-- locked while a sync applies a page, so concurrent processes apply each change once and in order.
-- erased_organisations: ids only (no personal data), so a snapshot fetched before an erasure and stored
-- after it is redacted on the way in, and deliveries check against it.
-- cancellations: a registration cancelled after publication. The published version stays the record;
-- agendas of versions up to up_to_version leave the organisation's meetings out (calendars get them
-- cancelled) and its agenda link says the sign-up is cancelled.
-- schedule_versions.revision: bumped when a version's stored copy is redacted, so every process's agenda
-- cache (keyed by it) stops serving what it built before.

CREATE TABLE registry_feed (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_id     bigint NOT NULL DEFAULT 0 CHECK (last_id >= 0),
    synced_at   timestamptz
);
INSERT INTO registry_feed DEFAULT VALUES;

CREATE TABLE erased_organisations (
    organisation_id uuid PRIMARY KEY,
    erased_at       timestamptz NOT NULL,
    applied_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE cancellations (
    event_id        uuid NOT NULL,
    organisation_id uuid NOT NULL,
    up_to_version   integer NOT NULL CHECK (up_to_version >= 1),
    cancelled_at    timestamptz NOT NULL,
    applied_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, organisation_id)
);

ALTER TABLE schedule_versions ADD COLUMN revision integer NOT NULL DEFAULT 0 CHECK (revision >= 0);

ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('schedule.published', 'schedule.changed', 'registration.cancelled'));

-- Who did what in the matcher, and when: published a version, locked or forbade a pair, asked for a
-- (re-)plan, added or removed a webhook, revoked an agenda link. The same shape as registry.audit_log,
-- written in the same transaction as the action. Entries outlive what they describe (no foreign keys)
-- and hold no personal data: organisation ids, numbers and the names of fields, never contacts or free
-- text people typed.
CREATE TABLE audit_log (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                      timestamptz NOT NULL DEFAULT now(),
    actor_token_id          uuid,
    actor_role              text,
    actor_organisation_id   uuid,
    action                  text NOT NULL CHECK (action ~ '^[a-z_.]{1,60}$'),
    entity                  text NOT NULL CHECK (entity ~ '^[a-z_]{1,40}$'),
    entity_id               text,
    organisation_id         uuid,
    event_id                uuid,
    changes                 jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(changes) = 'object'),
    request_id              text
);

CREATE INDEX audit_log_event_idx ON audit_log (event_id, id) WHERE event_id IS NOT NULL;
CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, id);
CREATE INDEX audit_log_organisation_idx ON audit_log (organisation_id, id) WHERE organisation_id IS NOT NULL;

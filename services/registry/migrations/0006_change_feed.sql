-- The registry's change feed: erasures and cancellations after publication, for the matcher to apply to
-- the copies it holds (snapshots, agendas, queued notifications). A row is written in the same
-- transaction as the change itself, so the feed never misses one nor names one that was rolled back.
-- No personal data: what happened, to which organisation (and event), and when. No foreign keys: an
-- erased organisation's row may be deleted, and its feed entry must stay.

CREATE TABLE changes (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind            text NOT NULL CHECK (kind IN ('organisation.erased', 'registration.cancelled')),
    organisation_id uuid NOT NULL,
    event_id        uuid,
    at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cancellation_names_event CHECK ((kind = 'registration.cancelled') = (event_id IS NOT NULL))
);

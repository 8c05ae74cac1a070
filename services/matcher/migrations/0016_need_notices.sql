-- A need's procurement moves (the registry's change feed, kind need.stage): the firms that met its buyer at
-- an event are told once it is advertised, and the firms following it are told of every move
-- (services/matcher/outcomes/). need_notices says who was told what, keyed by (need, stage, organisation),
-- so each firm gets one e-mail per stage however often the feed entry is read. Rows hold ids only; the
-- e-mail (with the address) is the outbox row they point to. An erasure deletes the organisation's rows
-- and their e-mails (services/matcher/privacy/erasure.py).

-- The outbox takes the notices (kind need.stage); the list repeats every kind added so far (0007, 0011, 0014).
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('schedule.published', 'schedule.changed', 'registration.cancelled')
           OR kind IN ('reminder.signup', 'reminder.agenda', 'reminder.meeting')
           OR kind IN ('reminder.feedback', 'reminder.feedback_reminder')
           OR kind IN ('need.stage'));

-- A firm that follows a need but never met its buyer has no event to file its notice under: only such a
-- notice may have none (every other kind keeps its event; the deliverer reads event_id for webhooks only).
ALTER TABLE outbox ALTER COLUMN event_id DROP NOT NULL;
ALTER TABLE outbox ADD CONSTRAINT outbox_event_unless_need_notice CHECK (event_id IS NOT NULL OR kind = 'need.stage');

CREATE TABLE need_notices (
    need_id         uuid NOT NULL,
    stage           text NOT NULL CHECK (stage IN ('tender', 'awarded', 'contract', 'cancelled', 'unsuccessful')),
    organisation_id uuid NOT NULL,
    -- The need's buyer (an erasure of the buyer finds the notices about its needs).
    buyer_id        uuid NOT NULL,
    -- met: it met the buyer at event_id; follows: it follows the need or its CPV division.
    reason          text NOT NULL CHECK (reason IN ('met', 'follows')),
    event_id        uuid,
    -- NULL: the firm had no contact with an e-mail address (told of nothing, and not again).
    outbox_id       uuid REFERENCES outbox (id) ON DELETE SET NULL,
    queued_at       timestamptz NOT NULL,
    PRIMARY KEY (need_id, stage, organisation_id),
    CHECK ((reason = 'met') = (event_id IS NOT NULL))
);

CREATE INDEX need_notices_organisation_idx ON need_notices (organisation_id);
CREATE INDEX need_notices_buyer_idx ON need_notices (buyer_id);

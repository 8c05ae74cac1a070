-- The second feedback round, months after the event (services/matcher/feedback/follow_up*.py): each firm is
-- asked, per need it discussed at a meeting, whether it bid and whether it was awarded; each buyer, per need
-- discussed, whether and how it was procured. One e-mail each (reminder kind 'follow_up', sent exactly once by
-- the reminder scheduler) and one reminder (kind 'follow_up_reminder') to those who have not answered. The
-- round's times are in feedback_rounds (kind 'follow_up'), who was asked in feedback_requests (0014).
-- Comments are free text typed by people: exported, and erased with the organisation.

-- The outbox takes the follow-up e-mails; the list repeats every kind added so far (0007, 0011, 0014, 0016's
-- need.stage), so the constraint holds them all.
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('schedule.published', 'schedule.changed', 'registration.cancelled')
           OR kind IN ('reminder.signup', 'reminder.agenda', 'reminder.meeting')
           OR kind IN ('reminder.feedback', 'reminder.feedback_reminder')
           OR kind IN ('need.stage')
           OR kind IN ('reminder.follow_up', 'reminder.follow_up_reminder'));

ALTER TABLE reminders DROP CONSTRAINT reminders_kind_check;
ALTER TABLE reminders ADD CONSTRAINT reminders_kind_check
    CHECK (kind IN ('signup', 'agenda', 'meeting', 'feedback', 'feedback_reminder', 'follow_up', 'follow_up_reminder'));

-- Per answering organisation and need discussed (a need has one buyer; a firm answers once per need however
-- many of its meetings named it).
CREATE TABLE follow_up_answers (
    event_id        uuid NOT NULL,
    organisation_id uuid NOT NULL,
    need_id         uuid NOT NULL,
    -- The need's buyer (the answering buyer itself on its side).
    buyer_id        uuid NOT NULL,
    side            text NOT NULL CHECK (side IN ('sme', 'buyer')),
    -- The firm's: did it bid, was it awarded.
    bid             text CHECK (bid IN ('yes', 'no', 'unknown')),
    awarded         text CHECK (awarded IN ('yes', 'no', 'pending')),
    -- The buyer's: how the need was procured.
    procured        text CHECK (procured IN ('direct_award', 'tender', 'cancelled', 'not_yet')),
    -- Free text typed by a person: personal data (exported, erased with the organisation).
    comment         text NOT NULL DEFAULT '' CHECK (char_length(comment) <= 2000),
    answered_at     timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (event_id, organisation_id, need_id),
    CONSTRAINT follow_up_answers_by_side CHECK (
        (side = 'sme' AND bid IS NOT NULL AND awarded IS NOT NULL AND procured IS NULL)
        OR (side = 'buyer' AND organisation_id = buyer_id AND procured IS NOT NULL AND bid IS NULL AND awarded IS NULL)
    )
);

CREATE INDEX follow_up_answers_organisation_idx ON follow_up_answers (organisation_id);

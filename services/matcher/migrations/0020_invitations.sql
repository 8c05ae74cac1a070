-- Invitations to an event (issue 14, services/matcher/invitations/): an organiser invites earlier participants
-- or a segment of firms (a municipality, a CPV division, those who took part before) by e-mail through the
-- outbox. A row per event and firm, so nobody is invited twice to one event however often the button is
-- pressed. The row holds ids and codes only; the address and the text are in the outbox row (kind
-- 'invitation', participant_id the firm), exported and erased with the organisation by id.

-- The outbox takes the invitations; the list repeats every kind added so far (0007, 0011, 0014, 0016, 0017).
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('schedule.published', 'schedule.changed', 'registration.cancelled')
           OR kind IN ('reminder.signup', 'reminder.agenda', 'reminder.meeting')
           OR kind IN ('reminder.feedback', 'reminder.feedback_reminder')
           OR kind IN ('need.stage')
           OR kind IN ('reminder.follow_up', 'reminder.follow_up_reminder')
           OR kind IN ('invitation'));

CREATE TABLE invitations (
    event_id        uuid NOT NULL,
    organisation_id uuid NOT NULL,
    -- The segment the firm was invited by, as codes: {"municipality": "2085", "cpv_division": "45",
    -- "took_part_before": true, "earlier_event_id": "…"} (no names, no addresses).
    segment         jsonb NOT NULL CHECK (jsonb_typeof(segment) = 'object'),
    outbox_id       uuid,
    queued_at       timestamptz NOT NULL,
    PRIMARY KEY (event_id, organisation_id)
);

CREATE INDEX invitations_organisation_idx ON invitations (organisation_id);
CREATE INDEX invitations_event_queued_idx ON invitations (event_id, queued_at, organisation_id);

-- "Undvik par som redan träffats" on the organiser's event form: a day setting the web sends as the schedule
-- job's avoid_repeat_pairs when the organiser runs the matcher (on by default, as the job parameter).
ALTER TABLE event_day_settings ADD COLUMN avoid_repeat_pairs boolean NOT NULL DEFAULT true;

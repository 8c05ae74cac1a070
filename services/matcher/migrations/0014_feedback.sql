-- Feedback after the day (services/matcher/feedback/): the evening of the event each participant who had
-- meetings in the published version gets one e-mail (a reminder row of kind 'feedback', sent exactly once by
-- the reminder scheduler), with its agenda link's page to rate each meeting; one reminder a few days later
-- to those who have not answered. Answers are seen by organisers only. Comments are free text typed by
-- people: the GDPR export lists them and an erasure of the organisation deletes its requests and answers.
-- Times are decided by the application's clock (shared/clock.py): every time column is given by the caller.

-- The outbox takes the feedback e-mails (kinds reminder.feedback, reminder.feedback_reminder).
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('schedule.published', 'schedule.changed', 'registration.cancelled')
           OR kind IN ('reminder.signup', 'reminder.agenda', 'reminder.meeting')
           OR kind IN ('reminder.feedback', 'reminder.feedback_reminder'));

ALTER TABLE reminders DROP CONSTRAINT reminders_kind_check;
ALTER TABLE reminders ADD CONSTRAINT reminders_kind_check
    CHECK (kind IN ('signup', 'agenda', 'meeting', 'feedback', 'feedback_reminder'));

-- The organiser's settings of the event's feedback (no row: the defaults).
CREATE TABLE feedback_settings (
    event_id            uuid PRIMARY KEY,
    -- The e-mail goes out at this local time (the event's time zone) on the day of the event.
    after_day_time      time NOT NULL DEFAULT '18:00',
    -- The one reminder, this many days after the e-mail, to those who have not answered.
    reminder_days       integer NOT NULL DEFAULT 3 CHECK (reminder_days BETWEEN 1 AND 30),
    -- Answers can be given and changed for this many days after the e-mail; then the round is closed.
    open_days           integer NOT NULL DEFAULT 14 CHECK (open_days BETWEEN 1 AND 90),
    -- The second round (follow_up), this many months after the event.
    follow_up_months    integer NOT NULL DEFAULT 6 CHECK (follow_up_months BETWEEN 1 AND 24),
    updated_at          timestamptz NOT NULL,
    CHECK (open_days > reminder_days)
);

-- One round of questions per event and kind, as last planned from the published version and the settings.
CREATE TABLE feedback_rounds (
    event_id    uuid NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('after_day', 'follow_up')),
    opens_at    timestamptz NOT NULL,
    reminder_at timestamptz NOT NULL,
    closes_at   timestamptz NOT NULL,
    planned_at  timestamptz NOT NULL,
    PRIMARY KEY (event_id, kind),
    CHECK (opens_at < reminder_at AND reminder_at < closes_at)
);

-- Per participant and round: when it was asked, reminded, and last answered.
CREATE TABLE feedback_requests (
    event_id        uuid NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('after_day', 'follow_up')),
    organisation_id uuid NOT NULL,
    -- How it takes part (for response rates per side).
    side            text NOT NULL CHECK (side IN ('sme', 'buyer')),
    sent_at         timestamptz,
    reminded_at     timestamptz,
    answered_at     timestamptz,
    PRIMARY KEY (event_id, kind, organisation_id)
);

CREATE INDEX feedback_requests_organisation_idx ON feedback_requests (organisation_id);

-- Per meeting (a pair meets at most once per event) and answering party: its rating and comment.
CREATE TABLE feedback_answers (
    event_id        uuid NOT NULL,
    sme_id          uuid NOT NULL,
    buyer_id        uuid NOT NULL,
    -- Who answered: the SME or the buyer of the meeting.
    organisation_id uuid NOT NULL CHECK (organisation_id IN (sme_id, buyer_id)),
    rating          text NOT NULL
                    CHECK (rating IN ('did_not_take_place', 'no_further_interest', 'will_follow_up', 'will_bid_or_buy')),
    -- Free text typed by a person: personal data (exported, erased with the organisation).
    comment         text NOT NULL DEFAULT '' CHECK (char_length(comment) <= 2000),
    answered_at     timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL,
    PRIMARY KEY (event_id, sme_id, buyer_id, organisation_id)
);

CREATE INDEX feedback_answers_organisation_idx ON feedback_answers (organisation_id);

-- Reminders before the day, as durable rows: each is sent exactly once, however many schedulers run and
-- however often they restart (services/matcher/reminders/). A row is planned from the published version
-- and the event's day settings (agenda the day before, a short one before each meeting) or written when
-- the sign-up reminder goes out; claiming a due row, writing its e-mail to the outbox and marking it sent
-- happen in one transaction, and the unique key makes a second row for the same reminder impossible.
-- Rows hold organisation ids and times only; the e-mail (with the address) is the outbox row they point to.
-- Times are decided by the application's clock (shared/clock.py): every time column is given by the caller.

-- The outbox takes the reminders' e-mails (kinds reminder.signup, reminder.agenda, reminder.meeting).
ALTER TABLE outbox DROP CONSTRAINT outbox_kind_check;
ALTER TABLE outbox ADD CONSTRAINT outbox_kind_check
    CHECK (kind IN ('schedule.published', 'schedule.changed', 'registration.cancelled')
           OR kind IN ('reminder.signup', 'reminder.agenda', 'reminder.meeting'));

CREATE TABLE reminders (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        uuid NOT NULL,
    -- Whom it is for.
    organisation_id uuid NOT NULL,
    -- signup: the sign-up deadline is near and it ranked no needs; agenda: its agenda the day before;
    -- meeting: a short reminder before one meeting.
    kind            text NOT NULL CHECK (kind IN ('signup', 'agenda', 'meeting')),
    -- For a meeting reminder: the organisation met (a pair meets at most once per event, so this names the
    -- meeting across versions); NULL for the others.
    counterpart_id  uuid,
    -- The meeting's slot and the published version the row was planned from (what it will say).
    slot            integer CHECK (slot >= 0),
    version         integer CHECK (version >= 1),
    due_at          timestamptz NOT NULL,
    -- Not sent after this (the meeting started, the day began, the deadline passed): state expired.
    expires_at      timestamptz NOT NULL,
    -- planned: waits for due_at; sent: its e-mail is in the outbox (outbox_id); cancelled: the meeting went
    -- away or the setting was turned off before it was due; expired: due but too late; skipped: due but
    -- nobody to write to (no contact, or no longer on the agenda).
    state           text NOT NULL DEFAULT 'planned'
                    CHECK (state IN ('planned', 'sent', 'cancelled', 'expired', 'skipped')),
    outbox_id       uuid REFERENCES outbox (id) ON DELETE SET NULL,
    planned_at      timestamptz NOT NULL,
    settled_at      timestamptz,
    CONSTRAINT reminders_meeting_names_counterpart CHECK ((kind = 'meeting') = (counterpart_id IS NOT NULL)),
    CONSTRAINT reminders_once UNIQUE NULLS NOT DISTINCT (event_id, organisation_id, kind, counterpart_id)
);

-- The schedulers' claim: planned rows by due time.
CREATE INDEX reminders_due_idx ON reminders (due_at) WHERE state = 'planned';
CREATE INDEX reminders_organisation_idx ON reminders (organisation_id);

-- What each event's reminders were last planned from: a scheduler plans an event again only when this
-- fingerprint (published version, its cancellations, day settings, meetings called off on the day) changed.
-- signup_*: the registry's sign-up deadline as last read, and when (read again every few minutes).
CREATE TABLE reminder_plans (
    event_id            uuid PRIMARY KEY,
    fingerprint         text NOT NULL DEFAULT '',
    planned_at          timestamptz,
    signup_deadline     timestamptz,
    signup_checked_at   timestamptz
);

-- The event day on the floor of the venue: per-event day settings, arrivals, the stand-by list, each
-- meeting's status on the day, declines and busy slots, and the table-slots freed during the day with how
-- they were filled. A pair meets at most once per event, so (event_id, sme_id, buyer_id) names a meeting
-- across schedule versions. Rows hold organisation ids, never names or contacts; the only free text (a
-- decline's reason) is scrubbed by an erasure and listed in the export like the rules' reasons.
-- Times are decided by the application's clock (shared/clock.py), so every time column is given by the
-- caller; the defaults are only for hand-written rows.

CREATE TABLE event_day_settings (
    event_id                    uuid PRIMARY KEY,
    -- Nothing that starts within this many minutes from now (or has started) is moved or added.
    frozen_horizon_minutes      integer NOT NULL DEFAULT 10 CHECK (frozen_horizon_minutes BETWEEN 0 AND 240),
    -- true: a live fill is published at once and only the changed participants are told;
    -- false: it waits as a draft version for the organiser's click.
    live_mode                   boolean NOT NULL DEFAULT false,
    -- A decline or busy slot before the day: 'review' (the organiser decides) or 'replan' (a re-plan job).
    declines_before_day         text NOT NULL DEFAULT 'review' CHECK (declines_before_day IN ('review', 'replan')),
    remind_signup_days_before   integer CHECK (remind_signup_days_before BETWEEN 1 AND 60),
    remind_agenda_day_before    boolean NOT NULL DEFAULT true,
    remind_minutes_before       integer CHECK (remind_minutes_before BETWEEN 1 AND 120),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    updated_by                  uuid
);

-- Who has arrived. One row per organisation and event: checking in again changes nothing.
CREATE TABLE arrivals (
    event_id        uuid NOT NULL,
    organisation_id uuid NOT NULL,
    arrived_at      timestamptz NOT NULL,
    -- How the reception found them: the QR code of their link, by name, by org.nr, or registered on the spot.
    how             text NOT NULL CHECK (how IN ('qr', 'name', 'orgnr', 'walk_in')),
    by_token_id     uuid,
    by_role         text,
    PRIMARY KEY (event_id, organisation_id)
);

-- Firms that can take a freed meeting: walk-ins and arrived firms with free time. left_at: no longer.
CREATE TABLE standby (
    event_id        uuid NOT NULL,
    organisation_id uuid NOT NULL,
    source          text NOT NULL CHECK (source IN ('walk_in', 'arrived')),
    since           timestamptz NOT NULL,
    left_at         timestamptz,
    PRIMARY KEY (event_id, organisation_id)
);

-- A published meeting's status on the day; no row means planned. Two people marking at once give one
-- record (primary key; the later mark wins and is the one shown, both are in the audit log).
CREATE TABLE meeting_status (
    event_id        uuid NOT NULL,
    sme_id          uuid NOT NULL,
    buyer_id        uuid NOT NULL,
    status          text NOT NULL CHECK (status IN ('held', 'no_show_sme', 'no_show_buyer', 'cancelled_day')),
    -- The published version the meeting was in when it was marked.
    version_id      uuid REFERENCES schedule_versions (id) ON DELETE SET NULL,
    marked_at       timestamptz NOT NULL,
    by_token_id     uuid,
    by_role         text,
    PRIMARY KEY (event_id, sme_id, buyer_id)
);

-- "Kan inte": a participant declines one meeting (counterpart set) or is busy in one slot (slot set).
CREATE TABLE unavailability (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        uuid NOT NULL,
    organisation_id uuid NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('decline', 'busy')),
    counterpart_id  uuid,
    slot            integer CHECK (slot >= 0),
    reason          text NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
    -- pending: waits for the organiser's review; applied: in a re-plan or live fill; dismissed: not acted on.
    state           text NOT NULL DEFAULT 'pending' CHECK (state IN ('pending', 'applied', 'dismissed')),
    created_at      timestamptz NOT NULL,
    by_token_id     uuid,
    CONSTRAINT unavailability_names_what CHECK (
        (kind = 'decline' AND counterpart_id IS NOT NULL AND slot IS NULL)
        OR (kind = 'busy' AND slot IS NOT NULL AND counterpart_id IS NULL)
    )
);

CREATE UNIQUE INDEX unavailability_decline_once ON unavailability (event_id, organisation_id, counterpart_id)
    WHERE kind = 'decline';
CREATE UNIQUE INDEX unavailability_busy_once ON unavailability (event_id, organisation_id, slot)
    WHERE kind = 'busy';

-- A table-slot freed on the day (no-show, decline, cancellation) and how it was filled.
CREATE TABLE freed_slots (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        uuid NOT NULL,
    buyer_id        uuid NOT NULL,
    slot            integer NOT NULL CHECK (slot >= 0),
    table_index     integer NOT NULL CHECK (table_index >= 0),
    cause           text NOT NULL CHECK (cause IN ('no_show', 'decline', 'cancellation')),
    -- The meeting that was there.
    sme_id          uuid,
    freed_at        timestamptz NOT NULL,
    -- open: not filled yet; filled: a stand-by firm got it (filled_sme_id, in filled_version_id);
    -- expired: it started (or came within the frozen horizon) before anyone could take it.
    state           text NOT NULL DEFAULT 'open' CHECK (state IN ('open', 'filled', 'expired')),
    filled_sme_id   uuid,
    filled_version_id uuid REFERENCES schedule_versions (id) ON DELETE SET NULL,
    filled_at       timestamptz,
    UNIQUE (event_id, buyer_id, slot, table_index, freed_at)
);

CREATE INDEX freed_slots_open_idx ON freed_slots (event_id, slot) WHERE state = 'open';

-- Individual support after the day (issue 14): UDD offers participating firms "subventionerat, tidsbegränsat
-- individuellt stöd". A firm asks for it at sign-up or in its feedback (or an organiser records a request),
-- an organiser assigns an adviser (a registry account with role adviser), and the adviser records hours
-- against the firm's allowance, which the request copies from the event's setting when it is made (so a
-- later change of the setting does not shrink a promise already given). Notes are free text typed by
-- people: exported, and erased with the organisation (services/matcher/support/privacy.py).

CREATE TABLE support_settings (
    event_id        uuid PRIMARY KEY,
    allowance_hours numeric(5, 1) NOT NULL DEFAULT 10 CHECK (allowance_hours > 0 AND allowance_hours <= 200),
    updated_at      timestamptz NOT NULL
);

CREATE TABLE support_requests (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id            uuid NOT NULL,
    organisation_id     uuid NOT NULL,
    source              text NOT NULL CHECK (source IN ('signup', 'feedback', 'organiser')),
    -- What the firm wants help with: personal data (exported, erased with the organisation).
    note                text NOT NULL DEFAULT '' CHECK (char_length(note) <= 2000),
    status              text NOT NULL DEFAULT 'requested'
                        CHECK (status IN ('requested', 'assigned', 'closed', 'declined')),
    -- The registry account (role adviser) that gives the support; ids only, the name is the registry's.
    adviser_account_id  uuid,
    allowance_hours     numeric(5, 1) NOT NULL CHECK (allowance_hours > 0),
    requested_at        timestamptz NOT NULL,
    assigned_at         timestamptz,
    closed_at           timestamptz,
    updated_at          timestamptz NOT NULL,
    UNIQUE (event_id, organisation_id),
    CHECK ((status = 'requested') = (adviser_account_id IS NULL) OR status = 'declined')
);
CREATE INDEX support_requests_organisation_idx ON support_requests (organisation_id);
CREATE INDEX support_requests_adviser_idx ON support_requests (adviser_account_id) WHERE adviser_account_id IS NOT NULL;

CREATE TABLE support_hours (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    request_id          uuid NOT NULL REFERENCES support_requests (id) ON DELETE CASCADE,
    adviser_account_id  uuid NOT NULL,
    worked_on           date NOT NULL,
    hours               numeric(4, 1) NOT NULL CHECK (hours > 0 AND hours <= 24),
    -- What was done: personal data (exported, erased with the organisation).
    note                text NOT NULL DEFAULT '' CHECK (char_length(note) <= 2000),
    recorded_at         timestamptz NOT NULL
);
CREATE INDEX support_hours_request_idx ON support_hours (request_id);

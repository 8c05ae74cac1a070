-- Supporters (issue 14): an organiser grants a supporter account ("stödroll", e.g. a municipality's
-- business office) some of its own events, read-only or editing.
--
-- An event's owner is the organiser account whose web session created it. Events made before this
-- migration, or by a token that is no account's session (a bootstrap or API token), are owned by nobody:
-- every organiser manages their grants, as every organiser manages everything about events today.
ALTER TABLE events ADD COLUMN owner_account_id uuid REFERENCES accounts (id) ON DELETE SET NULL;
CREATE INDEX events_owner_idx ON events (owner_account_id) WHERE owner_account_id IS NOT NULL;

-- One grant per event and supporter account. Ids only (no personal data of its own): deleting the account
-- takes its grants; deleting a draft event takes its grants; an organiser account gone leaves the grant
-- standing without its granter.
CREATE TABLE event_grants (
    event_id    uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    account_id  uuid NOT NULL REFERENCES accounts (id) ON DELETE CASCADE,
    access      text NOT NULL CHECK (access IN ('read', 'edit')),
    granted_by  uuid REFERENCES accounts (id) ON DELETE SET NULL,
    granted_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, account_id)
);

-- A token check reads a supporter's grants by its account.
CREATE INDEX event_grants_account_idx ON event_grants (account_id);

-- Supporters and advisers sign in like organisers: their sessions are API tokens of their role. The list
-- repeats every role (migration 0010's and adviser's, issue 14).
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check
    CHECK (role IN ('organiser', 'buyer', 'sme', 'service', 'host', 'adviser', 'supporter'));

-- The "värd" (host) role: a helper the organiser lets run the reception of one event on its day. A host
-- token names its event; no other token does. Deleting the event (only drafts can be) takes its hosts'
-- tokens with it.
ALTER TABLE api_tokens DROP CONSTRAINT api_tokens_role_check;
ALTER TABLE api_tokens ADD CONSTRAINT api_tokens_role_check
    CHECK (role IN ('organiser', 'buyer', 'sme', 'service', 'host'));
ALTER TABLE api_tokens ADD COLUMN event_id uuid REFERENCES events (id) ON DELETE CASCADE;
ALTER TABLE api_tokens ADD CONSTRAINT event_matches_role CHECK ((role = 'host') = (event_id IS NOT NULL));
CREATE INDEX api_tokens_event_idx ON api_tokens (event_id) WHERE event_id IS NOT NULL;

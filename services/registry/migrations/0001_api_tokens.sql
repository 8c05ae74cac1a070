-- API tokens: only the SHA-256 of each token is kept; the token itself is shown once when issued.
CREATE TABLE api_tokens (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash      bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    role            text NOT NULL CHECK (role IN ('organiser', 'buyer', 'sme', 'service')),
    -- Buyers and SMEs act for exactly one organisation; organisers and services for none.
    -- (The foreign key to organisations arrives with the organisations table.)
    organisation_id uuid,
    label           text NOT NULL DEFAULT '' CHECK (length(label) <= 200),
    created_at      timestamptz NOT NULL DEFAULT now(),
    created_by      uuid REFERENCES api_tokens (id) ON DELETE SET NULL,
    expires_at      timestamptz,
    revoked_at      timestamptz,
    CONSTRAINT organisation_matches_role
        CHECK ((role IN ('buyer', 'sme')) = (organisation_id IS NOT NULL))
);

CREATE INDEX api_tokens_organisation_idx ON api_tokens (organisation_id) WHERE organisation_id IS NOT NULL;

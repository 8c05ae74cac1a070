-- Web login. Organisers and buyers sign in with an account (e-mail and password); SMEs get a
-- single-use sign-in link mailed to a contact address of their organisation. Both end in an
-- ordinary API token (api_tokens), so every route keeps checking one kind of credential.

CREATE TABLE accounts (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    -- Lower-cased by the application (Python's lower(), not the database's: they differ outside ASCII).
    email           text NOT NULL CHECK (length(email) <= 320 AND email LIKE '%_@_%'),
    -- scrypt$N$r$p$<salt base64>$<hash base64> (services/registry/passwords.py); never the password.
    password_hash   text NOT NULL CHECK (password_hash LIKE 'scrypt$%'),
    role            text NOT NULL CHECK (role IN ('organiser', 'buyer')),
    -- A buyer account acts for its organisation; deleting the organisation (GDPR erasure) deletes it.
    organisation_id uuid REFERENCES organisations (id) ON DELETE CASCADE,
    name            text NOT NULL DEFAULT '' CHECK (length(name) <= 200),
    created_at      timestamptz NOT NULL DEFAULT now(),
    last_login_at   timestamptz,
    disabled_at     timestamptz,
    CONSTRAINT accounts_organisation_matches_role CHECK ((role = 'buyer') = (organisation_id IS NOT NULL))
);

CREATE UNIQUE INDEX accounts_email_key ON accounts (email);
CREATE INDEX accounts_organisation_idx ON accounts (organisation_id) WHERE organisation_id IS NOT NULL;

-- Sign-in links for SMEs: only the SHA-256 of the link's token is kept (like api_tokens). A link is
-- good once, for 20 minutes; used and expired rows are purged a day later.
CREATE TABLE sign_in_links (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    token_hash      bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    organisation_id uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- The contact address the link was mailed to (lower() of the database, as the contacts lookup uses):
    -- redeeming checks it is still a contact.
    email           text NOT NULL CHECK (length(email) <= 320),
    created_at      timestamptz NOT NULL DEFAULT now(),
    expires_at      timestamptz NOT NULL,
    used_at         timestamptz
);

CREATE INDEX sign_in_links_organisation_idx ON sign_in_links (organisation_id);
CREATE INDEX sign_in_links_expires_idx ON sign_in_links (expires_at);

-- Finding the organisations a contact address belongs to, whatever its case.
CREATE INDEX contacts_email_lower_idx ON contacts (lower(email));

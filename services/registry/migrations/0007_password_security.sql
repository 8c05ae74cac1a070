-- Passwords, sign-in limits and forgotten passwords (issue 12).

-- Argon2id hashes ($argon2id$v=19$m=…) from now on; scrypt ones stay valid until their owner's next
-- successful login re-hashes them (services/registry/passwords.py).
ALTER TABLE accounts DROP CONSTRAINT accounts_password_hash_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_password_hash_check
    CHECK (password_hash LIKE '$argon2id$%' OR password_hash LIKE 'scrypt$%');

-- "Glömt lösenordet?": the same single-use, 20-minute links as SMEs' sign-in links, for an account
-- instead of an organisation. Exactly one of the two is set; deleting the account deletes its links.
ALTER TABLE sign_in_links ALTER COLUMN organisation_id DROP NOT NULL;
ALTER TABLE sign_in_links ADD COLUMN account_id uuid REFERENCES accounts (id) ON DELETE CASCADE;
ALTER TABLE sign_in_links ADD CONSTRAINT sign_in_links_for_one
    CHECK ((organisation_id IS NULL) <> (account_id IS NULL));
CREATE INDEX sign_in_links_account_idx ON sign_in_links (account_id) WHERE account_id IS NOT NULL;

-- Failed logins per typed e-mail address (its SHA-256, so no address is stored): a soft limit that
-- slows guessing at one account with a growing pause but never shuts its owner out for long. The
-- hard limit per client address lives in rate_limits like the other limits.
CREATE TABLE login_failures (
    bucket          text PRIMARY KEY CHECK (length(bucket) <= 200),
    failures        integer NOT NULL CHECK (failures >= 1),
    first_failed_at timestamptz NOT NULL,
    last_failed_at  timestamptz NOT NULL
);
CREATE INDEX login_failures_last_idx ON login_failures (last_failed_at);

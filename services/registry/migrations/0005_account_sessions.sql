-- Web sessions know their account, so that disabling an account or setting a new password ends its
-- sessions at once instead of when they expire.
ALTER TABLE api_tokens ADD COLUMN account_id uuid REFERENCES accounts (id) ON DELETE CASCADE;
CREATE INDEX api_tokens_account_idx ON api_tokens (account_id) WHERE account_id IS NOT NULL;

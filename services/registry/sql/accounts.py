"""SQL of web accounts (organisers, buyers, advisers) and SME sign-in links."""

# The unique index on accounts.email: a second account with the same address is a 409, not a 500.
ACCOUNT_EMAIL_UNIQUE = "accounts_email_key"

# Locked FOR SHARE so that the organisation cannot be deleted before the account referring to it is in.
SELECT_ORGANISATION_FOR_ACCOUNT = """
SELECT id, kind, erased_at
FROM registry.organisations
WHERE id = $1
FOR SHARE
"""

INSERT_ACCOUNT = """
INSERT INTO registry.accounts (email, password_hash, role, organisation_id, name)
VALUES ($1, $2, $3, $4, $5)
RETURNING id, email, role, organisation_id, name, created_at, disabled_at
"""

LOCK_ACCOUNT = "SELECT id, organisation_id FROM registry.accounts WHERE id = $1 FOR UPDATE"

# $2..$4 are NULL for what does not change; $5 says whether disabled_at is set ($6 true) or cleared.
UPDATE_ACCOUNT = """
UPDATE registry.accounts
SET password_hash = coalesce($2, password_hash),
    name = coalesce($3, name),
    disabled_at = CASE WHEN NOT $4::boolean THEN disabled_at
                       WHEN $5::boolean THEN coalesce(disabled_at, now())
                       ELSE NULL END
WHERE id = $1
RETURNING id, email, role, organisation_id, name, created_at, disabled_at
"""

# A new password or a disabled account ends the account's web sessions at once.
REVOKE_ACCOUNT_SESSIONS = """
UPDATE registry.api_tokens SET revoked_at = now()
WHERE account_id = $1 AND revoked_at IS NULL
"""

LIST_ACCOUNTS = """
SELECT id, email, role, organisation_id, name, created_at, disabled_at
FROM registry.accounts
ORDER BY created_at, id
"""

SELECT_ACCOUNT = """
SELECT id, email, role, organisation_id, name, created_at, disabled_at
FROM registry.accounts
WHERE id = $1
"""

# An account of an erased (anonymised) organisation may no longer sign in.
SELECT_ACCOUNT_FOR_LOGIN = """
SELECT a.id, a.password_hash, a.role, a.organisation_id, a.name, a.email,
       a.disabled_at IS NULL AND (a.organisation_id IS NULL OR o.erased_at IS NULL) AS active
FROM registry.accounts AS a
LEFT JOIN registry.organisations AS o ON o.id = a.organisation_id
WHERE a.email = $1
"""

SET_LAST_LOGIN = "UPDATE registry.accounts SET last_login_at = now() WHERE id = $1"

# Re-hash at login: replaces exactly the hash that was verified ($2), never a newer one.
REHASH_PASSWORD = "UPDATE registry.accounts SET password_hash = $3 WHERE id = $1 AND password_hash = $2"

REVOKE_OWN_TOKEN = """
UPDATE registry.api_tokens
SET revoked_at = coalesce(revoked_at, now())
WHERE id = $1
"""

# --- sign-in links --------------------------------------------------------------------------------

# SMEs (not erased) with a contact at that address, whatever its case (index contacts_email_lower_idx).
SELECT_SME_ORGANISATIONS_OF_CONTACT = """
SELECT o.id, o.name
FROM registry.organisations AS o
WHERE o.kind = 'sme'
  AND o.erased_at IS NULL
  AND EXISTS (
      SELECT 1 FROM registry.contacts AS c WHERE c.organisation_id = o.id AND lower(c.email) = lower($1)
  )
ORDER BY o.sort_name, o.id
"""

# One row per organisation; $1 token hashes and $2 organisation ids pair up by position.
INSERT_SIGN_IN_LINKS = """
INSERT INTO registry.sign_in_links (token_hash, organisation_id, email, expires_at)
SELECT link.token_hash, link.organisation_id, lower($3), now() + make_interval(secs => $4)
FROM unnest($1::bytea[], $2::uuid[]) AS link (token_hash, organisation_id)
RETURNING id, organisation_id, expires_at
"""

# Links only matter until they expire; a day later they are of no use, not even for questions.
PURGE_OLD_SIGN_IN_LINKS = "DELETE FROM registry.sign_in_links WHERE expires_at < now() - interval '1 day'"

# Single use, atomically: of concurrent redeems of one link exactly one updates the row. The link is
# good only while its organisation exists unerased and the address is still one of its contacts.
REDEEM_SIGN_IN_LINK = """
UPDATE registry.sign_in_links AS l
SET used_at = now()
FROM registry.organisations AS o
WHERE l.token_hash = $1
  AND l.used_at IS NULL
  AND l.expires_at > now()
  AND o.id = l.organisation_id
  AND o.erased_at IS NULL
  AND EXISTS (
      SELECT 1 FROM registry.contacts AS c WHERE c.organisation_id = o.id AND lower(c.email) = l.email
  )
RETURNING l.id, l.organisation_id, o.name
"""

# --- forgotten passwords (account sign-in links) ----------------------------------------------------

# The account of an address, if it may sign in (the same conditions as a password login).
SELECT_ACCOUNT_FOR_LINK = """
SELECT a.id, a.name, a.email, a.organisation_id
FROM registry.accounts AS a
LEFT JOIN registry.organisations AS o ON o.id = a.organisation_id
WHERE a.email = $1 AND a.disabled_at IS NULL AND (a.organisation_id IS NULL OR o.erased_at IS NULL)
"""

INSERT_ACCOUNT_LINK = """
INSERT INTO registry.sign_in_links (token_hash, account_id, email, expires_at)
VALUES ($1, $2, $3, now() + make_interval(secs => $4))
RETURNING id, expires_at
"""

# Single use, atomically, like REDEEM_SIGN_IN_LINK; good only while the account may still sign in
# under the address the link was mailed to.
REDEEM_ACCOUNT_LINK = """
UPDATE registry.sign_in_links AS l
SET used_at = now()
FROM registry.accounts AS a
LEFT JOIN registry.organisations AS o ON o.id = a.organisation_id
WHERE l.token_hash = $1
  AND l.used_at IS NULL
  AND l.expires_at > now()
  AND a.id = l.account_id
  AND a.email = l.email
  AND a.disabled_at IS NULL
  AND (a.organisation_id IS NULL OR o.erased_at IS NULL)
RETURNING l.id, a.id AS account_id, a.role, a.organisation_id, a.name, a.email
"""

SET_PASSWORD = "UPDATE registry.accounts SET password_hash = $2, last_login_at = now() WHERE id = $1"

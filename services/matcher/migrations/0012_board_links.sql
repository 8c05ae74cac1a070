-- Venue boards: a big screen in the hall shows now and next per table at /b/{token}, without signing in.
-- An organiser makes a board link (the token is random, shown once; only its SHA-256 is kept, as for
-- agenda links) and can revoke it, after which the screen says the link is no longer valid (410). The
-- board shows table numbers and organisation names only, so no personal data is held here.
-- Times are decided by the application's clock (shared/clock.py) and given by the caller.
CREATE TABLE board_links (
    id          uuid PRIMARY KEY,
    event_id    uuid NOT NULL,
    token_hash  bytea NOT NULL UNIQUE CHECK (octet_length(token_hash) = 32),
    created_at  timestamptz NOT NULL,
    revoked_at  timestamptz,
    CHECK (revoked_at IS NULL OR revoked_at >= created_at)
);

CREATE INDEX board_links_event_idx ON board_links (event_id, created_at);

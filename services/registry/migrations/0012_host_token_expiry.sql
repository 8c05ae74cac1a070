-- A host token's label may name the helper who held it, and no organisation's erasure reaches it. From
-- now on a host token expires at midnight after its event's day (where the event is held) at the latest,
-- and the label of an expired or revoked one is blanked (services.registry.tokens.forget_expired_host_labels,
-- run whenever a token is issued). Host tokens issued before this without an expiry, or with a later one,
-- get the same end here, so that their labels are forgotten too.
UPDATE api_tokens AS t
SET expires_at = least(t.expires_at, (e.event_date + 1)::timestamp AT TIME ZONE e.time_zone)
FROM events AS e
WHERE t.event_id = e.id;

-- What each participant last opened: the published version number an SME or buyer read (with its own
-- token or an agenda link), so its next read can say what changed since then ("what changed since you
-- last looked"). One row per participant and event, whichever way it reads: a link and a token of the
-- same organisation share it. Organisers' reads are not recorded. Ids refer to the registry (no foreign
-- keys across services).

CREATE TABLE agenda_views (
    event_id          uuid NOT NULL,
    organisation_id   uuid NOT NULL,
    -- Only ever raised: opening an earlier version again does not make later changes "seen".
    last_seen_version integer NOT NULL CHECK (last_seen_version >= 1),
    seen_at           timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, organisation_id)
);

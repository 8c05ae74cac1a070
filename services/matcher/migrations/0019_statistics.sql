-- The statistics across events (services/matcher/statistics/, issue 14), read per request without parsing
-- a snapshot: the facts of each event's published version are written when it is published (a trigger, so
-- no path that publishes, the live fill's included, can forget to) and again when an erasure redacts its
-- snapshot, and backfilled below from the versions published before this migration. Ids, codes, dates and
-- amounts only, and the names of events and buyers (refreshed from the redacted snapshot on an erasure).
--
-- need_outcomes and need_outcome_awards mirror what the registry knows of each need's procurement (its
-- stage, when its tender was advertised, each award and the registered organisations it names), written in
-- the change feed's transaction with the need's notices (services/matcher/statistics/outcomes.py).

-- The published version of each event (one row per event; replaced when another version is published).
CREATE TABLE stat_events (
    event_id        uuid PRIMARY KEY,
    version_id      uuid NOT NULL REFERENCES schedule_versions (id) ON DELETE CASCADE,
    number          integer NOT NULL,
    name            text NOT NULL,
    event_date      date NOT NULL,
    published_at    timestamptz NOT NULL
);
CREATE INDEX stat_events_date_idx ON stat_events (event_date);

-- Who took part in the published version: SMEs with their home municipality, buyers with their name.
CREATE TABLE stat_participants (
    event_id            uuid NOT NULL REFERENCES stat_events (event_id) ON DELETE CASCADE,
    organisation_id     uuid NOT NULL,
    side                text NOT NULL CHECK (side IN ('sme', 'buyer')),
    municipality_code   text NOT NULL,
    -- Buyers only (the statistics' buyer filter shows it); NULL for SMEs.
    name                text,
    PRIMARY KEY (event_id, organisation_id)
);
CREATE INDEX stat_participants_municipality_idx ON stat_participants (municipality_code, event_id)
    WHERE side = 'sme';

-- The needs of the published version's snapshot, with their main CPV division.
CREATE TABLE stat_needs (
    event_id        uuid NOT NULL REFERENCES stat_events (event_id) ON DELETE CASCADE,
    need_id         uuid NOT NULL,
    buyer_id        uuid NOT NULL,
    cpv_division    text NOT NULL CHECK (cpv_division ~ '^[0-9]{2}$'),
    PRIMARY KEY (event_id, need_id)
);

-- Every pair any published version of the event planned, with its driving need and the number of the last
-- published version that had it: a meeting counts when the current version has it, or when it was marked
-- on the day (a no-show the live fill freed is left out of the next version but happened as a no-show).
CREATE TABLE stat_meetings (
    event_id        uuid NOT NULL,
    sme_id          uuid NOT NULL,
    buyer_id        uuid NOT NULL,
    need_id         uuid,
    cpv_division    text,
    last_version    integer NOT NULL,
    PRIMARY KEY (event_id, sme_id, buyer_id)
);
CREATE INDEX stat_meetings_buyer_idx ON stat_meetings (buyer_id, event_id);
CREATE INDEX stat_meetings_division_idx ON stat_meetings (cpv_division, event_id);
CREATE INDEX stat_meetings_need_idx ON stat_meetings (need_id, sme_id) WHERE need_id IS NOT NULL;

CREATE FUNCTION stat_record_version(version_id uuid) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
    v matcher.schedule_versions;
BEGIN
    SELECT * INTO v FROM matcher.schedule_versions WHERE id = version_id;
    DELETE FROM matcher.stat_events WHERE event_id = v.event_id;
    INSERT INTO matcher.stat_events (event_id, version_id, number, name, event_date, published_at)
    VALUES (v.event_id, v.id, v.number, coalesce(v.snapshot->'event'->>'name', ''),
            (v.snapshot->'event'->>'date')::date, coalesce(v.published_at, now()));
    INSERT INTO matcher.stat_participants (event_id, organisation_id, side, municipality_code, name)
    SELECT v.event_id, (s->'organisation'->>'id')::uuid, 'sme', coalesce(s->'organisation'->>'municipality_code', ''),
           NULL
    FROM jsonb_array_elements(coalesce(v.snapshot->'smes', '[]')) AS s
    UNION ALL
    SELECT v.event_id, (b->'organisation'->>'id')::uuid, 'buyer',
           coalesce(b->'organisation'->>'municipality_code', ''), coalesce(b->'organisation'->>'name', '')
    FROM jsonb_array_elements(coalesce(v.snapshot->'buyers', '[]')) AS b
    ON CONFLICT DO NOTHING;
    INSERT INTO matcher.stat_needs (event_id, need_id, buyer_id, cpv_division)
    SELECT v.event_id, (n->>'id')::uuid, (n->>'buyer_id')::uuid, left(n->>'cpv_main', 2)
    FROM jsonb_array_elements(coalesce(v.snapshot->'needs', '[]')) AS n
    WHERE n->>'cpv_main' ~ '^[0-9]{2}'
    ON CONFLICT DO NOTHING;
    INSERT INTO matcher.stat_meetings AS sm (event_id, sme_id, buyer_id, need_id, cpv_division, last_version)
    SELECT v.event_id, m.sme_id, m.buyer_id, n.need_id, n.cpv_division, v.number
    FROM matcher.schedule_meetings AS m
    LEFT JOIN matcher.stat_needs AS n
           ON n.event_id = v.event_id AND n.need_id::text = m.explanation->>'need_id'
    WHERE m.version_id = v.id
    ON CONFLICT (event_id, sme_id, buyer_id) DO UPDATE
    SET need_id = excluded.need_id, cpv_division = excluded.cpv_division,
        last_version = greatest(sm.last_version, excluded.last_version);
END
$$;

CREATE FUNCTION stat_on_publish() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM matcher.stat_record_version(NEW.id);
    RETURN NULL;
END
$$;

-- A publish (draft or superseded → published), and an erasure's redaction of the published snapshot.
CREATE TRIGGER schedule_versions_stat_publish AFTER UPDATE OF status, snapshot ON schedule_versions
    FOR EACH ROW
    WHEN (NEW.status = 'published'
          AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.snapshot IS DISTINCT FROM NEW.snapshot))
    EXECUTE FUNCTION stat_on_publish();

-- Each need's procurement as the registry last told it (the feed's need.stage entries).
CREATE TABLE need_outcomes (
    need_id         uuid PRIMARY KEY,
    buyer_id        uuid NOT NULL,
    stage           text NOT NULL,
    -- When its tender was advertised (the tender period's start, else the feed entry's time); NULL: not yet.
    tender_at       timestamptz,
    -- The feed entry it was last written from, and its time (a re-read of an older one changes nothing).
    change_id       bigint NOT NULL,
    changed_at      timestamptz NOT NULL
);

-- Per award and registered organisation it names (a supplier without a registered org.nr is not here).
CREATE TABLE need_outcome_awards (
    need_id         uuid NOT NULL REFERENCES need_outcomes (need_id) ON DELETE CASCADE,
    award_id        text NOT NULL,
    organisation_id uuid NOT NULL,
    status          text NOT NULL,
    awarded_at      timestamptz,
    value_sek       bigint CHECK (value_sek >= 0),
    PRIMARY KEY (need_id, award_id, organisation_id)
);
CREATE INDEX need_outcome_awards_organisation_idx ON need_outcome_awards (organisation_id, need_id);

-- The figures' other sources, by event (feedback, follow-up bids, support).
CREATE INDEX IF NOT EXISTS meeting_status_event_idx ON meeting_status (event_id, status);
CREATE INDEX IF NOT EXISTS follow_up_answers_need_idx ON follow_up_answers (need_id, organisation_id)
    WHERE side = 'sme' AND bid = 'yes';
CREATE INDEX IF NOT EXISTS support_requests_event_idx ON support_requests (event_id, organisation_id);

-- The versions published before this migration, oldest first per event (the published one last).
SELECT stat_record_version(id) FROM schedule_versions WHERE status IN ('superseded', 'published')
ORDER BY event_id, number;

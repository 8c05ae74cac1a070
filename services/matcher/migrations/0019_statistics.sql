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

-- Who took part in the published version: SMEs with their home municipality, buyers with their name (the
-- filters' choices).
CREATE TABLE stat_participants (
    event_id            uuid NOT NULL REFERENCES stat_events (event_id) ON DELETE CASCADE,
    organisation_id     uuid NOT NULL,
    side                text NOT NULL CHECK (side IN ('sme', 'buyer')),
    municipality_code   text NOT NULL,
    -- Buyers only (the statistics' buyer filter shows it); NULL for SMEs.
    name                text,
    PRIMARY KEY (event_id, organisation_id)
);

-- The needs of the published version's snapshot, with their main CPV division.
CREATE TABLE stat_needs (
    event_id        uuid NOT NULL REFERENCES stat_events (event_id) ON DELETE CASCADE,
    need_id         uuid NOT NULL,
    buyer_id        uuid NOT NULL,
    cpv_division    text NOT NULL CHECK (cpv_division ~ '^[0-9]{2}$'),
    PRIMARY KEY (event_id, need_id)
);

-- Every pair any published version of the event planned, with its driving need, the firm's municipality,
-- the event's day, its day mark and ratings (kept by triggers), and the number of the last
-- published version that had it: a meeting counts when the current version has it (current), or when it
-- was marked on the day (a no-show the live fill freed is left out of the next version but happened).
CREATE TABLE stat_meetings (
    event_id            uuid NOT NULL,
    sme_id              uuid NOT NULL,
    buyer_id            uuid NOT NULL,
    need_id             uuid,
    cpv_division        text,
    sme_municipality    text,
    event_date          date NOT NULL,
    status              text,
    -- Each side's after-day rating of the meeting (kept by a trigger on feedback_answers).
    sme_rating          text,
    buyer_rating        text,
    last_version        integer NOT NULL,
    current             boolean NOT NULL,
    -- A registration cancelled after publication, up to (at least) last_version (kept by a trigger).
    cancelled           boolean NOT NULL DEFAULT false,
    PRIMARY KEY (event_id, sme_id, buyer_id)
);
CREATE INDEX stat_meetings_need_idx ON stat_meetings (need_id, sme_id) WHERE need_id IS NOT NULL;
-- The filters (a filtered report reads only its meetings), and each firm's first event.
CREATE INDEX stat_meetings_date_idx ON stat_meetings (event_date);
CREATE INDEX stat_meetings_municipality_idx ON stat_meetings (sme_municipality);
CREATE INDEX stat_meetings_buyer_idx ON stat_meetings (buyer_id);
CREATE INDEX stat_meetings_division_idx ON stat_meetings (cpv_division);
CREATE INDEX stat_meetings_firm_idx ON stat_meetings (sme_id, event_date);

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
    INSERT INTO matcher.stat_meetings AS sm
        (event_id, sme_id, buyer_id, need_id, cpv_division, sme_municipality, event_date, status, sme_rating,
         buyer_rating, last_version, current)
    SELECT v.event_id, m.sme_id, m.buyer_id, n.need_id, n.cpv_division, p.municipality_code,
           (v.snapshot->'event'->>'date')::date, s.status, fs.rating, fb.rating, v.number, true
    FROM matcher.schedule_meetings AS m
    LEFT JOIN matcher.stat_needs AS n
           ON n.event_id = v.event_id AND n.need_id::text = m.explanation->>'need_id'
    LEFT JOIN matcher.stat_participants AS p ON p.event_id = v.event_id AND p.organisation_id = m.sme_id
    LEFT JOIN matcher.meeting_status AS s
           ON s.event_id = v.event_id AND s.sme_id = m.sme_id AND s.buyer_id = m.buyer_id
    LEFT JOIN matcher.feedback_answers AS fs
           ON fs.event_id = v.event_id AND fs.sme_id = m.sme_id AND fs.buyer_id = m.buyer_id
          AND fs.organisation_id = m.sme_id
    LEFT JOIN matcher.feedback_answers AS fb
           ON fb.event_id = v.event_id AND fb.sme_id = m.sme_id AND fb.buyer_id = m.buyer_id
          AND fb.organisation_id = m.buyer_id
    WHERE m.version_id = v.id
    ON CONFLICT (event_id, sme_id, buyer_id) DO UPDATE
    SET need_id = excluded.need_id, cpv_division = excluded.cpv_division,
        sme_municipality = excluded.sme_municipality, event_date = excluded.event_date, status = excluded.status,
        last_version = greatest(sm.last_version, excluded.last_version);
    UPDATE matcher.stat_meetings SET current = (last_version = v.number)
    WHERE event_id = v.event_id AND current <> (last_version = v.number);
    PERFORM matcher.stat_mark_cancelled(v.event_id);
END
$$;

-- Which of an event's pairs a cancellation after publication took off (their last version is at most the
-- cancellation's up_to_version).
CREATE FUNCTION stat_mark_cancelled(event uuid) RETURNS void
LANGUAGE sql AS $$
    UPDATE matcher.stat_meetings AS m SET cancelled = NOT m.cancelled
    WHERE m.event_id = event AND m.cancelled <> EXISTS (
        SELECT 1 FROM matcher.cancellations AS c
        WHERE c.event_id = m.event_id AND c.organisation_id IN (m.sme_id, m.buyer_id)
          AND c.up_to_version >= m.last_version)
$$;

CREATE FUNCTION stat_on_cancellation() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM matcher.stat_mark_cancelled(coalesce(NEW.event_id, OLD.event_id));
    RETURN NULL;
END
$$;

CREATE TRIGGER cancellations_stat AFTER INSERT OR UPDATE OR DELETE ON cancellations
    FOR EACH ROW EXECUTE FUNCTION stat_on_cancellation();

-- A day mark made, changed or undone.
CREATE FUNCTION stat_on_mark() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE matcher.stat_meetings SET status = NULL
        WHERE event_id = OLD.event_id AND sme_id = OLD.sme_id AND buyer_id = OLD.buyer_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE matcher.stat_meetings SET status = NEW.status
        WHERE event_id = NEW.event_id AND sme_id = NEW.sme_id AND buyer_id = NEW.buyer_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER meeting_status_stat AFTER INSERT OR UPDATE OR DELETE ON meeting_status
    FOR EACH ROW EXECUTE FUNCTION stat_on_mark();

-- A rating given, changed, or erased with its organisation.
CREATE FUNCTION stat_on_rating() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE matcher.stat_meetings
        SET sme_rating = CASE WHEN OLD.organisation_id = sme_id THEN NULL ELSE sme_rating END,
            buyer_rating = CASE WHEN OLD.organisation_id = buyer_id THEN NULL ELSE buyer_rating END
        WHERE event_id = OLD.event_id AND sme_id = OLD.sme_id AND buyer_id = OLD.buyer_id;
    END IF;
    IF TG_OP <> 'DELETE' THEN
        UPDATE matcher.stat_meetings
        SET sme_rating = CASE WHEN NEW.organisation_id = sme_id THEN NEW.rating ELSE sme_rating END,
            buyer_rating = CASE WHEN NEW.organisation_id = buyer_id THEN NEW.rating ELSE buyer_rating END
        WHERE event_id = NEW.event_id AND sme_id = NEW.sme_id AND buyer_id = NEW.buyer_id;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER feedback_answers_stat AFTER INSERT OR UPDATE OR DELETE ON feedback_answers
    FOR EACH ROW EXECUTE FUNCTION stat_on_rating();

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

-- The figures' other sources (follow-up bids, support by event).
CREATE INDEX IF NOT EXISTS follow_up_answers_need_idx ON follow_up_answers (need_id, organisation_id)
    WHERE side = 'sme' AND bid = 'yes';
CREATE INDEX IF NOT EXISTS support_requests_event_idx ON support_requests (event_id, organisation_id);

-- The versions published before this migration, oldest first per event (the published one last).
SELECT stat_record_version(id) FROM schedule_versions WHERE status IN ('superseded', 'published')
ORDER BY event_id, number;

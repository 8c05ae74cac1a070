-- The registry's records: organisations (SMEs and buyers) and their contacts, upcoming needs,
-- events with their slot grid, registrations with interests, organiser pair rules, the audit log,
-- idempotency keys, rate-limit counters and procurement thresholds.
--
-- Conventions: ids are uuid; every editable row has `version` (bumped on each change, the ETag)
-- and `created_at`/`updated_at` in UTC. Identifiers arrive validated by the application and the
-- CHECKs repeat the shape so nothing malformed can be stored by another route either.

-- Trigram search (compound Swedish words: "röjning" finds "snöröjning"). Trusted extension since PG 13.
CREATE EXTENSION IF NOT EXISTS pg_trgm;

-- array_to_string is only STABLE; generated columns need an IMMUTABLE expression. Joining text[]
-- with a space does not depend on any setting, so this wrapper is honestly immutable.
CREATE FUNCTION join_words(words text[]) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT
    RETURN array_to_string(words, ' ');

-- Swedish alphabetical order without ICU (the embedded server has none): under the "C" collation
-- the bytes after 'z' are '{', '|', '}', so mapping å, ä, ö there sorts a–z, å, ä, ö as SAOL does.
-- Æ/Ø sort with Ä/Ö, ü with y, accented vowels with their base letter; v and w stay separate letters.
CREATE FUNCTION swedish_sort_key(value text) RETURNS text
    LANGUAGE sql IMMUTABLE PARALLEL SAFE RETURNS NULL ON NULL INPUT
    RETURN translate(lower(value), 'åäæöøüéèêëáàâíìóòúù', '{||}}yeeeeaaaiioouu') COLLATE "C";

CREATE TABLE organisations (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind                text NOT NULL CHECK (kind IN ('sme', 'buyer')),
    -- NULL only after erasure (GDPR): the row stays so that published schedules keep their shape.
    orgnr               text UNIQUE CHECK (orgnr ~ '^[0-9]{6}-[0-9]{4}$'),
    name                text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    municipality_code   text NOT NULL CHECK (municipality_code ~ '^[0-9]{4}$'),
    description         text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    keywords            text[] NOT NULL DEFAULT '{}',
    cpv_codes           text[] NOT NULL DEFAULT '{}',
    employees_band      text CHECK (employees_band IN ('0', '1-9', '10-49', '50-249', '250+')),
    turnover_sek        bigint CHECK (turnover_sek >= 0),
    serves_whole_country boolean NOT NULL DEFAULT false,
    served_counties     text[] NOT NULL DEFAULT '{}',
    served_municipalities text[] NOT NULL DEFAULT '{}',
    certificates        text[] NOT NULL DEFAULT '{}',
    languages           text[] NOT NULL DEFAULT '{sv}',
    -- Buyers: what kind of public body (kommun, region, länsstyrelse, kommunalt bolag, …).
    buyer_category      text CHECK (buyer_category IN ('municipality', 'region', 'county_board', 'municipal_company', 'state_agency', 'other')),
    website             text CHECK (length(website) <= 300),
    erased_at           timestamptz,
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cpv_codes_are_8_digits CHECK (array_to_string(cpv_codes, ',') ~ '^([0-9]{8}(,[0-9]{8})*)?$'),
    CONSTRAINT buyer_fields_only_for_buyers CHECK (kind = 'buyer' OR buyer_category IS NULL),
    CONSTRAINT erased_has_no_orgnr CHECK (erased_at IS NULL OR orgnr IS NULL),
    search_document     tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('swedish', name), 'A')
        || setweight(to_tsvector('swedish', join_words(keywords)), 'B')
        || setweight(to_tsvector('swedish', description), 'C')
    ) STORED,
    search_text         text GENERATED ALWAYS AS (
        lower(name || ' ' || join_words(keywords) || ' ' || description)
    ) STORED,
    sort_name           text COLLATE "C" GENERATED ALWAYS AS (swedish_sort_key(name)) STORED
);

CREATE INDEX organisations_kind_name_idx ON organisations (kind, sort_name, id);
CREATE INDEX organisations_sort_name_idx ON organisations (sort_name, id);
CREATE INDEX organisations_municipality_idx ON organisations (municipality_code);
CREATE INDEX organisations_cpv_idx ON organisations USING gin (cpv_codes);
CREATE INDEX organisations_search_idx ON organisations USING gin (search_document);
CREATE INDEX organisations_trigram_idx ON organisations USING gin (search_text gin_trgm_ops);

-- Tokens act for an organisation; deleting the organisation revokes them with it.
ALTER TABLE api_tokens
    ADD CONSTRAINT api_tokens_organisation_fk
    FOREIGN KEY (organisation_id) REFERENCES organisations (id) ON DELETE CASCADE;

-- Contact people: personal data, shown only to the organisation itself, organisers and the matcher
-- (which prints them on agendas once a meeting between the two parties is published).
CREATE TABLE contacts (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    position        integer NOT NULL CHECK (position >= 0),
    name            text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    title           text NOT NULL DEFAULT '' CHECK (length(title) <= 200),
    email           text NOT NULL CHECK (length(email) <= 320 AND email LIKE '%_@_%'),
    phone           text CHECK (phone ~ '^\+[0-9]{7,15}$'),
    UNIQUE (organisation_id, position)
);

CREATE TABLE needs (
    id                      uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    buyer_id                uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    -- OCDS identity when the need came from (or goes to) a buyer's system.
    ocid                    text UNIQUE CHECK (length(ocid) BETWEEN 1 AND 200),
    reference               text CHECK (length(reference) <= 100),
    title                   text NOT NULL CHECK (length(title) BETWEEN 1 AND 300),
    description             text NOT NULL DEFAULT '' CHECK (length(description) <= 10000),
    cpv_main                text NOT NULL CHECK (cpv_main ~ '^[0-9]{8}$'),
    cpv_additional          text[] NOT NULL DEFAULT '{}',
    estimated_value_sek     bigint CHECK (estimated_value_sek >= 0),
    planned_tender_date     date,
    contract_start          date,
    contract_end            date,
    procedure               text NOT NULL DEFAULT 'other'
                            CHECK (procedure IN ('direct_award', 'simplified', 'open', 'other')),
    lots                    jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(lots) = 'array'),
    delivery_municipality   text CHECK (delivery_municipality ~ '^[0-9]{4}$'),
    suitable_for_smes       boolean NOT NULL DEFAULT true,
    status                  text NOT NULL DEFAULT 'planning'
                            CHECK (status IN ('planning', 'planned', 'published', 'cancelled')),
    -- The need's contact person (personal data, same visibility as contacts).
    contact                 jsonb CHECK (contact IS NULL OR jsonb_typeof(contact) = 'object'),
    version                 integer NOT NULL DEFAULT 1,
    created_at              timestamptz NOT NULL DEFAULT now(),
    updated_at              timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT cpv_additional_are_8_digits
        CHECK (array_to_string(cpv_additional, ',') ~ '^([0-9]{8}(,[0-9]{8})*)?$'),
    CONSTRAINT contract_period_ordered CHECK (contract_end IS NULL OR contract_start IS NULL OR contract_end >= contract_start),
    search_document         tsvector GENERATED ALWAYS AS (
        setweight(to_tsvector('swedish', title), 'A') || setweight(to_tsvector('swedish', description), 'C')
    ) STORED,
    search_text             text GENERATED ALWAYS AS (lower(title || ' ' || description)) STORED
);

CREATE INDEX needs_buyer_idx ON needs (buyer_id);
CREATE INDEX needs_status_idx ON needs (status, planned_tender_date, id);
CREATE INDEX needs_cpv_main_idx ON needs (cpv_main text_pattern_ops);
CREATE INDEX needs_search_idx ON needs USING gin (search_document);
CREATE INDEX needs_trigram_idx ON needs USING gin (search_text gin_trgm_ops);

-- Thresholds change every other year (EU) or by law (direct award): data with a valid-from date,
-- never literals in code. The value in force on a date is the row with the latest valid_from <= date.
CREATE TABLE procurement_thresholds (
    kind        text NOT NULL CHECK (kind ~ '^[a-z_]{1,60}$'),
    valid_from  date NOT NULL,
    amount_sek  bigint NOT NULL CHECK (amount_sek > 0),
    source      text NOT NULL DEFAULT '' CHECK (length(source) <= 500),
    PRIMARY KEY (kind, valid_from)
);

CREATE TABLE events (
    id                          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    name                        text NOT NULL CHECK (length(name) BETWEEN 1 AND 200),
    description                 text NOT NULL DEFAULT '' CHECK (length(description) <= 5000),
    event_date                  date NOT NULL,
    venue                       text NOT NULL DEFAULT '' CHECK (length(venue) <= 300),
    municipality_code           text NOT NULL CHECK (municipality_code ~ '^[0-9]{4}$'),
    time_zone                   text NOT NULL DEFAULT 'Europe/Stockholm',
    day_start                   time NOT NULL,
    day_end                     time NOT NULL,
    meeting_minutes             integer NOT NULL CHECK (meeting_minutes BETWEEN 5 AND 120),
    changeover_minutes          integer NOT NULL DEFAULT 5 CHECK (changeover_minutes BETWEEN 0 AND 60),
    breaks                      jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(breaks) = 'array'),
    tables                      integer NOT NULL CHECK (tables BETWEEN 1 AND 1000),
    signup_deadline             timestamptz NOT NULL,
    default_meetings_per_sme    integer NOT NULL DEFAULT 4 CHECK (default_meetings_per_sme >= 1),
    max_meetings_per_sme        integer NOT NULL DEFAULT 8 CHECK (max_meetings_per_sme >= 1),
    status                      text NOT NULL DEFAULT 'draft'
                                CHECK (status IN ('draft', 'open', 'closed', 'scheduled', 'published')),
    version                     integer NOT NULL DEFAULT 1,
    created_at                  timestamptz NOT NULL DEFAULT now(),
    updated_at                  timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT day_ordered CHECK (day_end > day_start),
    CONSTRAINT default_within_max CHECK (default_meetings_per_sme <= max_meetings_per_sme)
);

CREATE INDEX events_date_idx ON events (event_date, id);

-- Every status change, with who and why: re-opening a scheduled event is a decision to document.
CREATE TABLE event_transitions (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    event_id        uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    from_status     text NOT NULL,
    to_status       text NOT NULL,
    reason          text NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
    actor_token_id  uuid,
    at              timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX event_transitions_event_idx ON event_transitions (event_id, at);

CREATE TABLE registrations (
    id                  uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    event_id            uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    organisation_id     uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    kind                text NOT NULL CHECK (kind IN ('sme', 'buyer')),
    -- Slot indexes into the event's grid; NULL means "all day".
    available_slots     integer[] CHECK (available_slots IS NULL OR 0 <= ALL (available_slots)),
    max_meetings        integer CHECK (max_meetings >= 0),
    languages           text[] NOT NULL DEFAULT '{sv}',
    tables              integer CHECK (tables >= 1),
    -- Buyers: the people at the tables (personal data).
    representatives     jsonb NOT NULL DEFAULT '[]' CHECK (jsonb_typeof(representatives) = 'array'),
    note                text NOT NULL DEFAULT '' CHECK (length(note) <= 2000),
    status              text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'cancelled')),
    cancelled_at        timestamptz,
    cancel_reason       text NOT NULL DEFAULT '' CHECK (length(cancel_reason) <= 1000),
    -- Was the event already published when this registration was cancelled? The matcher re-plans.
    cancelled_after_publication boolean NOT NULL DEFAULT false,
    version             integer NOT NULL DEFAULT 1,
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    UNIQUE (event_id, organisation_id),
    CONSTRAINT buyer_fields CHECK (kind = 'buyer' OR (tables IS NULL AND representatives = '[]')),
    CONSTRAINT sme_fields CHECK (kind = 'sme' OR max_meetings IS NULL),
    CONSTRAINT cancelled_consistent CHECK ((status = 'cancelled') = (cancelled_at IS NOT NULL))
);

CREATE INDEX registrations_organisation_idx ON registrations (organisation_id);
CREATE INDEX registrations_event_idx ON registrations (event_id, kind, status);

-- SMEs: the needs they want to discuss, ranked (1 = most wanted). Buyers: the needs they bring (rank NULL).
CREATE TABLE registration_needs (
    registration_id uuid NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
    need_id         uuid NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    rank            integer CHECK (rank >= 1),
    PRIMARY KEY (registration_id, need_id)
);

CREATE INDEX registration_needs_need_idx ON registration_needs (need_id);

-- Buyers: SMEs they would like to meet.
CREATE TABLE registration_wishes (
    registration_id uuid NOT NULL REFERENCES registrations (id) ON DELETE CASCADE,
    sme_id          uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    PRIMARY KEY (registration_id, sme_id)
);

-- Organiser decisions: pairs that must meet, and pairs that must never (conflicts of interest).
CREATE TABLE pair_rules (
    event_id        uuid NOT NULL REFERENCES events (id) ON DELETE CASCADE,
    sme_id          uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    buyer_id        uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    rule            text NOT NULL CHECK (rule IN ('must_meet', 'never')),
    reason          text NOT NULL DEFAULT '' CHECK (length(reason) <= 1000),
    created_by      uuid,
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (event_id, sme_id, buyer_id)
);

-- Who changed what and when. Early dialogue with suppliers must be documented (LOU), so entries
-- outlive the things they describe: no foreign keys, and erasure keeps them (they hold no contact data).
CREATE TABLE audit_log (
    id                      bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    at                      timestamptz NOT NULL DEFAULT now(),
    actor_token_id          uuid,
    actor_role              text,
    actor_organisation_id   uuid,
    action                  text NOT NULL CHECK (action ~ '^[a-z_.]{1,60}$'),
    entity                  text NOT NULL CHECK (entity ~ '^[a-z_]{1,40}$'),
    entity_id               text,
    organisation_id         uuid,
    event_id                uuid,
    changes                 jsonb NOT NULL DEFAULT '{}',
    request_id              text
);

CREATE INDEX audit_log_entity_idx ON audit_log (entity, entity_id, id);
CREATE INDEX audit_log_organisation_idx ON audit_log (organisation_id, id) WHERE organisation_id IS NOT NULL;
CREATE INDEX audit_log_event_idx ON audit_log (event_id, id) WHERE event_id IS NOT NULL;

-- A retried POST with the same Idempotency-Key (per caller) gets the first answer again.
-- The row is written in the same transaction as the thing it created, so both exist or neither.
CREATE TABLE idempotency_keys (
    owner           text NOT NULL,
    key             text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    method          text NOT NULL,
    path            text NOT NULL,
    request_hash    bytea NOT NULL,
    status          integer NOT NULL,
    body            bytea NOT NULL,
    headers         jsonb NOT NULL DEFAULT '{}',
    created_at      timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (owner, key)
);

CREATE INDEX idempotency_keys_created_idx ON idempotency_keys (created_at);

-- Fixed-window counters (e.g. self-registrations per client address per hour), shared by all processes.
CREATE TABLE rate_limits (
    bucket          text NOT NULL,
    window_start    timestamptz NOT NULL,
    hits            integer NOT NULL DEFAULT 0,
    PRIMARY KEY (bucket, window_start)
);

-- Thresholds in force (seed)
-- SEK, excluding VAT. Sources: Konkurrensverket, "Tröskelvärden och direktupphandlingsgränser 1 januari
-- 2022–31 december 2023" (konkurrensverket.se, gamla tröskelvärden); Upphandlingsmyndigheten,
-- "Tröskelvärden och direktupphandlingsgräns i kronor (SEK) från 1 januari 2024"
-- (upphandlingsmyndigheten.se/regler-och-lagstiftning/troskelvarden-och-direktupphandlingsgranser).
-- The LOU direct-award limit has been a fixed amount in the law since 2022-02-01 (prop. 2021/22:5,
-- LOU 19 a kap.), no longer a share of the EU threshold, so it does not change with the EU values.
-- NOT SEEDED, unverified at the time of writing: the EU thresholds in SEK from 2026-01-01 (Commission
-- regulations for 2026–2027) and any change of the direct-award limit under new Swedish procurement
-- rules from 2026. Organisers add them with POST /thresholds once published; nothing here guesses.
INSERT INTO procurement_thresholds (kind, valid_from, amount_sek, source) VALUES
    ('direct_award_lou', '2022-02-01', 700000, 'LOU 19 a kap. (prop. 2021/22:5), i kraft 2022-02-01; Konkurrensverket, Upphandlingsmyndigheten'),
    ('eu_supplies_services_central', '2022-01-01', 1456476, 'Konkurrensverket: tröskelvärden 2022–2023 (140 000 EUR)'),
    ('eu_supplies_services_other', '2022-01-01', 2236731, 'Konkurrensverket: tröskelvärden 2022–2023 (215 000 EUR)'),
    ('eu_works', '2022-01-01', 55991099, 'Konkurrensverket: tröskelvärden 2022–2023 (5 382 000 EUR)'),
    ('eu_social_services', '2022-01-01', 7802550, 'Konkurrensverket: tröskelvärden 2022–2023, LOU bilaga 2'),
    ('eu_supplies_services_central', '2024-01-01', 1546202, 'Upphandlingsmyndigheten: tröskelvärden från 2024-01-01 (143 000 EUR)'),
    ('eu_supplies_services_other', '2024-01-01', 2389585, 'Upphandlingsmyndigheten: tröskelvärden från 2024-01-01 (221 000 EUR)'),
    ('eu_works', '2024-01-01', 59880179, 'Upphandlingsmyndigheten: tröskelvärden från 2024-01-01 (5 538 000 EUR)'),
    ('eu_social_services', '2024-01-01', 8109450, 'Upphandlingsmyndigheten: tröskelvärden från 2024-01-01, LOU bilaga 2');

-- Needs follow their procurement (issue 14): what the buyer's OCDS tender, award and contract releases
-- say, kept apart from the need's own status (which says who may see it). Each piece remembers the date
-- of the release it came from, so that a release older than the stored one never overwrites it: the same
-- package imported twice, or an old one after a new one, moves nothing back.

CREATE TABLE need_procurement (
    need_id         uuid PRIMARY KEY REFERENCES needs (id) ON DELETE CASCADE,
    -- Derived from the pieces below by services.registry.procurement.stage_of, stored for filters and feeds.
    stage           text NOT NULL
                    CHECK (stage IN ('planned', 'tender', 'awarded', 'contract', 'cancelled', 'unsuccessful')),
    tender_status   text CHECK (tender_status IN ('planning', 'planned', 'active', 'cancelled', 'unsuccessful',
                                                  'complete', 'withdrawn')),
    stage_date      timestamptz NOT NULL,  -- the release date that last set the stage
    -- True once a release tagged tender/tenderUpdate carried a tender period: the tender is advertised.
    tender_published boolean NOT NULL DEFAULT false,
    tender_start    timestamptz,
    tender_end      timestamptz,
    tender_date     timestamptz,  -- the release date the tender piece came from (NULL: no tender seen yet)
    updated_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT tender_period_ordered CHECK (tender_end IS NULL OR tender_start IS NULL OR tender_end >= tender_start)
);
CREATE INDEX need_procurement_stage_idx ON need_procurement (stage);

CREATE TABLE need_awards (
    need_id         uuid NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    award_id        text NOT NULL,
    status          text NOT NULL CHECK (status IN ('pending', 'active', 'cancelled', 'unsuccessful')),
    award_date      timestamptz,
    value_sek       bigint CHECK (value_sek >= 0),
    release_date    timestamptz NOT NULL,
    PRIMARY KEY (need_id, award_id)
);

-- The awarded suppliers by organisationsnummer (scheme SE-BLV): the key that credits a meeting with an
-- award. A sole trader's org.nr is its owner's personnummer: erasing that firm clears it (privacy.py).
CREATE TABLE need_award_suppliers (
    need_id         uuid NOT NULL,
    award_id        text NOT NULL,
    position        integer NOT NULL CHECK (position >= 0),
    supplier_orgnr  text,
    supplier_name   text,
    PRIMARY KEY (need_id, award_id, position),
    FOREIGN KEY (need_id, award_id) REFERENCES need_awards (need_id, award_id) ON DELETE CASCADE
);
CREATE INDEX need_award_suppliers_orgnr_idx ON need_award_suppliers (supplier_orgnr);

CREATE TABLE need_contracts (
    need_id         uuid NOT NULL REFERENCES needs (id) ON DELETE CASCADE,
    contract_id     text NOT NULL,
    award_id        text,
    status          text NOT NULL CHECK (status IN ('pending', 'active', 'cancelled', 'terminated')),
    period_start    timestamptz,
    period_end      timestamptz,
    value_sek       bigint CHECK (value_sek >= 0),
    date_signed     timestamptz,
    release_date    timestamptz NOT NULL,
    PRIMARY KEY (need_id, contract_id)
);

-- Firms follow a need, or a CPV division (its first two digits), to be told when it moves.
CREATE TABLE follows (
    id              uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    organisation_id uuid NOT NULL REFERENCES organisations (id) ON DELETE CASCADE,
    need_id         uuid REFERENCES needs (id) ON DELETE CASCADE,
    cpv_division    text CHECK (cpv_division ~ '^[0-9]{2}$'),
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT follows_one_thing CHECK ((need_id IS NULL) <> (cpv_division IS NULL))
);
CREATE UNIQUE INDEX follows_need_idx ON follows (organisation_id, need_id) WHERE need_id IS NOT NULL;
CREATE UNIQUE INDEX follows_division_idx ON follows (organisation_id, cpv_division) WHERE cpv_division IS NOT NULL;
CREATE INDEX follows_by_need_idx ON follows (need_id) WHERE need_id IS NOT NULL;
CREATE INDEX follows_by_division_idx ON follows (cpv_division) WHERE cpv_division IS NOT NULL;

-- The change feed names a need whose stage moved, and the stage (ids and a word: still no personal data).
ALTER TABLE changes DROP CONSTRAINT changes_kind_check;
ALTER TABLE changes ADD CONSTRAINT changes_kind_check
    CHECK (kind IN ('organisation.erased', 'registration.cancelled', 'need.stage'));
ALTER TABLE changes ADD COLUMN need_id uuid;
ALTER TABLE changes ADD COLUMN stage text;
ALTER TABLE changes ADD CONSTRAINT stage_names_need
    CHECK ((kind = 'need.stage') = (need_id IS NOT NULL AND stage IS NOT NULL));

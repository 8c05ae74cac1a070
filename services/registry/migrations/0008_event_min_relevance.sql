-- Each event's minimum relevance for a meeting (percent): the matcher makes no meeting under it, not even
-- to give a firm its only one (organiser locks and "must meet" pairs excepted). 20 keeps every pair with a
-- real CPV or text fit on the sample event and drops those with none (see README, "The matching engine").
ALTER TABLE events
    ADD COLUMN min_relevance_percent smallint NOT NULL DEFAULT 20
        CHECK (min_relevance_percent BETWEEN 0 AND 100);

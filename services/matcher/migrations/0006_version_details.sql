-- What a schedule version was computed with and what it changed: the venue (agendas print it; the
-- registry's snapshot does not carry it), how it was made (a fresh plan or a re-plan of an earlier
-- version, with which seed and time limit), and after a re-plan how many meetings were kept, added,
-- moved and removed, with the reasons in words.
ALTER TABLE schedule_versions
    ADD COLUMN venue   text NOT NULL DEFAULT '' CHECK (length(venue) <= 300),
    ADD COLUMN mode    text NOT NULL DEFAULT 'fresh' CHECK (mode IN ('fresh', 'replan')),
    ADD COLUMN params  jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(params) = 'object'),
    ADD COLUMN changes jsonb NOT NULL DEFAULT '{}' CHECK (jsonb_typeof(changes) = 'object');

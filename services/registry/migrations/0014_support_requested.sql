-- A firm asks for the individual support after the day when it signs up (issue 14): "subventionerat,
-- tidsbegränsat individuellt stöd". The snapshot carries both to the matcher, which makes a support request
-- (source 'signup') once the version is published. The note is free text typed by people: it is in the
-- registration's export and goes with the organisation's erasure as the registration's own note does.
ALTER TABLE registrations
    ADD COLUMN support_requested boolean NOT NULL DEFAULT false,
    ADD COLUMN support_note text NOT NULL DEFAULT '' CHECK (length(support_note) <= 2000),
    ADD CONSTRAINT support_only_smes CHECK (kind = 'sme' OR NOT support_requested);

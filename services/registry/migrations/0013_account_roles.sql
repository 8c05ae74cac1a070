-- Two more account roles (issue 14). An adviser ("rådgivare") gives firms their individual support after
-- the day and records its hours; a supporter ("stödroll") is granted some of an organiser's events (e.g. a
-- municipality's business office), read-only or editing. Neither acts for an organisation.
ALTER TABLE accounts DROP CONSTRAINT accounts_role_check;
ALTER TABLE accounts ADD CONSTRAINT accounts_role_check
    CHECK (role IN ('organiser', 'buyer', 'adviser', 'supporter'));

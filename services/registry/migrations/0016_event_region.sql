-- The region an event serves (issue 15, "Flera kan göra som vi"): a county (län) by SCB's two-digit code.
-- Registration forms offer all of Sweden's municipalities with the event's county first; the venue's own
-- municipality stays municipality_code. Every event so far is Dalarna's (20), hence the default.
-- The check lists the 21 counties in use (SCB; unchanged since 1998), as shared/reference does.
ALTER TABLE events
    ADD COLUMN region text NOT NULL DEFAULT '20'
        CHECK (region IN ('01', '03', '04', '05', '06', '07', '08', '09', '10', '12', '13', '14',
                          '17', '18', '19', '20', '21', '22', '23', '24', '25'));

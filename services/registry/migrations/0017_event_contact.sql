-- Whom firms ask about an event (issue 15, "Dates that make sense"): the organiser's contact person, shown on
-- the event's public page and to a firm that finds sign-up closed. Personal data, chosen by the organisers
-- for that purpose (often a shared mailbox): null until one is given; a PATCH with null clears it, and an
-- erased account's address is cleared from every event that names it. {name, email, phone?} as needs' contact.
ALTER TABLE events
    ADD COLUMN contact jsonb CHECK (contact IS NULL OR jsonb_typeof(contact) = 'object');

-- A freed table-slot remembers which day mark freed it (marked_buyer_id with sme_id: the meeting marked), so
-- that setting the mark back to planned, or the firm checking in after all, withdraws exactly the slots that
-- mark freed and nothing a decline freed. withdrawn: the freed slot was taken back before anyone got it
-- (withdrawn_at says when, by the application's clock); a mark made again frees the meeting anew.
ALTER TABLE freed_slots ADD COLUMN marked_buyer_id uuid;
ALTER TABLE freed_slots ADD COLUMN withdrawn_at timestamptz;
ALTER TABLE freed_slots DROP CONSTRAINT freed_slots_state_check;
ALTER TABLE freed_slots ADD CONSTRAINT freed_slots_state_check
    CHECK (state IN ('open', 'filled', 'expired', 'withdrawn'));

-- Rows freed before this column existed: a mark frees its slots at the moment it is made (freed_at is the
-- mark's marked_at), so the mark of the same SME at that moment is the one.
UPDATE freed_slots AS f SET marked_buyer_id = s.buyer_id
FROM meeting_status AS s
WHERE f.cause IN ('no_show', 'cancellation') AND f.event_id = s.event_id AND f.sme_id = s.sme_id
  AND f.freed_at = s.marked_at AND s.status IN ('no_show_sme', 'cancelled_day');

CREATE INDEX freed_slots_mark_idx ON freed_slots (event_id, sme_id, marked_buyer_id) WHERE marked_buyer_id IS NOT NULL;

-- Buyers rank the SMEs they would like to meet (best first), as SMEs rank needs. Rows from before
-- this migration have no rank and sort after ranked ones.
ALTER TABLE registration_wishes ADD COLUMN rank integer CHECK (rank >= 1);

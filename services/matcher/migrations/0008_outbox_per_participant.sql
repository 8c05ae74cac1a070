-- One notice per participant, in order: outbox rows know whom they are for and which version they describe.
--
-- participant_id: the organisation an e-mail is for (NULL for webhooks, which are per event). version: the
-- schedule version a notice describes. A newer notice to the same participant supersedes one never sent
-- (superseded_by, due never again), so after an outage a participant gets one message about the current
-- published state, not every version in turn. sending_until: set while a deliverer is sending the row; a
-- participant's next row waits until it is settled, so no deliverer sends version 3 while another is still
-- sending version 2. Rows written before this migration have NULLs and are delivered as before.
ALTER TABLE outbox
    ADD COLUMN participant_id uuid,
    ADD COLUMN version        integer CHECK (version >= 1),
    ADD COLUMN sending_until  timestamptz,
    ADD COLUMN superseded_by  uuid REFERENCES outbox (id) ON DELETE SET NULL;

CREATE INDEX outbox_participant_idx ON outbox (event_id, participant_id, channel)
    WHERE participant_id IS NOT NULL;

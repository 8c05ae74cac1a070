-- Wake the notification deliverers when a publish has written outbox rows.
--
-- Deliverers LISTEN on matcher_outbox; the notification is sent when the inserting transaction commits
-- (never for one rolled back), once per statement however many rows it wrote. They still poll, so a
-- notification lost while no deliverer listened delays nothing for longer than one poll.

CREATE FUNCTION notify_outbox_insert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('matcher_outbox', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER outbox_notify_insert AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION notify_outbox_insert();

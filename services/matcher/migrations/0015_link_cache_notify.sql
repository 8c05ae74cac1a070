-- Agenda link and venue board reads are answered from each matcher process's memory
-- (services/matcher/link_cache.py): what a token stands for, its event's published version (number,
-- revision, cancellations) and, for a buyer, which of its SMEs have checked in. Every change to a row
-- those answers are made of sends NOTIFY matcher_link_cache with the event's id, from the changing
-- transaction itself (so nothing that writes these tables can forget to): a revoke, an erasure's revoke
-- and redaction, a publish, a live fill's new version, a cancellation, a check-in. PostgreSQL delivers it
-- at commit, once per event and transaction however many rows changed, and each process then forgets
-- that event's answers. No personal data is held here.
CREATE FUNCTION notify_link_cache() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        PERFORM pg_notify('matcher_link_cache', OLD.event_id::text);
    END IF;
    IF TG_OP <> 'DELETE' THEN
        PERFORM pg_notify('matcher_link_cache', NEW.event_id::text);  -- the same payload twice is sent once
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER agenda_links_notify_link_cache AFTER UPDATE OR DELETE ON agenda_links
    FOR EACH ROW EXECUTE FUNCTION notify_link_cache();
CREATE TRIGGER board_links_notify_link_cache AFTER UPDATE OR DELETE ON board_links
    FOR EACH ROW EXECUTE FUNCTION notify_link_cache();
CREATE TRIGGER schedule_versions_notify_link_cache AFTER INSERT OR UPDATE OR DELETE ON schedule_versions
    FOR EACH ROW EXECUTE FUNCTION notify_link_cache();
CREATE TRIGGER cancellations_notify_link_cache AFTER INSERT OR UPDATE OR DELETE ON cancellations
    FOR EACH ROW EXECUTE FUNCTION notify_link_cache();
CREATE TRIGGER arrivals_notify_link_cache AFTER INSERT OR UPDATE OR DELETE ON arrivals
    FOR EACH ROW EXECUTE FUNCTION notify_link_cache();

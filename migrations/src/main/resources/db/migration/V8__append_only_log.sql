-- The event log is append-only in the database itself, not by convention: history is what the audit log answers
-- from, and a log that the application (or a mistaken psql session) can rewrite answers nothing.
--
-- Which mechanism: a trigger, not privileges. It holds for every role, the table's owner and a superuser included,
-- as long as it is enabled, so it also holds where the control plane runs as the owner (the embedded default and
-- the README's production path). Disabling it takes ALTER TABLE on events, which only its owner or a superuser
-- has: to be out of reach of the control plane itself, run it as a role that does not own the tables
-- (docs/operations.md). pg_restore --disable-triggers disables it for the restore only, as it should.
--
-- The one update that is allowed: after a restore from another server, the control plane moves restored events'
-- transaction ids to 0 so that they sort first (Database.adoptRestoredLog); every other column stays as it was.

CREATE FUNCTION refuse_rewriting_history() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- Nested, not one AND: plpgsql does not promise to stop at the first false, and NEW has no columns on a DELETE.
    IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'events' THEN
        IF NEW.transaction_id = '0'::xid8
           AND (NEW.global_position, NEW.stream_id, NEW.stream_version, NEW.event_type, NEW.data, NEW.metadata, NEW.recorded_at)
               IS NOT DISTINCT FROM
               (OLD.global_position, OLD.stream_id, OLD.stream_version, OLD.event_type, OLD.data, OLD.metadata, OLD.recorded_at) THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'the event log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege',
              HINT = 'history is changed by appending events (a rollback appends the difference), never by rewriting them';
END;
$$;

CREATE TRIGGER events_append_only
    BEFORE UPDATE OR DELETE ON events
    FOR EACH ROW EXECUTE FUNCTION refuse_rewriting_history();

CREATE TRIGGER events_no_truncate
    BEFORE TRUNCATE ON events
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_rewriting_history();

-- A stream's version is the count of its events: it moves forward with them (UPDATE), it never goes away.
CREATE TRIGGER streams_kept
    BEFORE DELETE ON streams
    FOR EACH ROW EXECUTE FUNCTION refuse_rewriting_history();

CREATE TRIGGER streams_no_truncate
    BEFORE TRUNCATE ON streams
    FOR EACH STATEMENT EXECUTE FUNCTION refuse_rewriting_history();

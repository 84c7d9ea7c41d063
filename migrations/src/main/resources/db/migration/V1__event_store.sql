-- The event store: one stream per aggregate (for now, per cluster: 'cluster/<name>'), each with a gap-free
-- version, and one global log of every event.
--
-- Why transaction_id: global_position comes from a sequence, drawn when a row is inserted, not when it
-- commits. Two concurrent appends can commit in the opposite order of their positions, so a reader that
-- tails "position > last seen" can read 11, move its checkpoint past 10, and never see 10 once it commits.
-- Readers of the global log therefore order by (transaction_id, global_position) and read only rows whose
-- transaction is older than the oldest transaction still running (pg_snapshot_xmin): no row can appear
-- behind such a reader's checkpoint. xid8 never wraps around. Needs PostgreSQL 13 or newer.

CREATE TABLE streams (
    stream_id   text   PRIMARY KEY,
    version     bigint NOT NULL CHECK (version > 0)
);

CREATE TABLE events (
    global_position bigint      GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    transaction_id  xid8        NOT NULL DEFAULT pg_current_xact_id(),
    stream_id       text        NOT NULL,
    stream_version  bigint      NOT NULL CHECK (stream_version > 0),
    event_type      text        NOT NULL,
    data            jsonb       NOT NULL,
    metadata        jsonb       NOT NULL,
    recorded_at     timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT events_stream_version_unique UNIQUE (stream_id, stream_version)
);

CREATE INDEX events_log_order ON events (transaction_id, global_position);
CREATE INDEX events_recorded_at ON events (recorded_at);
CREATE INDEX events_type ON events (event_type);
CREATE INDEX events_actor ON events ((metadata ->> 'actor'));

-- A wake-up for every control-plane process: "stream X is now at version N". Only a signal: it is sent at
-- commit, never replayed, and a listener that was away re-reads from its own checkpoint.
CREATE FUNCTION notify_stream_appended() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('lvscp_events', NEW.stream_id || ' ' || NEW.version);
    RETURN NULL;
END;
$$;

CREATE TRIGGER streams_appended
    AFTER INSERT OR UPDATE ON streams
    FOR EACH ROW EXECUTE FUNCTION notify_stream_appended();

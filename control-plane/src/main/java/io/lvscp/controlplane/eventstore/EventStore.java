package io.lvscp.controlplane.eventstore;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.RowSet;
import io.vertx.sqlclient.Tuple;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Append-only event storage on PostgreSQL, through the reactive client: nothing here blocks a Vert.x thread.
 *
 * <p>An append is one statement, so one round trip and one commit: it moves the stream's version from the
 * expected one to the new one and inserts the events only if that succeeded. The version check comes before
 * any position is drawn, a stale writer draws none (Marten #4749), and the row lock on the stream serialises
 * concurrent writers of one stream while writers of different streams never wait for each other.
 *
 * <p>After each append a NOTIFY wakes the other control-plane processes, sent after the commit in a statement of
 * its own that does not wait for the disk (see V3__notify_after_commit.sql for why not inside the append).
 */
public final class EventStore {
    // Expected version > 0: bump the stream only if it is where the writer saw it.
    private static final String APPEND_EXISTING = """
            WITH bumped AS (
                UPDATE streams SET version = version + $3 WHERE stream_id = $1 AND version = $2 RETURNING version
            )
            INSERT INTO events (stream_id, stream_version, event_type, data, metadata)
            SELECT $1, $2 + e.ord, e.type, e.data::jsonb, $6::text::jsonb
            FROM bumped, unnest($4::text[], $5::text[]) WITH ORDINALITY AS e(type, data, ord)
            ORDER BY e.ord
            RETURNING global_position, transaction_id::text, stream_version, recorded_at
            """;
    // Expected version 0: create the stream. If it exists, no row comes back and the caller sees a conflict;
    // nothing is ever dropped silently, the events are inserted only when the stream row was written.
    private static final String APPEND_NEW = """
            WITH bumped AS (
                INSERT INTO streams (stream_id, version) VALUES ($1, $3) ON CONFLICT (stream_id) DO NOTHING RETURNING version
            )
            INSERT INTO events (stream_id, stream_version, event_type, data, metadata)
            SELECT $1, $2 + e.ord, e.type, e.data::jsonb, $6::text::jsonb
            FROM bumped, unnest($4::text[], $5::text[]) WITH ORDINALITY AS e(type, data, ord)
            ORDER BY e.ord
            RETURNING global_position, transaction_id::text, stream_version, recorded_at
            """;
    // The transaction id goes out as text under another name: ORDER BY transaction_id must sort the xid8
    // column numerically, not this text ("1000" < "997").
    // Observation streams take appends from anyone in any order: the version only numbers them.
    private static final String APPEND_ANY = """
            WITH bumped AS (
                INSERT INTO streams (stream_id, version) VALUES ($1, $2) ON CONFLICT (stream_id)
                DO UPDATE SET version = streams.version + $2 RETURNING version - $2 AS base
            )
            INSERT INTO events (stream_id, stream_version, event_type, data, metadata)
            SELECT $1, bumped.base + e.ord, e.type, e.data::jsonb, $5::text::jsonb
            FROM bumped, unnest($3::text[], $4::text[]) WITH ORDINALITY AS e(type, data, ord)
            ORDER BY e.ord
            RETURNING global_position, transaction_id::text, stream_version, recorded_at
            """;
    private static final String COLUMNS =
            "global_position, transaction_id::text AS transaction_text, stream_id, stream_version, event_type, data::text AS data, metadata::text AS metadata, recorded_at";
    private static final String READ_STREAM = "SELECT " + COLUMNS
            + " FROM events WHERE stream_id = $1 AND stream_version > $2 AND stream_version <= $3 ORDER BY stream_version";

    public static final String CHANNEL = "lvscp_events";
    private static final String NOTIFY = "SELECT set_config('synchronous_commit', 'off', true), pg_notify('" + CHANNEL + "', $1)";
    private static final Logger LOG = LoggerFactory.getLogger(EventStore.class);

    private static final int MAX_NOTIFY_PAYLOAD = 7900;
    private final Pool pool;
    private final Object notifyLock = new Object();
    private final StringBuilder pendingNotify = new StringBuilder();
    private boolean notifying;

    public EventStore(Pool pool) {
        this.pool = pool;
    }

    /** Appends events to a stream that must be at {@code expectedVersion} (0: must not exist yet). */
    public Future<AppendResult> append(String streamId, long expectedVersion, List<NewEvent> events, EventMetadata metadata) {
        if (events.isEmpty()) throw new IllegalArgumentException("nothing to append");
        String[] types = new String[events.size()];
        String[] data = new String[events.size()];
        for (int i = 0; i < events.size(); i++) {
            types[i] = events.get(i).type();
            data[i] = events.get(i).data();
        }
        String meta = metadataJson(metadata).encode();
        return pool.preparedQuery(expectedVersion == 0 ? APPEND_NEW : APPEND_EXISTING)
                .execute(Tuple.of(streamId, expectedVersion, (long) events.size(), types, data, meta))
                .map(rows -> {
                    if (rows.rowCount() == 0) throw new ConcurrencyConflict(streamId, expectedVersion);
                    RecordedEvent[] recorded = new RecordedEvent[events.size()];
                    for (Row r : rows) {
                        long version = r.getLong(2);
                        NewEvent e = events.get((int) (version - expectedVersion - 1));
                        recorded[(int) (version - expectedVersion - 1)] = new RecordedEvent(r.getLong(0), r.getString(1),
                                streamId, version, e.type(), e.data(), metadata, r.getOffsetDateTime(3));
                    }
                    return new AppendResult(expectedVersion + events.size(), List.of(recorded));
                })
                .onSuccess(r -> notifyAppended(streamId, r.version()));
    }

    /** Appends to a stream whatever its version: for observations, which no decision depends on. */
    public Future<Void> appendAny(String streamId, List<NewEvent> events, EventMetadata metadata) {
        String[] types = events.stream().map(NewEvent::type).toArray(String[]::new);
        String[] data = events.stream().map(NewEvent::data).toArray(String[]::new);
        return pool.preparedQuery(APPEND_ANY)
                .execute(Tuple.of(streamId, (long) events.size(), types, data, metadataJson(metadata).encode()))
                .onSuccess(rows -> notifyAppended(streamId, -1))
                .mapEmpty();
    }

    /**
     * The wake-up: best effort by design, a listener that misses it catches up on its next sweep. At most one NOTIFY is
     * in flight; the appends that commit meanwhile ride together on the next one, a line each ("stream version"). Under
     * many concurrent writers one NOTIFY per append took a connection and a round trip each, and was the store's main
     * cost after the append itself; gathered, they cost a fraction, and a lone append is still announced at once.
     */
    private void notifyAppended(String streamId, long version) {
        synchronized (notifyLock) {
            if (pendingNotify.length() > 0) pendingNotify.append('\n');
            pendingNotify.append(streamId).append(' ').append(version);
            if (notifying) return;
            notifying = true;
        }
        sendPendingNotify();
    }

    private void sendPendingNotify() {
        String payload;
        synchronized (notifyLock) {
            if (pendingNotify.length() == 0) {
                notifying = false;
                return;
            }
            // A NOTIFY payload must stay under 8,000 bytes (stream ids are ASCII); what is past the cut goes next.
            int cut = pendingNotify.length() <= MAX_NOTIFY_PAYLOAD ? pendingNotify.length() : pendingNotify.lastIndexOf("\n", MAX_NOTIFY_PAYLOAD);
            payload = pendingNotify.substring(0, cut);
            pendingNotify.delete(0, Math.min(pendingNotify.length(), cut + 1));
        }
        pool.preparedQuery(NOTIFY).execute(Tuple.of(payload)).onComplete(ar -> {
            if (ar.failed()) LOG.debug("NOTIFY failed; listeners will catch up by sweeping", ar.cause());
            sendPendingNotify();
        });
    }

    /** Events of one stream with afterVersion < version <= upToVersion, in version order. */
    public Future<List<RecordedEvent>> readStream(String streamId, long afterVersion, long upToVersion) {
        return pool.preparedQuery(READ_STREAM).execute(Tuple.of(streamId, afterVersion, upToVersion)).map(EventStore::toEvents);
    }

    /** The highest version of one stream whose events were recorded at or before {@code at}; 0 if none. */
    public Future<Long> versionAt(String streamId, java.time.OffsetDateTime at) {
        return pool.preparedQuery("SELECT coalesce(max(stream_version), 0) FROM events WHERE stream_id = $1 AND recorded_at <= $2")
                .execute(Tuple.of(streamId, at)).map(rows -> rows.iterator().next().getLong(0));
    }

    /** Every stream's version, to catch up projections and to tell whether they are current. */
    public Future<Map<String, Long>> streamVersions(String prefix) {
        return pool.preparedQuery("SELECT stream_id, version FROM streams WHERE starts_with(stream_id, $1)")
                .execute(Tuple.of(prefix)).map(rows -> {
                    Map<String, Long> out = new LinkedHashMap<>();
                    for (Row r : rows) out.put(r.getString(0), r.getLong(1));
                    return out;
                });
    }

    /**
     * A page of the global log in log order. Only events of transactions older than every running one are
     * visible, so a reader that keeps the last cursor it saw can never have an event appear behind it.
     */
    public Future<List<RecordedEvent>> readLog(LogQuery q) {
        if (q.after() == null && q.afterPosition() != null) {
            return cursorOf(q.afterPosition()).compose(c -> readLog(new LogQuery(
                    c, null, q.streamIds(), q.type(), q.actor(), q.since(), q.until(), q.limit())));
        }
        StringBuilder sql = new StringBuilder("SELECT ").append(COLUMNS).append(" FROM events WHERE ");
        List<Object> params = new ArrayList<>();
        if (q.after() != null) {
            params.add(q.after().transactionId());
            params.add(q.after().position());
            sql.append("(transaction_id, global_position) > ($1::text::xid8, $2)");
        } else {
            sql.append("true");
        }
        sql.append(" AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())");
        if (q.streamIds() != null) sql.append(" AND stream_id = ANY($").append(add(params, q.streamIds().toArray(new String[0]))).append(")");
        if (q.type() != null) sql.append(" AND event_type = $").append(add(params, q.type()));
        if (q.actor() != null) sql.append(" AND metadata ->> 'actor' = $").append(add(params, q.actor()));
        if (q.since() != null) sql.append(" AND recorded_at >= $").append(add(params, q.since()));
        if (q.until() != null) sql.append(" AND recorded_at < $").append(add(params, q.until()));
        sql.append(" ORDER BY transaction_id, global_position LIMIT $").append(add(params, (long) q.limit()));
        return pool.preparedQuery(sql.toString()).execute(Tuple.from(params)).map(EventStore::toEvents);
    }

    /**
     * The cursor just after the event at a global position. A position is a place in the log order only
     * through its event's transaction; for a position no event holds (a rolled-back append), the nearest
     * event below it stands in.
     */
    public Future<LogCursor> cursorOf(long position) {
        return pool.preparedQuery("SELECT transaction_id::text, global_position FROM events WHERE global_position <= $1"
                        + " ORDER BY global_position DESC LIMIT 1")
                .execute(Tuple.of(position))
                .map(rows -> rows.rowCount() == 0 ? LogCursor.START
                        : new LogCursor(rows.iterator().next().getString(0), rows.iterator().next().getLong(1)));
    }

    /** The cursor after the last visible event of the log: where a reader that wants only new events starts. */
    public Future<LogCursor> headCursor() {
        return pool.query("SELECT transaction_id::text, global_position FROM events"
                        + " WHERE transaction_id < pg_snapshot_xmin(pg_current_snapshot()) ORDER BY transaction_id DESC, global_position DESC LIMIT 1")
                .execute()
                .map(rows -> rows.rowCount() == 0 ? LogCursor.START
                        : new LogCursor(rows.iterator().next().getString(0), rows.iterator().next().getLong(1)));
    }

    private static int add(List<Object> params, Object value) {
        params.add(value);
        return params.size();
    }

    private static List<RecordedEvent> toEvents(RowSet<Row> rows) {
        List<RecordedEvent> out = new ArrayList<>(rows.rowCount());
        for (Row r : rows) {
            JsonObject m = new JsonObject(r.getString("metadata"));
            out.add(new RecordedEvent(
                    r.getLong("global_position"),
                    r.getString("transaction_text"),
                    r.getString("stream_id"),
                    r.getLong("stream_version"),
                    r.getString("event_type"),
                    r.getString("data"),
                    new EventMetadata(m.getString("actor"), m.getString("requestId"), m.getString("clientAddress"), m.getString("reason")),
                    r.getOffsetDateTime("recorded_at")));
        }
        return out;
    }

    private static JsonObject metadataJson(EventMetadata m) {
        JsonObject o = new JsonObject().put("actor", m.actor()).put("requestId", m.requestId()).put("clientAddress", m.clientAddress());
        if (m.reason() != null) o.put("reason", m.reason());
        return o;
    }
}

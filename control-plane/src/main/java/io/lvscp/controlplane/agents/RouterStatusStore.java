package io.lvscp.controlplane.agents;

import io.lvscp.api.driver.DriverLimits;
import io.vertx.core.Future;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.util.HashMap;
import java.util.Map;

/** Router status in PostgreSQL, so that every control-plane process shows the same, whichever one an agent uses. */
public final class RouterStatusStore {
    /** Told "cluster router stream" when a router's agent says hello, on whichever process its stream is. */
    public static final String STREAM_CHANNEL = "lvscp_router_streams";
    private static final String COLUMNS = "router, connected, connected_since, last_seen_at, driver, applied_revision, applied_at, "
            + "apply_millis, last_error, last_error_revision, last_error_at, role, role_since, stats::text AS stats, "
            + "connection_sync::text AS connection_sync";
    private final Pool pool;

    public RouterStatusStore(Pool pool) {
        this.pool = pool;
    }

    /**
     * The router's agent said hello. A different instance than last time is a restarted agent: the health verdicts of
     * the previous run are dropped in the same statement (the new run reports what fails from now on), and so is what
     * it reported of connection sync (the new run reports it with its first ack or stats). {@code stream} names this
     * connection, so that only its own end can mark the router disconnected ({@link #disconnected}), and every process
     * hears of it on {@link #STREAM_CHANNEL} once the row is committed: one that still holds an older stream of the
     * router learns that it is dead without waiting for three heartbeats of silence.
     */
    public Future<Void> connected(String cluster, String router, String driver, String instance, String stream) {
        return exec("""
                WITH forgotten AS (
                    DELETE FROM real_server_health h
                    WHERE h.cluster = $1 AND h.router = $2 AND $4::text IS NOT NULL
                      AND $4::text IS DISTINCT FROM (SELECT instance FROM router_status WHERE cluster = $1 AND router = $2)
                ), upserted AS (
                INSERT INTO router_status (cluster, router, connected, connected_since, last_seen_at, driver, instance, stream)
                VALUES ($1, $2, true, now(), now(), $3, $4, $5)
                ON CONFLICT (cluster, router) DO UPDATE SET connected = true, connected_since = now(), last_seen_at = now(),
                    driver = $3, instance = coalesce($4, router_status.instance), stream = $5,
                    connection_sync = CASE WHEN $4::text IS NOT NULL AND $4::text IS DISTINCT FROM router_status.instance
                                           THEN NULL ELSE router_status.connection_sync END
                RETURNING 1
                )
                SELECT pg_notify('%s', $1 || ' ' || $2 || ' ' || $5) FROM upserted
                """.formatted(STREAM_CHANNEL), Tuple.of(cluster, router, driver, instance, stream));
    }

    /**
     * The stream {@code stream} ended. A router whose agent has since said hello on another stream (on another
     * control-plane process, which may have been quicker than this one to hear of the loss) stays connected.
     */
    public Future<Void> disconnected(String cluster, String router, String stream) {
        return exec("UPDATE router_status SET connected = false, last_seen_at = now() WHERE cluster = $1 AND router = $2 AND stream = $3",
                Tuple.of(cluster, router, stream));
    }

    public Future<Void> seen(String cluster, String router) {
        return exec("UPDATE router_status SET last_seen_at = now() WHERE cluster = $1 AND router = $2", Tuple.of(cluster, router));
    }

    /** An ack; {@code connectionSyncJson} null (an agent that does not report it) keeps what was known. */
    public Future<Void> applied(String cluster, String router, long revision, long millis, String connectionSyncJson) {
        // Acks can arrive out of order across reconnects; the applied revision only moves forward... unless the
        // agent says so after a restart from an older local copy, which hello records.
        return exec("""
                UPDATE router_status SET applied_revision = $3, applied_at = now(), apply_millis = $4, last_seen_at = now(),
                       connection_sync = coalesce($5::text::jsonb, connection_sync)
                WHERE cluster = $1 AND router = $2
                """, Tuple.of(cluster, router, revision, millis, connectionSyncJson));
    }

    public Future<Void> failed(String cluster, String router, long revision, long appliedRevision, String error) {
        return exec("""
                UPDATE router_status SET last_error = $3, last_error_revision = $4, last_error_at = now(),
                       applied_revision = $5, last_seen_at = now()
                WHERE cluster = $1 AND router = $2
                """, Tuple.of(cluster, router, error, revision, appliedRevision));
    }

    public Future<Void> stats(String cluster, String router, String statsJson, String connectionSyncJson) {
        return exec("""
                UPDATE router_status SET stats = $3::text::jsonb, connection_sync = coalesce($4::text::jsonb, connection_sync),
                       last_seen_at = now()
                WHERE cluster = $1 AND router = $2
                """, Tuple.of(cluster, router, statsJson, connectionSyncJson));
    }

    /** The driver each router of {@code cluster} last said hello with, connected now or not (routers never seen are absent). */
    public Future<io.lvscp.controlplane.command.RouterDrivers> drivers(String cluster) {
        return pool.preparedQuery("SELECT router, driver FROM router_status WHERE cluster = $1 AND driver IS NOT NULL")
                .execute(Tuple.of(cluster)).map(rows -> {
                    Map<String, String> out = new HashMap<>();
                    for (Row r : rows) out.put(r.getString(0), r.getString(1));
                    return new io.lvscp.controlplane.command.RouterDrivers(out);
                });
    }

    public Future<Void> role(String cluster, String router, String role) {
        return exec("""
                UPDATE router_status SET role_since = CASE WHEN role IS DISTINCT FROM $3 THEN now() ELSE role_since END,
                       role = $3, last_seen_at = now()
                WHERE cluster = $1 AND router = $2
                """, Tuple.of(cluster, router, role));
    }

    public Future<Void> health(String cluster, String router, String virtualServer, String realServer, boolean healthy, String reason) {
        return exec("""
                INSERT INTO real_server_health (cluster, router, virtual_server, real_server, healthy, reason, since)
                VALUES ($1, $2, $3, $4, $5, $6, now())
                ON CONFLICT (cluster, virtual_server, real_server, router) DO UPDATE SET healthy = $5, reason = $6,
                    since = CASE WHEN real_server_health.healthy = $5 THEN real_server_health.since ELSE now() END
                """, Tuple.of(cluster, router, virtualServer, realServer, healthy, reason));
    }

    /** Each router's last verdict on a real server, keyed by "virtualServer/realServer", then router. */
    public Future<Map<String, Map<String, RealServerHealth>>> healthFor(String cluster) {
        return pool.preparedQuery("SELECT virtual_server, real_server, router, healthy, reason, since FROM real_server_health WHERE cluster = $1")
                .execute(Tuple.of(cluster)).map(rows -> {
                    Map<String, Map<String, RealServerHealth>> out = new HashMap<>();
                    for (Row r : rows) {
                        out.computeIfAbsent(r.getString(0) + "/" + r.getString(1), k -> new java.util.TreeMap<>())
                                .put(r.getString(2), new RealServerHealth(r.getString(2), r.getBoolean(3), r.getString(4), r.getOffsetDateTime(5)));
                    }
                    return out;
                });
    }

    public Future<Map<String, RouterStatus>> forCluster(String cluster) {
        return pool.preparedQuery("SELECT " + COLUMNS + " FROM router_status WHERE cluster = $1").execute(Tuple.of(cluster)).map(rows -> {
            Map<String, RouterStatus> out = new HashMap<>();
            for (Row r : rows) {
                out.put(r.getString("router"), new RouterStatus(
                        r.getBoolean("connected"), r.getOffsetDateTime("connected_since"), r.getOffsetDateTime("last_seen_at"),
                        r.getString("driver"), r.getString("driver") == null ? null : DriverLimits.programsKernel(r.getString("driver")),
                        r.getLong("applied_revision"), r.getOffsetDateTime("applied_at"),
                        r.getLong("apply_millis"), r.getString("last_error"), r.getLong("last_error_revision"),
                        r.getOffsetDateTime("last_error_at"), r.getString("role"), r.getOffsetDateTime("role_since"), r.getString("stats"),
                        r.getString("connection_sync")));
            }
            return out;
        });
    }

    private Future<Void> exec(String sql, Tuple args) {
        return pool.preparedQuery(sql).execute(args).mapEmpty();
    }
}

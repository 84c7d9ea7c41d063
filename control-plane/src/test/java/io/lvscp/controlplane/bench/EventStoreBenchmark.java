package io.lvscp.controlplane.bench;

import io.lvscp.controlplane.config.ControlPlaneConfig;
import io.lvscp.controlplane.db.Database;
import io.lvscp.controlplane.eventstore.EventMetadata;
import io.lvscp.controlplane.eventstore.EventStore;
import io.lvscp.controlplane.eventstore.NewEvent;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.pgclient.PgBuilder;
import io.vertx.pgclient.PgConnectOptions;
import io.vertx.pgclient.PgConnection;
import io.vertx.pgclient.pubsub.PgSubscriber;
import io.vertx.sqlclient.Pool;
import io.vertx.sqlclient.PoolOptions;
import io.vertx.sqlclient.PreparedQuery;
import io.vertx.sqlclient.Row;
import io.vertx.sqlclient.Tuple;
import java.io.IOException;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.ConcurrentHistogram;
import org.HdrHistogram.Histogram;

/**
 * Append throughput and latency of the event store against a raw INSERT of the same rows into the same
 * PostgreSQL, at the same durability, in the same run. Not a test: run it with
 * {@code ./mvnw -q -pl control-plane -am -Pbench process-test-classes} (see docs/benchmarks.md).
 *
 * <p>The server, its durability and the connect options are the control plane's own: {@link Database#open} on a
 * fresh temporary data directory (embedded PostgreSQL with fsync and synchronous_commit on), its migrations, and
 * {@link Database#connectOptions()} (prepared-statement cache on). The pool is built as the control plane builds
 * it, with its default size, and a subscriber LISTENs on the wake-up channel as {@code EventNotifications} does.
 *
 * <p>Every append is one statement in autocommit, so one commit and one WAL flush, for both systems. The event
 * store then sends its wake-up (NOTIFY) in a statement of its own that it does not wait for. The raw table is
 * {@code LIKE events INCLUDING ALL}: same columns, defaults, identity, constraints and indexes, but no streams row
 * to bump and no wake-up.
 *
 * <p>Knobs, all system properties: bench.appends (per system and workload, default 5000), bench.writers (8),
 * bench.batch (10), bench.serialAppends (2000, the one-writer workload), bench.warmup (300 per system and
 * workload), bench.rounds (4: each measurement is split in rounds and the order of the systems rotates between
 * rounds, so background load and table growth fall on all of them alike), bench.pool (pool size, default the
 * control plane's, 8), bench.maxSeconds (120: the time all measured phases may take together; a phase may use
 * three times its fair share of what the phases before it left, and stops issuing appends when that is used up,
 * which the table then says), bench.diagnose (true: also run the event store with its wake-up suppressed,
 * "es-no-notify", to show what the wake-up costs, and sample what the backends wait on), bench.dataDir (parent of
 * the temporary data directory, default java.io.tmpdir), bench.cachePreparedStatements (true, as the control
 * plane connects; false turns the pg client's statement cache off for every system).
 */
public final class EventStoreBenchmark {
    private static final String RAW_TABLE = "raw_events";
    private static final long WARMUP_LIMIT = TimeUnit.SECONDS.toNanos(5);
    private static final long MIN_PHASE = TimeUnit.MILLISECONDS.toNanos(500);
    private static final String EVENT_TYPE = "RealServerChanged";
    // What ClusterDiff emits when an operator changes a real server: the whole server, as EventCodec writes it.
    private static final String EVENT_DATA = new JsonObject()
            .put("virtualServer", "web-frontend-eu-west-1-https")
            .put("realServer", new JsonObject()
                    .put("name", "app-node-017.eu-west-1a")
                    .put("address", "10.42.17.117")
                    .put("port", 8443)
                    .put("weight", 120)
                    .put("forwarding", "masq")
                    .put("state", "active"))
            .encode();
    private static final EventMetadata METADATA = new EventMetadata("alice@ops.example.com",
            "5f0c2f8e-2b1f-4f8e-9a51-3c1f6f2d9a7b", "10.20.30.40", "rebalance after adding app-node-017 (CHG-20931)");
    // The metadata JSON exactly as EventStore encodes it (same keys, same order).
    private static final String METADATA_JSON = new JsonObject().put("actor", METADATA.actor())
            .put("requestId", METADATA.requestId()).put("clientAddress", METADATA.clientAddress())
            .put("reason", METADATA.reason()).encode();
    // Acknowledgement times of measured appends, per writer, by stream version modulo this, for the wake-up delay.
    private static final int ACK_SLOTS = 4096;

    private final Config cfg;
    private final Pool pool;
    private final EventStore store;
    private final EventStore storeWithoutWakeup;
    private final AtomicLong wakeupsSuppressed = new AtomicLong();
    private final long[] esVersion;
    private final long[] rawVersion;
    private final AtomicLong esEvents = new AtomicLong();
    private final AtomicLong rawEvents = new AtomicLong();
    // Appends acknowledged by EventStore.append (each sends one wake-up) and by the variant without wake-ups.
    private final AtomicLong storeAppends = new AtomicLong();
    private final AtomicLong storeAppendsWithoutWakeup = new AtomicLong();
    private final AtomicLong wakeupsReceived = new AtomicLong();
    private final AtomicLong notifiesReceived = new AtomicLong();
    private final AtomicLong wakeupsUnexpected = new AtomicLong();
    private final AtomicLongArray ackNanos;
    private final Histogram wakeupDelayMicros = new ConcurrentHistogram(60_000_000L, 3);
    private final Map<Integer, String> rawBatchSql = new ConcurrentHashMap<>();

    private final Vertx vertx;
    private final PgConnectOptions connect;
    // Where the wait-event sampler counts, while a measured phase runs; null between phases.
    private volatile Map<String, LongAdder> sampling;
    // True while a measured phase runs: only its appends' wake-ups go into the delay histogram.
    private volatile boolean measuring;

    private EventStoreBenchmark(Config cfg, Vertx vertx, PgConnectOptions connect, Pool pool) {
        this.cfg = cfg;
        this.vertx = vertx;
        this.connect = connect;
        this.pool = pool;
        this.store = new EventStore(pool);
        this.storeWithoutWakeup = new EventStore(withoutWakeups(pool, wakeupsSuppressed));
        this.esVersion = new long[cfg.writers];
        this.rawVersion = new long[cfg.writers];
        this.ackNanos = new AtomicLongArray(cfg.writers * ACK_SLOTS);
    }

    record Config(int appends, int writers, int batch, int serialAppends, int warmup, int rounds, int poolSize,
                  int maxSeconds, boolean diagnose, String dataDir, boolean cachePrepared) {
        static Config fromSystemProperties() {
            int writers = Integer.getInteger("bench.writers", 8);
            return new Config(
                    Integer.getInteger("bench.appends", 5000),
                    writers,
                    Integer.getInteger("bench.batch", 10),
                    Integer.getInteger("bench.serialAppends", 2000),
                    Integer.getInteger("bench.warmup", 300),
                    Math.max(1, Integer.getInteger("bench.rounds", 4)),
                    Integer.getInteger("bench.pool", ControlPlaneConfig.defaults().database().poolSize()),
                    Integer.getInteger("bench.maxSeconds", 120),
                    Boolean.parseBoolean(System.getProperty("bench.diagnose", "true")),
                    System.getProperty("bench.dataDir"),
                    Boolean.parseBoolean(System.getProperty("bench.cachePreparedStatements", "true")));
        }
    }

    /** One system under test: appends {@code n} events to writer {@code w}'s stream, at its next version. */
    interface Appender {
        Future<Void> append(int w, int n);
    }

    record Workload(String name, int batch, int writers, int appends) {}

    /** Accumulates the measured phases of one (workload, system) over the rounds. */
    static final class Result {
        final Histogram latencyMicros = new ConcurrentHistogram(60_000_000L, 3);
        final Map<String, LongAdder> waits = new ConcurrentHashMap<>();
        long appends;
        long nanos;
        boolean cut;
    }

    public static void main(String[] args) throws Exception {
        Config cfg = Config.fromSystemProperties();
        long started = System.nanoTime();
        printMachine();
        Path parent = Path.of(cfg.dataDir != null ? cfg.dataDir : System.getProperty("java.io.tmpdir")).toAbsolutePath();
        Files.createDirectories(parent);
        Path dataDir = Files.createTempDirectory(parent, "lvscp-bench-pg");
        try {
            // The control plane's own embedded PostgreSQL (fsync and synchronous_commit on), migrations and
            // connect options: the durability and the client settings measured are production's.
            ControlPlaneConfig.Database dbConfig = new ControlPlaneConfig.Database(null, null, null, cfg.poolSize, dataDir.toString());
            try (Database db = Database.open(dbConfig)) {
                db.migrate();
                PgConnectOptions connect = db.connectOptions();
                if (connect.getCachePreparedStatements() != cfg.cachePrepared) {
                    connect = new PgConnectOptions(connect).setCachePreparedStatements(cfg.cachePrepared);
                }
                Vertx vertx = Vertx.vertx();
                // As ControlPlane builds its pool.
                Pool pool = PgBuilder.pool()
                        .with(new PoolOptions().setMaxSize(cfg.poolSize).setName("lvscp-events"))
                        .connectingTo(connect)
                        .using(vertx)
                        .build();
                try {
                    new EventStoreBenchmark(cfg, vertx, connect, pool).run();
                } finally {
                    await(pool.close(), 30);
                    await(vertx.close(), 30);
                }
            }
        } finally {
            if (Files.exists(dataDir)) deleteTree(dataDir);
        }
        System.out.printf(Locale.ROOT, "%nTotal run time: %.1f s; load average at end: %s%n", (System.nanoTime() - started) / 1e9, loadAverage());
    }

    private void run() throws Exception {
        printServer();
        await(pool.query("CREATE TABLE " + RAW_TABLE + " (LIKE events INCLUDING ALL)").execute(), 30);
        printIndexes();
        System.out.printf(Locale.ROOT, "Payload: event type %s, data %d bytes, metadata %d bytes (JSON text)%n",
                EVENT_TYPE, utf8(EVENT_DATA), utf8(METADATA_JSON));
        System.out.printf(Locale.ROOT, "Settings: appends=%d writers=%d batch=%d serialAppends=%d warmup=%d rounds=%d pool=%d"
                        + " maxSeconds=%d diagnose=%s cachePreparedStatements=%s%n", cfg.appends, cfg.writers, cfg.batch,
                cfg.serialAppends, cfg.warmup, cfg.rounds, cfg.poolSize, cfg.maxSeconds, cfg.diagnose, connect.getCachePreparedStatements());

        Map<String, Appender> systems = new LinkedHashMap<>();
        systems.put("eventstore", this::appendEventStore);
        systems.put("raw", this::appendRaw);
        if (cfg.diagnose) systems.put("es-no-notify", this::appendEventStoreWithoutWakeup);

        List<Workload> workloads = List.of(
                new Workload("single, " + cfg.writers + " writers", 1, cfg.writers, cfg.appends),
                new Workload("batch " + cfg.batch + ", " + cfg.writers + " writers", cfg.batch, cfg.writers, cfg.appends),
                new Workload("single, 1 writer", 1, 1, cfg.serialAppends));

        PgSubscriber listener = startListener();
        try {
            // Warm-up: creates every writer's stream (the only appends at expected version 0), loads both code
            // paths and all statements, and gives both tables some rows before anything is measured.
            for (Workload wl : workloads) {
                for (Map.Entry<String, Appender> s : systems.entrySet()) {
                    if (s.getKey().startsWith("es-")) continue;
                    phase(wl.writers, Math.max(wl.writers, cfg.warmup), wl.batch, s.getValue(), null, WARMUP_LIMIT);
                    awaitWakeups();
                }
            }
            System.out.println("Warm-up done.");

            System.out.println();
            Map<String, Map<String, Result>> results;
            Sampler sampler = cfg.diagnose ? startSampler() : null;
            try {
                results = measure(workloads, systems);
            } finally {
                if (sampler != null) stopSampler(sampler);
            }
            printTable(workloads, results);
            if (cfg.diagnose) printWaits(workloads, results);
            printWakeups();
            verify();
        } finally {
            await(listener.close(), 30);
        }
    }

    /** Every workload, every system, in rounds whose order of systems rotates; within bench.maxSeconds. */
    private Map<String, Map<String, Result>> measure(List<Workload> workloads, Map<String, Appender> systems) throws Exception {
        Map<String, Map<String, Result>> results = new LinkedHashMap<>();
        long budgetEnd = System.nanoTime() + TimeUnit.SECONDS.toNanos(cfg.maxSeconds);
        int phasesLeft = workloads.size() * systems.size() * cfg.rounds;
        for (Workload wl : workloads) {
            Map<String, Result> bySystem = new LinkedHashMap<>();
            systems.keySet().forEach(k -> bySystem.put(k, new Result()));
            results.put(wl.name, bySystem);
            List<String> order = new ArrayList<>(systems.keySet());
            for (int round = 0; round < cfg.rounds; round++) {
                int perRound = wl.appends / cfg.rounds + (round < wl.appends % cfg.rounds ? 1 : 0);
                for (String system : order) {
                    Result r = bySystem.get(system);
                    try {
                        // Every phase starts right after a checkpoint, so none inherits another's dirty pages.
                        await(pool.query("CHECKPOINT").execute(), 120);
                        sampling = r.waits;
                        measuring = true;
                        long left = budgetEnd - System.nanoTime();
                        long limit = Math.max(MIN_PHASE, Math.min(3 * left / phasesLeft, left - (phasesLeft - 1) * MIN_PHASE));
                        phase(wl.writers, perRound, wl.batch, systems.get(system), r, limit);
                    } finally {
                        phasesLeft--;
                        sampling = null;
                        measuring = false;
                    }
                    // The event store's last wake-ups are still on their way when its writers are done: let them
                    // arrive before the next phase starts, so that no phase pays for another's.
                    awaitWakeups();
                    System.out.printf(Locale.ROOT, "  %-22s %-15s round %d: %d appends so far%n", wl.name, system, round + 1, r.appends);
                }
                Collections.rotate(order, -1);
            }
        }
        return results;
    }

    /**
     * Runs {@code total} appends of {@code batch} events from {@code writers} concurrent writers, each on its
     * own stream and each issuing its next append when the previous one returned. Blocks the main thread only.
     */
    private void phase(int writers, int total, int batch, Appender appender, Result into, long limitNanos) throws Exception {
        long deadline = System.nanoTime() + limitNanos;
        Histogram h = into == null ? new ConcurrentHistogram(60_000_000L, 3) : into.latencyMicros;
        AtomicLong done = new AtomicLong();
        List<Future<Void>> all = new ArrayList<>(writers);
        long start = System.nanoTime();
        for (int w = 0; w < writers; w++) {
            int count = total / writers + (w < total % writers ? 1 : 0);
            Promise<Void> p = Promise.promise();
            next(appender, w, count, batch, deadline, h, done, p);
            all.add(p.future());
        }
        long end = await(Future.all(all).map(v -> System.nanoTime()), TimeUnit.NANOSECONDS.toSeconds(limitNanos) + 120L);
        if (into != null) {
            into.appends += done.get();
            into.nanos += end - start;
            into.cut |= done.get() < total;
        }
    }

    private static void next(Appender a, int w, int left, int batch, long deadline, Histogram h, AtomicLong done, Promise<Void> p) {
        if (left == 0 || System.nanoTime() - deadline > 0) {
            p.complete();
            return;
        }
        long t0 = System.nanoTime();
        a.append(w, batch).onComplete(ar -> {
            if (ar.failed()) {
                p.fail(ar.cause());
                return;
            }
            h.recordValue(Math.max(1, (System.nanoTime() - t0) / 1_000));
            done.incrementAndGet();
            next(a, w, left - 1, batch, deadline, h, done, p);
        });
    }

    /** The production append: one statement, then the wake-up sent after it, which the writer does not wait for. */
    private Future<Void> appendEventStore(int w, int n) {
        return append(store, w, n).map(version -> {
            if (measuring) ackNanos.set(w * ACK_SLOTS + (int) (version % ACK_SLOTS), System.nanoTime());
            storeAppends.incrementAndGet();
            return null;
        });
    }

    /**
     * Diagnostic: the same production code on a pool that drops the wake-up statement instead of sending it, so
     * the difference to "eventstore" is what the wake-up costs (a second statement per append, its commit, and a
     * pool connection it holds meanwhile).
     */
    private Future<Void> appendEventStoreWithoutWakeup(int w, int n) {
        return append(storeWithoutWakeup, w, n).map(version -> {
            storeAppendsWithoutWakeup.incrementAndGet();
            return null;
        });
    }

    private Future<Long> append(EventStore es, int w, int n) {
        List<NewEvent> events = new ArrayList<>(n);
        for (int i = 0; i < n; i++) events.add(new NewEvent(EVENT_TYPE, EVENT_DATA));
        return es.append(stream(w), esVersion[w], events, METADATA).map(r -> {
            esVersion[w] = r.version();
            esEvents.addAndGet(n);
            return r.version();
        });
    }

    /**
     * The pool as it is, except that a statement containing pg_notify is not sent: its execute succeeds at once.
     * EventStore's own code runs unchanged; only its wake-up goes nowhere. Counts what it dropped, so the run can
     * show that the variant really sent no wake-up (and that the match on the statement still finds it).
     */
    private static Pool withoutWakeups(Pool pool, AtomicLong suppressed) {
        @SuppressWarnings("unchecked")
        PreparedQuery<Object> nothing = (PreparedQuery<Object>) Proxy.newProxyInstance(PreparedQuery.class.getClassLoader(),
                new Class<?>[] {PreparedQuery.class}, (proxy, method, args) -> {
                    if (!method.getName().equals("execute")) throw new UnsupportedOperationException(method.getName());
                    suppressed.incrementAndGet();
                    return Future.succeededFuture();
                });
        return (Pool) Proxy.newProxyInstance(Pool.class.getClassLoader(), new Class<?>[] {Pool.class}, (proxy, method, args) -> {
            if (method.getName().equals("preparedQuery") && args != null && args[0] instanceof String sql && sql.contains("pg_notify(")) {
                return nothing;
            }
            try {
                return method.invoke(pool, args);
            } catch (InvocationTargetException e) {
                throw e.getCause();
            }
        });
    }

    /** LISTENs on the store's channel as EventNotifications does, and times each wake-up from its append's acknowledgement. */
    private PgSubscriber startListener() throws Exception {
        PgSubscriber subscriber = PgSubscriber.subscriber(vertx, connect);
        Promise<Void> listening = Promise.promise();
        subscriber.channel(EventStore.CHANNEL)
                .subscribeHandler(v -> listening.tryComplete())
                .handler(payload -> {
                    long now = System.nanoTime();
                    notifiesReceived.incrementAndGet();
                    // A line per append, "cluster/bench-<w> <version>", several appends to a NOTIFY.
                    for (String line : payload.split("\n")) {
                        wakeupsReceived.incrementAndGet();
                        int space = line.lastIndexOf(' ');
                        int dash = line.lastIndexOf('-', space);
                        if (space < 0 || dash < 0 || !line.startsWith("cluster/bench-")) {
                            wakeupsUnexpected.incrementAndGet();
                            continue;
                        }
                        int w = Integer.parseInt(line.substring(dash + 1, space));
                        long version = Long.parseLong(line.substring(space + 1));
                        long acked = ackNanos.getAndSet(w * ACK_SLOTS + (int) (version % ACK_SLOTS), 0);
                        if (acked != 0) wakeupDelayMicros.recordValue(Math.max(1, (now - acked) / 1_000));
                    }
                });
        await(subscriber.connect(), 30);
        await(listening.future(), 30);
        return subscriber;
    }

    /** Waits until every wake-up sent so far has reached the listener, or 10 s. */
    private void awaitWakeups() throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (wakeupsReceived.get() < storeAppends.get()) {
            if (System.nanoTime() - until > 0) {
                System.out.printf(Locale.ROOT, "  (wake-ups: %d received of %d sent after 10 s; going on)%n", wakeupsReceived.get(), storeAppends.get());
                return;
            }
            Thread.sleep(1);
        }
    }

    private void printWakeups() {
        System.out.println();
        System.out.printf(Locale.ROOT, "== Wake-ups: %d received by the listener (in %d NOTIFYs), %d appends by EventStore.append, %d unexpected;"
                        + " %d suppressed for %d appends of es-no-notify%n",
                wakeupsReceived.get(), notifiesReceived.get(), storeAppends.get(), wakeupsUnexpected.get(), wakeupsSuppressed.get(),
                storeAppendsWithoutWakeup.get());
        if (wakeupDelayMicros.getTotalCount() > 0) {
            System.out.printf(Locale.ROOT, "Wake-up delay, from the writer's acknowledgement to the listener's receipt (%d measured appends):"
                            + " p50 %.2f ms, p99 %.2f ms, max %.2f ms%n", wakeupDelayMicros.getTotalCount(),
                    wakeupDelayMicros.getValueAtPercentile(50) / 1000.0, wakeupDelayMicros.getValueAtPercentile(99) / 1000.0,
                    wakeupDelayMicros.getMaxValue() / 1000.0);
        }
    }

    private Future<Void> appendRaw(int w, int n) {
        // Same columns, same text-to-jsonb casts as the event store's statement, no RETURNING: a plain INSERT.
        String sql = rawBatchSql.computeIfAbsent(n, EventStoreBenchmark::rawInsert);
        long v = rawVersion[w];
        List<Object> params = new ArrayList<>(5 * n);
        for (int i = 1; i <= n; i++) {
            params.add(stream(w));
            params.add(v + i);
            params.add(EVENT_TYPE);
            params.add(EVENT_DATA);
            params.add(METADATA_JSON);
        }
        return pool.preparedQuery(sql).execute(Tuple.from(params)).map(rows -> {
            if (rows.rowCount() != n) throw new IllegalStateException("raw insert wrote " + rows.rowCount() + " rows, not " + n);
            rawVersion[w] = v + n;
            rawEvents.addAndGet(n);
            return null;
        });
    }

    private static String rawInsert(int n) {
        StringBuilder sql = new StringBuilder("INSERT INTO " + RAW_TABLE
                + " (stream_id, stream_version, event_type, data, metadata) VALUES ");
        for (int i = 0; i < n; i++) {
            int b = 5 * i;
            if (i > 0) sql.append(", ");
            sql.append(String.format(Locale.ROOT, "($%d, $%d, $%d, $%d::text::jsonb, $%d::text::jsonb)", b + 1, b + 2, b + 3, b + 4, b + 5));
        }
        return sql.toString();
    }

    private static String stream(int w) {
        return "cluster/bench-" + w;
    }

    /**
     * What the client backends wait on, sampled from pg_stat_activity every 50 ms on a connection of its own
     * (not from the pool, whose connections are all busy with the writers). Diagnostic only: it costs the
     * server about 20 small queries a second, alike for every system.
     */
    private record Sampler(PgConnection conn, long timer) {}

    private static final String WAITS = "SELECT coalesce(wait_event_type || ':' || wait_event, 'running (CPU)')"
            + " FROM pg_stat_activity WHERE backend_type = 'client backend' AND state = 'active' AND pid <> pg_backend_pid()";

    private Sampler startSampler() throws Exception {
        PgConnection conn = await(PgConnection.connect(vertx, connect), 30);
        AtomicBoolean busy = new AtomicBoolean();
        long timer = vertx.setPeriodic(50, id -> {
            Map<String, LongAdder> into = sampling;
            if (into == null || !busy.compareAndSet(false, true)) return;
            conn.query(WAITS).execute().onComplete(ar -> {
                busy.set(false);
                if (ar.succeeded()) {
                    for (Row r : ar.result()) into.computeIfAbsent(r.getString(0), k -> new LongAdder()).increment();
                }
            });
        });
        return new Sampler(conn, timer);
    }

    private void stopSampler(Sampler sampler) throws Exception {
        vertx.cancelTimer(sampler.timer);
        await(sampler.conn.close(), 30);
    }

    private static void printWaits(List<Workload> workloads, Map<String, Map<String, Result>> results) {
        System.out.println();
        System.out.println("== What the writers' backends were doing (pg_stat_activity, sampled every 50 ms during the measured phases)");
        for (Workload wl : workloads) {
            for (Map.Entry<String, Result> e : results.get(wl.name).entrySet()) {
                Map<String, LongAdder> waits = e.getValue().waits;
                long total = waits.values().stream().mapToLong(LongAdder::sum).sum();
                StringBuilder line = new StringBuilder();
                waits.entrySet().stream()
                        .sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
                        .limit(4)
                        .forEach(w -> line.append(String.format(Locale.ROOT, "  %s %.0f%%", w.getKey(), 100.0 * w.getValue().sum() / total)));
                System.out.printf(Locale.ROOT, "%-22s %-15s %5d samples:%s%n", wl.name, e.getKey(), total, line);
            }
        }
        System.out.println("(Lock:object is the lock a NOTIFY takes at commit and holds until its transaction has ended;"
                + " IO:WALSync and LWLock:WALWrite are the commit's WAL flush; Lock:transactionid is a row lock.)");
    }

    static void printMachine() throws IOException {
        System.out.println("== Machine");
        System.out.printf(Locale.ROOT, "nproc (available processors): %d%n", Runtime.getRuntime().availableProcessors());
        System.out.printf("CPU: %s%n", firstField(Path.of("/proc/cpuinfo"), "model name"));
        System.out.printf("Memory: %s%n", firstField(Path.of("/proc/meminfo"), "MemTotal"));
        System.out.printf("OS: %s %s (%s)%n", System.getProperty("os.name"), System.getProperty("os.version"), System.getProperty("os.arch"));
        System.out.printf("Java: %s (%s %s)%n", System.getProperty("java.version"), System.getProperty("java.vm.name"),
                System.getProperty("java.vm.version"));
        System.out.printf("Load average at start: %s%n", loadAverage());
    }

    private void printServer() throws Exception {
        System.out.println("== PostgreSQL");
        for (String setting : List.of("server_version", "fsync", "synchronous_commit", "wal_sync_method", "full_page_writes",
                "commit_delay", "shared_buffers", "max_wal_size", "data_directory")) {
            Row r = await(pool.query("SHOW " + setting).execute(), 30).iterator().next();
            System.out.printf("%-20s %s%n", setting, r.getString(0));
        }
    }

    private void printIndexes() throws Exception {
        for (Row r : await(pool.query("SELECT tablename, indexdef FROM pg_indexes WHERE tablename IN ('events', '" + RAW_TABLE
                + "') ORDER BY tablename, indexname").execute(), 30)) {
            System.out.printf("index on %-10s %s%n", r.getString(0), r.getString(1).replaceFirst("^CREATE (UNIQUE )?INDEX \\S+ ON public\\.\\S+ ", "$1"));
        }
        int triggers = 0;
        for (Row r : await(pool.query("SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE NOT tgisinternal ORDER BY 1").execute(), 30)) {
            System.out.printf("trigger on %-8s %s%n", r.getString(0), r.getString(1));
            triggers++;
        }
        if (triggers == 0) System.out.println("triggers: none (the wake-up is sent by EventStore after the commit, V3)");
    }

    private static void printTable(List<Workload> workloads, Map<String, Map<String, Result>> results) {
        System.out.println();
        System.out.println("== Results (latency per append, from issuing it to its result; one append = one statement = one commit)");
        String header = String.format(Locale.ROOT, "| %-22s | %-15s | %9s | %9s | %8s | %8s | %8s | %-15s |",
                "workload", "system", "appends/s", "events/s", "p50 ms", "p99 ms", "max ms", "vs raw events/s");
        System.out.println(header);
        System.out.println(header.replaceAll("[^|]", "-"));
        for (Workload wl : workloads) {
            Map<String, Result> bySystem = results.get(wl.name);
            double rawRate = eventsPerSecond(bySystem.get("raw"), wl.batch);
            for (Map.Entry<String, Result> e : bySystem.entrySet()) {
                Result r = e.getValue();
                double appendsPerSecond = r.appends / (r.nanos / 1e9);
                double ev = eventsPerSecond(r, wl.batch);
                String ratio = e.getKey().equals("raw") ? "1.00 (baseline)" : String.format(Locale.ROOT, "%.2f", ev / rawRate);
                System.out.printf(Locale.ROOT, "| %-22s | %-15s | %9.0f | %9.0f | %8.2f | %8.2f | %8.2f | %-15s |%s%n",
                        wl.name, e.getKey(), appendsPerSecond, ev,
                        r.latencyMicros.getValueAtPercentile(50) / 1000.0,
                        r.latencyMicros.getValueAtPercentile(99) / 1000.0,
                        r.latencyMicros.getMaxValue() / 1000.0,
                        ratio, r.cut ? " (time limit: fewer appends than asked)" : "");
            }
        }
        System.out.println();
        for (Workload wl : workloads) {
            Map<String, Result> bySystem = results.get(wl.name);
            double ratio = eventsPerSecond(bySystem.get("eventstore"), wl.batch) / eventsPerSecond(bySystem.get("raw"), wl.batch);
            System.out.printf(Locale.ROOT, "Goal (event store >= 0.5 x raw events/s), %-22s: ratio %.2f -> %s%n",
                    wl.name, ratio, ratio >= 0.5 ? "MET" : "MISSED");
        }
    }

    private static double eventsPerSecond(Result r, int batch) {
        return r.appends * (double) batch / (r.nanos / 1e9);
    }

    /** Both tables hold exactly the rows their writers were told were written, with gap-free versions. */
    private void verify() throws Exception {
        for (String table : List.of("events", RAW_TABLE)) {
            Row r = await(pool.query("SELECT coalesce(sum(n), 0), coalesce(sum(mx - n), 0) FROM (SELECT count(*) AS n,"
                    + " max(stream_version) AS mx FROM " + table + " GROUP BY stream_id) s").execute(), 60).iterator().next();
            long expected = table.equals("events") ? esEvents.get() : rawEvents.get();
            System.out.printf(Locale.ROOT, "Check: %-10s %d rows, %d acknowledged to the writers, %d version gaps: %s%n",
                    table, r.getLong(0), expected, r.getLong(1), r.getLong(0) == expected && r.getLong(1) == 0 ? "ok" : "MISMATCH");
        }
        long sumVersions = 0;
        for (Row r : await(pool.query("SELECT version FROM streams").execute(), 30)) sumVersions += r.getLong(0);
        System.out.printf(Locale.ROOT, "Check: streams versions sum to %d, events acknowledged %d: %s%n", sumVersions, esEvents.get(),
                sumVersions == esEvents.get() ? "ok" : "MISMATCH");
        // One wake-up per EventStore.append, none from the variant without it (its dropped statements, one per append).
        boolean wakeupsOk = wakeupsReceived.get() == storeAppends.get() && wakeupsUnexpected.get() == 0
                && wakeupsSuppressed.get() == storeAppendsWithoutWakeup.get();
        System.out.printf(Locale.ROOT, "Check: wake-ups received %d for %d appends, %d suppressed for %d appends without wake-up: %s%n",
                wakeupsReceived.get(), storeAppends.get(), wakeupsSuppressed.get(), storeAppendsWithoutWakeup.get(),
                wakeupsOk ? "ok" : "MISMATCH");
    }

    private static String firstField(Path file, String key) throws IOException {
        if (!Files.isReadable(file)) return "unknown";
        for (String line : Files.readAllLines(file)) {
            if (line.startsWith(key)) return line.substring(line.indexOf(':') + 1).trim();
        }
        return "unknown";
    }

    /** 1, 5 and 15 minute load averages: the benchmark shares the machine with whatever else runs. */
    static String loadAverage() throws IOException {
        Path p = Path.of("/proc/loadavg");
        if (!Files.isReadable(p)) return "unknown";
        String[] f = Files.readString(p).trim().split("\\s+");
        return f[0] + " " + f[1] + " " + f[2];
    }

    private static int utf8(String s) {
        return s.getBytes(StandardCharsets.UTF_8).length;
    }

    private static void deleteTree(Path dir) throws IOException {
        try (var paths = Files.walk(dir)) {
            for (Path p : paths.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        }
    }

    /** Blocks the calling thread (the main thread, never an event loop) until the future completes. */
    private static <T> T await(Future<T> f, long timeoutSeconds) throws Exception {
        try {
            return f.toCompletionStage().toCompletableFuture().get(timeoutSeconds, TimeUnit.SECONDS);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof Exception ex) throw ex;
            throw e;
        } catch (TimeoutException e) {
            throw new IllegalStateException("timed out after " + timeoutSeconds + " s", e);
        }
    }
}

package io.lvscp.controlplane.db;

import io.lvscp.controlplane.config.ControlPlaneConfig;
import io.vertx.pgclient.PgConnectOptions;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.flywaydb.core.Flyway;
import org.flywaydb.core.api.output.MigrateResult;

/**
 * Where the event store lives: an external PostgreSQL named by URL, or an embedded one (real PostgreSQL
 * binaries from Maven Central) whose data directory survives restarts. Opening and migrating block, so they
 * run before Vert.x starts, never on an event loop.
 */
public final class Database implements AutoCloseable {
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Database.class);
    private final PgConnectOptions options;
    private final EmbeddedServer embedded;
    private final String description;

    private Database(PgConnectOptions options, EmbeddedServer embedded, String description) {
        this.options = options;
        this.embedded = embedded;
        this.description = description;
    }

    public static Database open(ControlPlaneConfig.Database cfg) throws IOException {
        if (cfg.url() == null || cfg.url().isBlank()) {
            Path dir = Path.of(cfg.dataDir()).toAbsolutePath();
            Files.createDirectories(dir);
            EmbeddedServer pg = new EmbeddedServer(dir);
            PgConnectOptions o = new PgConnectOptions().setHost("localhost").setPort(pg.port)
                    .setDatabase("postgres").setUser("postgres").setPassword("postgres");
            return new Database(o, pg, "embedded PostgreSQL in " + dir + " (port " + pg.port + ")");
        }
        String url = cfg.url().startsWith("jdbc:") ? cfg.url().substring(5) : cfg.url();
        PgConnectOptions o;
        try {
            o = PgConnectOptions.fromUri(url);
        } catch (RuntimeException e) {
            // The URL may carry a password: say what is wrong without repeating it.
            throw new IllegalArgumentException("database URL is not a postgresql://host:port/database URL: " + e.getClass().getSimpleName());
        }
        if (cfg.user() != null) o.setUser(cfg.user());
        if (cfg.password() != null) o.setPassword(cfg.password());
        return new Database(o, null, "postgresql://" + o.getHost() + ":" + o.getPort() + "/" + o.getDatabase() + " as " + o.getUser());
    }

    public MigrateResult migrate() {
        MigrateResult result = Flyway.configure()
                .dataSource(jdbcUrl(), options.getUser(), options.getPassword())
                .locations("classpath:db/migration")
                .load()
                .migrate();
        adoptRestoredLog();
        return result;
    }

    private String jdbcUrl() {
        return "jdbc:postgresql://" + options.getHost() + ":" + options.getPort() + "/" + options.getDatabase();
    }

    /**
     * Events restored from another server (pg_dump/pg_restore) carry that server's transaction ids, which may lie in
     * this server's future; the log shows only events below the oldest running transaction, so they would stay
     * hidden until this server's ids caught up. Restored events are all committed: put them first, in position
     * order (transaction id 0). Old cursors become meaningless, as after any restore.
     */
    private void adoptRestoredLog() {
        String sql = """
                UPDATE events SET transaction_id = '0'::xid8
                WHERE (SELECT transaction_id FROM events ORDER BY transaction_id DESC LIMIT 1) >= pg_snapshot_xmax(pg_current_snapshot())
                """;
        try (java.sql.Connection c = java.sql.DriverManager.getConnection(jdbcUrl(), options.getUser(), options.getPassword());
             java.sql.Statement st = c.createStatement()) {
            int adopted = st.executeUpdate(sql);
            if (adopted > 0) {
                org.slf4j.LoggerFactory.getLogger(Database.class).warn(
                        "{} events carried transaction ids from another server (a restore?); they now sort first, by position", adopted);
            }
        } catch (java.sql.SQLException e) {
            throw new IllegalStateException("cannot check the event log after migrating: " + e.getMessage(), e);
        }
    }

    public PgConnectOptions connectOptions() {
        // The same few statements run all day: parse and plan them once per connection.
        return new PgConnectOptions(options).setCachePreparedStatements(true);
    }

    /** Where the data is, for people: never includes the password. */
    public String description() {
        return description;
    }

    @Override
    public void close() throws IOException {
        if (embedded != null) embedded.close();
    }

    /**
     * The embedded PostgreSQL, kept running: the control plane is its parent, so when it dies (kill -9, the OOM
     * killer) nobody else would start it again. A watcher thread (not an event loop: starting PostgreSQL blocks for
     * seconds) notices the postmaster gone and starts it again on the same data and port, where the pool and the
     * LISTEN connection, which retry by themselves, find it; PostgreSQL's crash recovery replays its WAL, so every
     * committed event is there. Requests meanwhile get 503 (DatabaseUnavailable).
     */
    private static final class EmbeddedServer implements AutoCloseable {
        private final Path dir;
        private final int port;
        private volatile EmbeddedPostgres pg;
        private volatile boolean closed;
        // Its own thread, never an event loop: starting PostgreSQL blocks for seconds.
        private final java.util.concurrent.ExecutorService restarter = java.util.concurrent.Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "embedded-postgres-restarter");
            t.setDaemon(true);
            return t;
        });

        EmbeddedServer(Path dir) throws IOException {
            this.dir = dir;
            this.pg = start(dir, 0);
            this.port = pg.getPort();
            watch();
        }

        private static EmbeddedPostgres start(Path dir, int port) throws IOException {
            // The library starts PostgreSQL with fsync and synchronous_commit off (fine for its usual tests); an event
            // store that told an operator "done" must have it on disk, so both are turned back on.
            EmbeddedPostgres.Builder b = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false)
                    .setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on");
            if (port > 0) b.setPort(port);
            return b.start();
        }

        /** The postmaster by the pid it wrote in its data directory (the library does not say). */
        java.util.Optional<ProcessHandle> postmaster() {
            try {
                String first = Files.readAllLines(dir.resolve("postmaster.pid")).get(0).strip();
                return ProcessHandle.of(Long.parseLong(first));
            } catch (IOException | RuntimeException e) {
                return java.util.Optional.empty();
            }
        }

        private void watch() {
            java.util.Optional<ProcessHandle> running = postmaster();
            if (running.isEmpty()) {
                LOG.warn("the embedded PostgreSQL's postmaster.pid cannot be read: it will not be restarted if it dies");
                return;
            }
            long pid = running.get().pid();
            running.get().onExit().thenRunAsync(() -> {
                if (closed) return;
                LOG.warn("the embedded PostgreSQL (pid {}) has exited; starting it again on port {}", pid, port);
                if (restart()) watch();
            }, restarter);
        }

        /** Until it runs again (or the control plane stops): its backends may take a moment to leave after it. */
        private boolean restart() {
            try {
                pg.close(); // releases the library's lock on the data directory; stopping a dead server fails quietly
            } catch (IOException | RuntimeException e) {
                LOG.debug("closing the dead embedded PostgreSQL", e);
            }
            for (int attempt = 1; !closed; attempt++) {
                try {
                    pg = start(dir, port);
                    LOG.info("the embedded PostgreSQL runs again on port {} (attempt {})", port, attempt);
                    return true;
                } catch (IOException | RuntimeException e) {
                    if (attempt == 1 || attempt % 10 == 0) LOG.warn("the embedded PostgreSQL did not start again (attempt {}): {}", attempt, e.getMessage());
                    try {
                        Thread.sleep(Math.min(5000, 500L * attempt)); // back-off between attempts
                    } catch (InterruptedException ie) {
                        return false;
                    }
                }
            }
            return false;
        }

        @Override
        public void close() throws IOException {
            closed = true;
            restarter.shutdownNow();
            try {
                restarter.awaitTermination(60, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            pg.close();
        }
    }
}

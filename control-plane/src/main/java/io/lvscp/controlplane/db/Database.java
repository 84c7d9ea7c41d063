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
    private final PgConnectOptions options;
    private final EmbeddedPostgres embedded;
    private final String description;

    private Database(PgConnectOptions options, EmbeddedPostgres embedded, String description) {
        this.options = options;
        this.embedded = embedded;
        this.description = description;
    }

    public static Database open(ControlPlaneConfig.Database cfg) throws IOException {
        if (cfg.url() == null || cfg.url().isBlank()) {
            Path dir = Path.of(cfg.dataDir()).toAbsolutePath();
            Files.createDirectories(dir);
            // The library starts PostgreSQL with fsync and synchronous_commit off (fine for its usual tests); an event
            // store that told an operator "done" must have it on disk, so both are turned back on.
            EmbeddedPostgres pg = EmbeddedPostgres.builder().setDataDirectory(dir).setCleanDataDirectory(false)
                    .setServerConfig("fsync", "on").setServerConfig("synchronous_commit", "on").start();
            PgConnectOptions o = new PgConnectOptions().setHost("localhost").setPort(pg.getPort())
                    .setDatabase("postgres").setUser("postgres").setPassword("postgres");
            return new Database(o, pg, "embedded PostgreSQL in " + dir + " (port " + pg.getPort() + ")");
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
}

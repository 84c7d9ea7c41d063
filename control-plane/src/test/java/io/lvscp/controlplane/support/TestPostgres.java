package io.lvscp.controlplane.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One real PostgreSQL per test JVM (embedded binaries from Maven Central), and a fresh database in it for each
 * test class that asks, so classes never see each other's events.
 */
public final class TestPostgres {
    private static final AtomicInteger DATABASES = new AtomicInteger();
    private static EmbeddedPostgres server;

    private TestPostgres() {}

    private static synchronized EmbeddedPostgres server() {
        if (server == null) {
            try {
                server = EmbeddedPostgres.builder().start();
            } catch (IOException e) {
                throw new UncheckedIOException("embedded PostgreSQL did not start", e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(() -> {
                try {
                    server.close();
                } catch (IOException ignored) {
                    // the JVM is going away
                }
            }));
        }
        return server;
    }

    /** Creates an empty database and returns its postgresql:// URL (user and password in it). */
    public static String newDatabase() {
        EmbeddedPostgres pg = server();
        String name = "lvscp_test_" + DATABASES.incrementAndGet();
        try (Connection c = pg.getPostgresDatabase().getConnection(); Statement s = c.createStatement()) {
            s.execute("CREATE DATABASE " + name);
        } catch (SQLException e) {
            throw new IllegalStateException(e);
        }
        return "postgresql://postgres:postgres@localhost:" + pg.getPort() + "/" + name;
    }

    /** A plain JDBC connection to a database made by {@link #newDatabase()}, for tests that drive transactions by hand. */
    public static Connection jdbc(String url) throws SQLException {
        String rest = url.substring(url.indexOf('@') + 1);
        return DriverManager.getConnection("jdbc:postgresql://" + rest, "postgres", "postgres");
    }

    /** Debian's server binaries; their absence fails the test (install the postgresql package), it is not skipped. */
    public static java.nio.file.Path debianBinaries() throws java.io.IOException {
        java.nio.file.Path root = java.nio.file.Path.of("/usr/lib/postgresql");
        java.util.List<java.nio.file.Path> found = new java.util.ArrayList<>();
        if (java.nio.file.Files.isDirectory(root)) {
            try (java.util.stream.Stream<java.nio.file.Path> versions = java.nio.file.Files.list(root)) {
                versions.map(v -> v.resolve("bin")).filter(b -> java.nio.file.Files.isExecutable(b.resolve("initdb")) && java.nio.file.Files.isExecutable(b.resolve("pg_ctl")))
                        .forEach(found::add);
            }
        }
        found.sort(java.util.Comparator.comparing(java.nio.file.Path::toString));
        if (found.isEmpty()) throw new AssertionError("no /usr/lib/postgresql/*/bin/initdb: install Debian's postgresql package (.ci/run does)");
        return found.get(found.size() - 1);
    }

    /**
     * Appends {@code event} to the cluster's stream straight into the tables, as the event store does, so that the
     * API's validation never sees it (a control plane with a bug, an attacker with the database); {@code actor} goes
     * into its metadata. With {@code wakeUp} the store's NOTIFY follows, as after its own commits; without it only the
     * projection's periodic sweep, or a reader that looks, finds it. Returns the event's revision.
     */
    public static long appendDirectly(String databaseUrl, String cluster, io.lvscp.api.event.ClusterEvent event, String actor,
                                      boolean wakeUp) throws Exception {
        io.lvscp.controlplane.eventstore.NewEvent e = io.lvscp.controlplane.projection.EventCodec.encode(event);
        String metadata = io.lvscp.api.json.Json.mapper().writeValueAsString(
                new io.lvscp.controlplane.eventstore.EventMetadata(actor, "appended-directly", null, null));
        String stream = io.lvscp.controlplane.projection.ClusterProjections.streamId(cluster);
        try (Connection c = jdbc(databaseUrl)) {
            c.setAutoCommit(false);
            long version;
            try (java.sql.PreparedStatement st = c.prepareStatement("UPDATE streams SET version = version + 1 WHERE stream_id = ? RETURNING version")) {
                st.setString(1, stream);
                try (java.sql.ResultSet rs = st.executeQuery()) {
                    rs.next();
                    version = rs.getLong(1);
                }
            }
            try (java.sql.PreparedStatement st = c.prepareStatement(
                    "INSERT INTO events (stream_id, stream_version, event_type, data, metadata) VALUES (?, ?, ?, ?::jsonb, ?::jsonb)")) {
                st.setString(1, stream);
                st.setLong(2, version);
                st.setString(3, e.type());
                st.setString(4, e.data());
                st.setString(5, metadata);
                st.executeUpdate();
            }
            c.commit();
            if (wakeUp) {
                try (java.sql.PreparedStatement st = c.prepareStatement("SELECT pg_notify(?, ?)")) {
                    st.setString(1, io.lvscp.controlplane.eventstore.EventStore.CHANNEL);
                    st.setString(2, stream + " " + version);
                    st.execute();
                }
                c.commit();
            }
            return version;
        }
    }
}

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
}
